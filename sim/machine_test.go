package sim_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/patchcheck/patchcheck/sim"
	"github.com/patchcheck/patchcheck/sim/internal/simtest"
)

// runFirst runs st by always taking the first enabled action of the lowest
// CPU that has one, and returns the events.
func runFirst(t *testing.T, m *sim.Machine, st *sim.State, order []int) []sim.Event {
	t.Helper()
	evs := append([]sim.Event(nil), m.InitialStep().Events...)
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

// oneCPU builds a 1-CPU program whose boot function body is emitted by body.
func oneCPU(body func(p *simtest.Program, f *simtest.Func)) *sim.Program {
	p := simtest.New("t.c")
	p.Global("g", sim.Int, 5, false)
	f := p.Func("boot")
	body(p, f)
	i := p.Func("idle")
	i.Label("l")
	i.Prim("", sim.PrimIdleWait, -1)
	i.Jump("l")
	h := p.Func("irq", "n")
	h.Ret("")
	return p.MustBuild("boot", "idle", "irq")
}

func TestRunOutcomes(t *testing.T) {
	tests := []struct {
		name string
		body func(p *simtest.Program, f *simtest.Func)
		end  sim.Outcome
		g    uint64 // final value of global g
		msg  string
	}{
		{"atomic add returns old", func(p *simtest.Program, f *simtest.Func) {
			f.Const("d", -7, sim.Int)
			f.Const("z", 0, sim.Int)
			f.Emit(sim.Instr{Op: sim.OpAtomic, Sub: uint8(sim.AtomicAdd), A: f.Reg("old"), B: f.Reg("d"), Type: sim.Int, Imm: 0})
			f.Bin("x", sim.Eq, "old", "old", sim.Int)
			f.Ret("")
		}, sim.Returned, uint64(1<<64 - 2), ""},
		{"cmpxchg fails on mismatch", func(p *simtest.Program, f *simtest.Func) {
			f.Const("exp", 4, sim.Int)
			f.Const("new", 9, sim.Int)
			f.Emit(sim.Instr{Op: sim.OpAtomic, Sub: uint8(sim.AtomicCmpxchg), A: -1, B: f.Reg("exp"), C: f.Reg("new"), Type: sim.Int})
			f.Ret("")
		}, sim.Returned, 5, ""},
		{"cmpxchg succeeds", func(p *simtest.Program, f *simtest.Func) {
			f.Const("exp", 5, sim.Int)
			f.Const("new", 9, sim.Int)
			f.Emit(sim.Instr{Op: sim.OpAtomic, Sub: uint8(sim.AtomicCmpxchg), A: -1, B: f.Reg("exp"), C: f.Reg("new"), Type: sim.Int})
			f.Ret("")
		}, sim.Returned, 9, ""},
		{"division by zero oopses", func(p *simtest.Program, f *simtest.Func) {
			f.Const("a", 1, sim.Int)
			f.Const("z", 0, sim.Int)
			f.Bin("q", sim.Div, "a", "z", sim.Int)
			f.Ret("")
		}, sim.Bugged, 5, "division by zero"},
		{"NULL function pointer oopses", func(p *simtest.Program, f *simtest.Func) {
			f.Const("fp", 0, sim.Ulong)
			f.Emit(sim.Instr{Op: sim.OpCallInd, A: -1, B: f.Reg("fp")})
			f.Ret("")
		}, sim.Bugged, 5, "NULL"},
		{"indirect call", func(p *simtest.Program, f *simtest.Func) {
			f.FuncRef("fp", "set7")
			f.Emit(sim.Instr{Op: sim.OpCallInd, A: -1, B: f.Reg("fp")})
			f.Ret("")
			s := p.Func("set7")
			s.Const("v", 7, sim.Int)
			s.StoreG(0, "v")
			s.Ret("")
		}, sim.Returned, 7, ""},
		{"noreturn function returning is a BUG", func(p *simtest.Program, f *simtest.Func) {
			f.Call("", "die")
			f.Ret("")
			p.Func("die").NoReturn().Ret("")
		}, sim.Bugged, 5, "noreturn"},
		{"infinite local loop fails", func(p *simtest.Program, f *simtest.Func) {
			f.Label("l")
			f.Jump("l")
		}, sim.Failed, 5, "without a visible action"},
		{"unbounded recursion fails", func(p *simtest.Program, f *simtest.Func) {
			f.Call("", "boot")
			f.Ret("")
		}, sim.Failed, 5, "call depth"},
		{"panic", func(p *simtest.Program, f *simtest.Func) {
			f.PrimS(sim.PrimPanic, p.String("oops"))
		}, sim.Panicked, 5, "oops"},
		{"idle_task_exit on the boot CPU", func(p *simtest.Program, f *simtest.Func) {
			f.Prim("", sim.PrimIdleTaskExit, -1)
			f.Ret("")
		}, sim.Bugged, 5, "idle_task_exit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, cfg := range []sim.Config{{CPUs: 1}, {CPUs: 1, Merge: true, AtomicWaits: true, MaxInvisible: 1000}} {
				if cfg.MaxInvisible == 0 {
					cfg.MaxInvisible = 1000
				}
				m, err := sim.NewMachine(oneCPU(tt.body), cfg)
				if err != nil {
					t.Fatal(err)
				}
				st := m.Initial()
				evs := runFirst(t, m, st, []int{0})
				if st.End != tt.end || st.Globals[0] != tt.g {
					t.Fatalf("end %v g %#x, want %v %#x (events %s)", st.End, st.Globals[0], tt.end, tt.g, kinds(evs))
				}
				if tt.msg != "" && !strings.Contains(evs[len(evs)-1].Msg, tt.msg) {
					t.Fatalf("last event %+v, want message %q", evs[len(evs)-1], tt.msg)
				}
			}
		})
	}
}

