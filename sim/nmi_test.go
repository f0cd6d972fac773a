package sim_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/patchcheck/patchcheck/sim"
	"github.com/patchcheck/patchcheck/sim/internal/simtest"
)

func TestNMIsAtBoot(t *testing.T) {
	for _, tc := range []struct {
		name string
		prog *sim.Program
		pnmi bool
		want uint8
	}{
		{"pseudo-nmi", simtest.NMIStopProtocol(simtest.NMIStopOptions{}), true, 1 << simtest.IPICPUStopNMI612},
		{"pseudo-nmi-off", simtest.NMIStopProtocol(simtest.NMIStopOptions{}), false, 0},
		{"no-nmi-entry", simtest.StopProtocol(simtest.StopOptions{}), true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := sim.NewMachine(tc.prog, sim.Config{CPUs: 2, PseudoNMI: tc.pnmi})
			if err != nil {
				t.Fatal(err)
			}
			if got := m.NMIs(); got != tc.want {
				t.Errorf("NMIs() = %#x, want %#x", got, tc.want)
			}
		})
	}
}

// An NMI entry that never returns is an error at construction, naming it.
func TestNMIEntryMustReturn(t *testing.T) {
	prog := simtest.NMIStopProtocol(simtest.NMIStopOptions{})
	prog.Entry.NMI = int32(prog.FuncIndex("do_handle_IPI")) + 1 // parks on a stop IPI
	_, err := sim.NewMachine(prog, sim.Config{CPUs: 2, PseudoNMI: true})
	if err == nil || !strings.Contains(err.Error(), "do_handle_IPI(2)") {
		t.Fatalf("err = %v, want one naming do_handle_IPI(2)", err)
	}
	prog.Entry.NMI = int32(prog.FuncIndex("smp_send_stop")) + 1 // no parameter
	if _, err := sim.NewMachine(prog, sim.Config{CPUs: 2, PseudoNMI: true}); err == nil || !strings.Contains(err.Error(), "want 1") {
		t.Fatalf("err = %v, want a parameter count error", err)
	}
}

// stepUntil steps cpu c by its first action until pred holds.
func stepUntil(t *testing.T, m *sim.Machine, st *sim.State, c int, kind sim.ActionKind, pred func() bool) {
	t.Helper()
	var res sim.StepResult
	for n := 0; !pred(); n++ {
		acts := m.Actions(st, c, nil)
		i := slices.IndexFunc(acts, func(a sim.Action) bool { return a.Kind == kind })
		if n > 100 || i < 0 {
			t.Fatalf("cpu%d has no %v action (%v) before the condition holds", c, kind, acts)
		}
		m.Step(st, acts[i], &res)
	}
}

func hasIRQ(m *sim.Machine, st *sim.State, c int, ipi int32) bool {
	return slices.Contains(m.Actions(st, c, nil), sim.Action{CPU: int32(c), Kind: sim.ActIRQ, Arg: ipi})
}

