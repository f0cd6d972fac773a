package sim_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/patchcheck/patchcheck/sim"
	"github.com/patchcheck/patchcheck/sim/internal/simtest"
)

// runFirst runs st by always taking the first enabled action of the lowest
// CPU that has one, and returns the events.
func runFirst(t *testing.T, m *sim.Machine, st *sim.State, order []int) []sim.Event {
	t.Helper()
	var evs []sim.Event
	var res sim.StepResult
	var buf []sim.Action
	for steps := 0; st.End == sim.Running; steps++ {
		if steps > 10000 {
			t.Fatal("no end after 10000 steps")
		}
		var act *sim.Action
		for _, c := range order {
			buf = m.Actions(st, c, buf[:0])
			if len(buf) > 0 {
				act = &buf[0]
				break
			}
		}
		if act == nil {
			m.Hang(st, &res)
			evs = append(evs, res.Events...)
			break
		}
		m.Step(st, *act, &res)
		evs = append(evs, res.Events...)
	}
	return evs
}

func kinds(evs []sim.Event) string {
	var s []string
	for _, e := range evs {
		s = append(s, e.Kind.String())
	}
	return strings.Join(s, " ")
}

func TestStopProtocolSchedules(t *testing.T) {
	tests := []struct {
		name   string
		cfg    sim.Config
		order  []int
		end    sim.Outcome
		events string
	}{
		{"boot first, merged", sim.Config{CPUs: 2, Merge: true, AtomicWaits: true}, []int{0, 1},
			sim.Relocated, "ipi-sent ipi-taken online cpu-off relocate"},
		{"secondary first, merged", sim.Config{CPUs: 2, Merge: true, AtomicWaits: true}, []int{1, 0},
			sim.Relocated, "ipi-sent ipi-taken online cpu-off off-published relocate"},
		{"timed mode, secondary first", sim.Config{CPUs: 2}, []int{1, 0},
			sim.Relocated, "ipi-sent ipi-taken online cpu-off off-published relocate"},
		{"lost IPI hangs", sim.Config{CPUs: 3, Merge: true, AtomicWaits: true,
			Faults: []sim.Fault{{Kind: sim.FaultLostIPI, CPU: 2, IPI: -1}}}, []int{1, 2, 0},
			sim.Hung, "ipi-sent ipi-lost ipi-taken online cpu-off off-published hang"},
		{"denied CPU_OFF is a BUG", sim.Config{CPUs: 2, Merge: true, AtomicWaits: true,
			Faults: []sim.Fault{{Kind: sim.FaultCPUOffDenied, CPU: 1}}}, []int{1, 0},
			sim.Bugged, "ipi-sent ipi-taken online cpu-off bug"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := sim.NewMachine(simtest.StopProtocol(simtest.StopOptions{}), tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			st := m.Initial()
			evs := runFirst(t, m, st, tt.order)
			if st.End != tt.end {
				t.Errorf("end = %v, want %v (events %s)", st.End, tt.end, kinds(evs))
			}
			if got := kinds(evs); got != tt.events {
				t.Errorf("events = %q, want %q", got, tt.events)
			}
			for _, e := range evs {
				if e.Kind == sim.EvCPUOff && (e.Routed || !e.Masked || e.Online || e.Ctx != sim.ExecIRQ) {
					t.Errorf("CPU_OFF facts %+v", e)
				}
			}
		})
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	m, err := sim.NewMachine(simtest.StopProtocol(simtest.StopOptions{ConfirmOff: true, AffinityBound: 3}), sim.Config{CPUs: 3, Merge: true, AtomicWaits: true})
	if err != nil {
		t.Fatal(err)
	}
	st := m.Initial()
	var res sim.StepResult
	var buf []sim.Action
	for i := 0; st.End == sim.Running && i < 50; i++ {
		enc := m.Encode(nil, st)
		var d sim.State
		if err := m.Decode(enc, &d); err != nil {
			t.Fatal(err)
		}
		if enc2 := m.Encode(nil, &d); !bytes.Equal(enc, enc2) {
			t.Fatalf("step %d: round trip differs", i)
		}
		if err := m.Decode(enc[:len(enc)-1], &d); err == nil {
			t.Fatalf("step %d: truncated encoding accepted", i)
		}
		buf = buf[:0]
		for c := 0; c < 3; c++ {
			buf = m.Actions(st, c, buf)
		}
		if len(buf) == 0 {
			break
		}
		m.Step(st, buf[i%len(buf)], &res)
	}
}

func TestBadPrograms(t *testing.T) {
	good := func() *sim.Program { return simtest.StopProtocol(simtest.StopOptions{}) }
	tests := []struct {
		name  string
		edit  func(p *sim.Program)
		cfg   sim.Config
		error string
	}{
		{"cpu count", func(p *sim.Program) {}, sim.Config{CPUs: 0}, "CPU count"},
		{"bad register", func(p *sim.Program) { p.Funcs[0].Code[0].A = 99 }, sim.Config{CPUs: 2}, "register 99 out of range"},
		{"bad prim", func(p *sim.Program) { p.Funcs[0].Code[3].Sub = 250 }, sim.Config{CPUs: 2}, "unknown prim"},
		{"bad jump", func(p *sim.Program) { p.Funcs[1].Code[1].Target = 7 }, sim.Config{CPUs: 2}, "jump target 7"},
		{"bad entry", func(p *sim.Program) { p.Entry.IRQ = 9 }, sim.Config{CPUs: 2}, "entry IRQ"},
		{"fault cpu", func(p *sim.Program) {}, sim.Config{CPUs: 2, Faults: []sim.Fault{{Kind: sim.FaultLostIPI, CPU: 5}}}, "CPU 5 out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := good()
			tt.edit(p)
			_, err := sim.NewMachine(p, tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.error) {
				t.Fatalf("err = %v, want %q", err, tt.error)
			}
		})
	}
}