// Stepping under an Undo, encoding with EncodeReuse and restoring must agree
// with copying the state, stepping and encoding it in full.
func TestUndoAndEncodeReuse(t *testing.T) {
	progs := []*sim.Program{
		simtest.StopProtocol(simtest.StopOptions{ConfirmOff: true, AffinityBound: 2, OnlineBound: 2}),
		simtest.HotplugProtocol(),
	}
	for pi, p := range progs {
		m, err := sim.NewMachine(p, sim.Config{CPUs: 4, Merge: true, AtomicWaits: true})
		if err != nil {
			t.Fatal(err)
		}
		u := m.NewUndo()
		segs := make([]int32, 5)
		st := m.Initial()
		var res sim.StepResult
		var acts []sim.Action
		for i := 0; st.End == sim.Running && i < 40; i++ {
			parent := m.Encode(nil, st)
			var cur sim.State
			if err := m.DecodeSegments(parent, &cur, segs); err != nil {
				t.Fatal(err)
			}
			acts = acts[:0]
			for c := 0; c < 4; c++ {
				acts = m.Actions(&cur, c, acts)
			}
			if len(acts) == 0 {
				break
			}
			for _, a := range acts {
				full := cur.Clone()
				m.Step(full, a, &res)
				want := m.Encode(nil, full)
				u.Begin(&cur)
				m.Step(&cur, a, &res)
				got := m.EncodeReuse(nil, &cur, parent, segs, u)
				u.Restore(&cur)
				if !bytes.Equal(got, want) {
					t.Fatalf("prog %d step %d %v: EncodeReuse differs from Encode", pi, i, a)
				}
				if back := m.Encode(nil, &cur); !bytes.Equal(back, parent) {
					t.Fatalf("prog %d step %d %v: Restore did not restore", pi, i, a)
				}
			}
			m.Step(st, acts[(i*7)%len(acts)], &res)
		}
	}
}

// The canonical layout decodes to a state whose canonical encoding is the
// same bytes, and its runs of equal CPUs make it short.
func TestCanonicalRoundTrip(t *testing.T) {
	for pi, p := range []*sim.Program{simtest.StopProtocol(simtest.StopOptions{OnlineBound: 3}), simtest.HotplugProtocol()} {
		m, err := sim.NewMachine(p, sim.Config{CPUs: 6, Merge: true, AtomicWaits: true})
		if err != nil {
			t.Fatal(err)
		}
		c := m.NewCanon()
		st := m.Initial()
		var res sim.StepResult
		var acts []sim.Action
		for i := 0; st.End == sim.Running && i < 60; i++ {
			enc := c.Encode(nil, st, true)
			var d sim.State
			if err := m.Decode(enc, &d); err != nil {
				t.Fatalf("prog %d step %d: %v", pi, i, err)
			}
			if again := c.Encode(nil, &d, true); !bytes.Equal(again, enc) {
				t.Fatalf("prog %d step %d: canonical encoding not stable", pi, i)
			}
			if i == 0 && len(enc) >= len(m.Encode(nil, st)) {
				t.Errorf("canonical initial state %d bytes, plain %d", len(enc), len(m.Encode(nil, st)))
			}
			acts = acts[:0]
			for cpu := 0; cpu < 6; cpu++ {
				acts = m.Actions(st, cpu, acts)
			}
			if len(acts) == 0 {
				break
			}
			m.Step(st, acts[(i*5)%len(acts)], &res)
		}
	}
}