// TestNMIDelivery follows one run step by step: which CPU may take which
// IPI while masked by local_irq_disable(), by local_daif_mask(), stuck, or
// inside an ordinary IPI's handler.
func TestNMIDelivery(t *testing.T) {
	const stop, stopNMI = simtest.IPICPUStop612, simtest.IPICPUStopNMI612
	for _, tc := range []struct {
		name   string
		o      simtest.NMIStopOptions
		pnmi   bool
		faults []sim.Fault
		// takes: whether CPU 1 can take IPI_CPU_STOP once sent, and
		// IPI_CPU_STOP_NMI once the boot CPU retried
		takesStop, retried, takesNMI bool
	}{
		{"stuck, pseudo-NMI", simtest.NMIStopOptions{}, true, []sim.Fault{{Kind: sim.FaultStuckMasked, CPU: 1}}, false, true, true},
		{"stuck, no pseudo-NMI", simtest.NMIStopOptions{}, false, []sim.Fault{{Kind: sim.FaultStuckMasked, CPU: 1}}, false, false, false},
		{"irq-disabled idle, pseudo-NMI", simtest.NMIStopOptions{IdleMask: "irq"}, true, nil, false, true, true},
		{"daif-masked idle, pseudo-NMI", simtest.NMIStopOptions{IdleMask: "daif"}, true, nil, false, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := sim.NewMachine(simtest.NMIStopProtocol(tc.o), sim.Config{CPUs: 2, AtomicWaits: true, PseudoNMI: tc.pnmi, Faults: tc.faults})
			if err != nil {
				t.Fatal(err)
			}
			st := m.Initial()
			if tc.o.IdleMask != "" {
				// CPU 1 masks and enters wfi
				stepUntil(t, m, st, 1, sim.ActRun, func() bool { return st.CPUs[1].Flags&sim.FlagMasked != 0 })
			}
			stepUntil(t, m, st, 0, sim.ActRun, func() bool { return st.CPUs[1].Pending != 0 })
			if got := hasIRQ(m, st, 1, stop); got != tc.takesStop {
				t.Fatalf("CPU 1 can take IPI_CPU_STOP: %v, want %v", got, tc.takesStop)
			}
			stepUntil(t, m, st, 0, sim.ActExpire, func() bool { return m.PoisedWait(st, 0) < 0 })
			stepUntil(t, m, st, 0, sim.ActRun, func() bool {
				return st.CPUs[1].Pending&(1<<stopNMI) != 0 || st.End != sim.Running || m.PoisedWait(st, 0) >= 0
			})
			if got := st.CPUs[1].Pending&(1<<stopNMI) != 0; got != tc.retried {
				t.Fatalf("IPI_CPU_STOP_NMI sent: %v, want %v", got, tc.retried)
			}
			if !tc.retried {
				return
			}
			if got := hasIRQ(m, st, 1, stopNMI); got != tc.takesNMI {
				t.Fatalf("CPU 1 can take IPI_CPU_STOP_NMI: %v, want %v (actions %v)", got, tc.takesNMI, m.Actions(st, 1, nil))
			}
			if !tc.takesNMI {
				return
			}
			var res sim.StepResult
			m.Step(st, sim.Action{CPU: 1, Kind: sim.ActIRQ, Arg: stopNMI}, &res)
			if st.CPUs[1].Flags&(sim.FlagInNMI|sim.FlagDAIF) != sim.FlagInNMI|sim.FlagDAIF {
				t.Fatalf("in the NMI handler: flags %#x", st.CPUs[1].Flags)
			}
			stepUntil(t, m, st, 1, sim.ActRun, func() bool { return m.ExecOf(&st.CPUs[1]) == sim.ExecParked })
			if st.CPUs[1].Flags&sim.FlagOnline != 0 {
				t.Error("CPU 1 parked in the NMI but still online")
			}
			if b := m.Blocked(st, 1); b != sim.BlockParked {
				t.Errorf("CPU 1 blocked %v, want parked", b)
			}
		})
	}
}

// An NMI nests inside an ordinary IPI's handler (which runs with only the
// priority mask set) and its return restores that handler's mask.
func TestNMINestsInIRQ(t *testing.T) {
	m, err := sim.NewMachine(simtest.NMIStopProtocol(simtest.NMIStopOptions{}), sim.Config{CPUs: 2, AtomicWaits: true, PseudoNMI: true})
	if err != nil {
		t.Fatal(err)
	}
	st := m.Initial()
	stepUntil(t, m, st, 0, sim.ActRun, func() bool { return st.CPUs[1].Pending != 0 })
	var res sim.StepResult
	m.Step(st, sim.Action{CPU: 1, Kind: sim.ActIRQ, Arg: simtest.IPICPUStop612}, &res)
	stepUntil(t, m, st, 0, sim.ActExpire, func() bool { return m.PoisedWait(st, 0) < 0 })
	stepUntil(t, m, st, 0, sim.ActRun, func() bool { return st.CPUs[1].Pending != 0 })
	if !hasIRQ(m, st, 1, simtest.IPICPUStopNMI612) {
		t.Fatalf("the NMI does not nest in the stop IPI's handler: %v", m.Actions(st, 1, nil))
	}
	m.Step(st, sim.Action{CPU: 1, Kind: sim.ActIRQ, Arg: simtest.IPICPUStopNMI612}, &res)
	if n := len(st.CPUs[1].Frames); n != 3 {
		t.Fatalf("%d frames, want idle loop, IRQ and NMI", n)
	}
}