// Canon.EncodeStep, which describes and encodes only the CPUs a step
// touched (and a run of equal CPUs once), must give Canon.Encode's bytes and
// renaming on every successor:
// a breadth-first walk over canonical states of protocols whose CPUs refer
// to each other (hand-offs, stop_machine, masks of online CPUs).
func TestEncodeStep(t *testing.T) {
	progs := []*sim.Program{
		simtest.StopProtocol(simtest.StopOptions{ConfirmOff: true, AffinityBound: 2, OnlineBound: 2}),
		simtest.StopProtocol(simtest.StopOptions{OnlineBound: 3}),
		simtest.HotplugProtocol(),
	}
	const n = 5
	for pi, p := range progs {
		m, err := sim.NewMachine(p, sim.Config{CPUs: n, Merge: true, AtomicWaits: true})
		if err != nil {
			t.Fatal(err)
		}
		inc, full := m.NewCanon(), m.NewCanon()
		u := m.NewUndo()
		dec := m.NewDecoder()
		var cur sim.State
		twins, want := make([]bool, n), make([]bool, n)
		queue := [][]byte{full.Encode(nil, m.Initial(), true)}
		seen := map[string]bool{string(queue[0]): true}
		var res sim.StepResult
		var acts []sim.Action
		steps := 0
		for len(queue) > 0 && len(seen) < 3000 {
			enc := queue[0]
			queue = queue[1:]
			if err := dec.Decode(enc, &cur); err != nil {
				t.Fatal(err)
			}
			if cur.End != sim.Running {
				continue
			}
			// as the explorer does: runs of equal CPUs are known from the decoder
			inc.Prepare(&cur, twins, dec)
			full.Twins(&cur, want)
			if !slices.Equal(twins, want) {
				t.Fatalf("prog %d: Prepare's twins %v, Twins %v", pi, twins, want)
			}
			for c := 0; c < n; c++ {
				for _, a := range m.Actions(&cur, c, acts[:0]) {
					next := cur.Clone()
					m.Step(next, a, &res)
					w := full.Encode(nil, next, true)
					u.Begin(&cur)
					m.Step(&cur, a, &res)
					got := inc.EncodeStep(nil, &cur, u)
					u.Restore(&cur)
					steps++
					if !bytes.Equal(got, w) || !slices.Equal(inc.Perm(), full.Perm()) {
						t.Fatalf("prog %d, %v: EncodeStep gives %x (renaming %v), Encode %x (%v)", pi, a, got, inc.Perm(), w, full.Perm())
					}
					if !seen[string(w)] {
						seen[string(w)] = true
						queue = append(queue, w)
					}
				}
			}
		}
		t.Logf("prog %d: %d states, %d steps", pi, len(seen), steps)
		if steps < 100 {
			t.Errorf("prog %d: only %d steps compared", pi, steps)
		}
	}
}

// A Decoder that skips the CPUs whose bytes it decoded last time must give
// the state Decode gives, for plain and canonical encodings, when every
// state is decoded into the one State, steps are tried on it under an Undo
// in between, and a corrupt encoding comes along.
func TestDecoderReuse(t *testing.T) {
	const n = 5
	for pi, p := range []*sim.Program{simtest.StopProtocol(simtest.StopOptions{OnlineBound: 3}), simtest.HotplugProtocol()} {
		m, err := sim.NewMachine(p, sim.Config{CPUs: n, Merge: true, AtomicWaits: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, sym := range []bool{false, true} {
			c := m.NewCanon()
			dec := m.NewDecoder()
			u := m.NewUndo()
			var cur sim.State
			queue := [][]byte{c.Encode(nil, m.Initial(), sym)}
			seen := map[string]bool{string(queue[0]): true}
			var res sim.StepResult
			cpus := 0
			for k := 0; len(queue) > 0 && len(seen) < 2000; k++ {
				enc := queue[0]
				queue = queue[1:]
				if k%50 == 7 {
					if err := dec.Decode(enc[:len(enc)-1], &cur); err == nil {
						t.Fatalf("prog %d: truncated encoding accepted", pi)
					}
				}
				if err := dec.Decode(enc, &cur); err != nil {
					t.Fatal(err)
				}
				cpus += n
				var want sim.State
				if err := m.Decode(enc, &want); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(m.Encode(nil, &cur), m.Encode(nil, &want)) {
					t.Fatalf("prog %d sym %v: the Decoder's state differs from Decode's", pi, sym)
				}
				if sym {
					if segs := dec.Segs(); len(segs) != n+1 {
						t.Fatalf("segments %v", segs)
					}
				} else if !bytes.Equal(m.EncodeReuse(nil, &cur, enc, dec.Segs(), u), enc) {
					// no step recorded: every CPU is copied from its segment
					t.Fatalf("prog %d: the Decoder's segments do not delimit the CPUs", pi)
				}
				if cur.End != sim.Running {
					continue
				}
				for cpu := 0; cpu < n; cpu++ {
					for _, a := range m.Actions(&cur, cpu, nil) {
						u.Begin(&cur)
						m.Step(&cur, a, &res)
						next := c.Encode(nil, &cur, sym)
						u.Restore(&cur)
						if !seen[string(next)] {
							seen[string(next)] = true
							queue = append(queue, next)
						}
					}
				}
			}
			if dec.Decoded() >= cpus || len(seen) < 40 {
				t.Errorf("prog %d sym %v: %d of %d CPUs decoded over %d states: nothing skipped", pi, sym, dec.Decoded(), cpus, len(seen))
			}
			t.Logf("prog %d sym %v: %d states, %d of %d CPUs decoded", pi, sym, len(seen), dec.Decoded(), cpus)
		}
	}
}
