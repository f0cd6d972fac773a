package sim_test

import (
	"testing"

	"github.com/patchcheck/patchcheck/sim"
	"github.com/patchcheck/patchcheck/sim/internal/simtest"
)

// machineRun builds a program from boot and secondary bodies, runs it with
// the given CPU priority order and returns the final state.
func machineRun(t *testing.T, cpus int, faults []sim.Fault, order []int, build func(p *simtest.Program, boot, sec *simtest.Func)) (*sim.Machine, *sim.State, []sim.Event) {
	t.Helper()
	p := simtest.New("t.c")
	boot := p.Func("boot")
	sec := p.Func("secondary")
	build(p, boot, sec)
	if p.P.FuncIndex("irq") < 0 {
		p.Func("irq", "n").Ret("")
	}
	m, err := sim.NewMachine(p.MustBuild("boot", "secondary", "irq"), sim.Config{CPUs: cpus, Faults: faults, Merge: true, AtomicWaits: true})
	if err != nil {
		t.Fatal(err)
	}
	st := m.Initial()
	evs := runFirst(t, m, st, order)
	return m, st, evs
}

func idleForever(f *simtest.Func) {
	f.Label("idle")
	f.Prim("", sim.PrimIdleWait, -1)
	f.Jump("idle")
}

func globals(m *sim.Machine, st *sim.State, names ...string) []int64 {
	var out []int64
	for _, n := range names {
		v, _ := sim.View{M: m, S: st}.Global(n)
		out = append(out, int64(v))
	}
	return out
}

func TestPSCI(t *testing.T) {
	// cpu1 powers itself off; the boot CPU polls AFFINITY_INFO until OFF,
	// then CPU_ON twice (0, then ON_PENDING), waits for cpu1 to run its entry,
	// and tries CPU_ON again (ALREADY_ON).
	m, st, _ := machineRun(t, 2, nil, []int{0, 1}, func(p *simtest.Program, b, s *simtest.Func) {
		g1 := p.Global("on1", sim.Long, 99, false)
		g2 := p.Global("on2", sim.Long, 99, false)
		g3 := p.Global("on3", sim.Long, 99, false)
		aff := p.Global("aff", sim.Long, 99, false)
		up := p.Global("up", sim.Int, 0, false)
		b.Const("cpu1", 1, sim.Uint)
		b.Const("lvl", 0, sim.Uint)
		b.Wait("cpu1 off", 0, func() string {
			b.Prim("a", sim.PrimPSCIAffinityInfo, -1, "cpu1", "lvl")
			b.Const("off", sim.AffinityOff, sim.Long)
			b.Bin("ne", sim.Ne, "a", "off", sim.Long)
			return "ne"
		}, "isoff", "isoff")
		b.Label("isoff")
		b.FuncRef("entry", "started")
		b.Prim("r1", sim.PrimPSCICPUOn, -1, "cpu1", "entry")
		b.StoreG(g1, "r1")
		b.Prim("r2", sim.PrimPSCICPUOn, -1, "cpu1", "entry")
		b.StoreG(g2, "r2")
		b.Wait("cpu1 up", 0, func() string {
			b.LoadG("u", up)
			b.Const("z", 0, sim.Int)
			b.Bin("notup", sim.Eq, "u", "z", sim.Int)
			return "notup"
		}, "isup", "isup")
		b.Label("isup")
		b.Prim("a2", sim.PrimPSCIAffinityInfo, -1, "cpu1", "lvl")
		b.StoreG(aff, "a2")
		b.Prim("r3", sim.PrimPSCICPUOn, -1, "cpu1", "entry")
		b.StoreG(g3, "r3")
		b.Ret("")
		s.Const("st", 0, sim.Uint)
		s.Prim("", sim.PrimPSCICPUOff, -1, "st")
		s.Prim("", sim.PrimBug, -1)
		s.Ret("")
		e := p.Func("started")
		e.Const("one", 1, sim.Int)
		e.StoreG(up, "one")
		idleForever(e)
	})
	if st.End != sim.Returned {
		t.Fatalf("end %v", st.End)
	}
	got := globals(m, st, "on1", "on2", "aff", "on3")
	want := []int64{0, sim.PSCIOnPending, sim.AffinityOn, sim.PSCIAlreadyOn}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("globals on1 on2 aff on3 = %v, want %v", got, want)
			break
		}
	}
}

func TestStopMachineAndHandoff(t *testing.T) {
	// stop_machine targeting an offline CPU returns 0 without running fn;
	// targeting cpu1 runs fn there in stopper context; a hand-off to self
	// completes at once.
	m, st, evs := machineRun(t, 3, nil, []int{0, 1, 2}, func(p *simtest.Program, b, s *simtest.Func) {
		ran := p.Global("ran_on", sim.Long, 99, true)
		res := p.Global("res", sim.Long, 0, false)
		ctx := p.Global("in_irq", sim.Long, 99, false)
		b.Prim("cpu_self", sim.PrimSelf, -1)
		b.Prim("", sim.PrimSchedHandoff, -1, "cpu_self")
		b.Const("cpu2", 2, sim.Uint)
		b.Const("z", 0, sim.Bool)
		b.Prim("", sim.PrimSetOnline, -1, "cpu2", "z")
		b.FuncRef("fn", "fn")
		b.Const("arg", 7, sim.Ulong)
		b.Prim("r0", sim.PrimStopMachine, -1, "fn", "arg", "cpu2")
		b.StoreG(res, "r0")
		b.Const("cpu1", 1, sim.Uint)
		b.Prim("r1", sim.PrimStopMachine, -1, "fn", "arg", "cpu1")
		b.StoreG(res, "r1")
		b.Ret("")
		idleForever(s)
		f := p.Func("fn", "arg")
		f.Prim("cpu", sim.PrimSelf, -1)
		f.StoreG(ran, "cpu")
		f.Prim("i", sim.PrimInInterrupt, -1)
		f.StoreG(ctx, "i")
		f.Ret("arg")
	})
	if st.End != sim.Returned {
		t.Fatalf("end %v: %s", st.End, kinds(evs))
	}
	if got := globals(m, st, "ran_on", "res", "in_irq"); got[0] != 1 || got[1] != 7 || got[2] != 0 {
		t.Fatalf("ran_on res in_irq = %v (%s)", got, kinds(evs))
	}
	n := 0
	for _, e := range evs {
		if e.Kind == sim.EvStopperEntered {
			n++
		}
	}
	if n != 2 { // boot and cpu1; cpu2 is offline
		t.Errorf("%d CPUs entered their stopper, want 2: %s", n, kinds(evs))
	}
}

func TestBlockingAndLoss(t *testing.T) {
	tests := []struct {
		name   string
		faults []sim.Fault
		build  func(p *simtest.Program, b, s *simtest.Func)
		end    sim.Outcome
		order  []int
	}{
		{"rcu stalls on an online CPU parked with interrupts masked", nil, func(p *simtest.Program, b, s *simtest.Func) {
			b.Prim("", sim.PrimSynchronizeRCU, -1)
			b.Ret("")
			s.Prim("", sim.PrimIRQMask, -1)
			s.Prim("", sim.PrimParkLoop, -1)
			s.Ret("")
		}, sim.Hung, []int{1, 0}},
		{"rcu completes with idle CPUs", nil, func(p *simtest.Program, b, s *simtest.Func) {
			b.Prim("", sim.PrimSynchronizeRCU, -1)
			b.Ret("")
			idleForever(s)
		}, sim.Returned, nil},
		{"stop_machine waits for a masked section to end", []sim.Fault{{Kind: sim.FaultIRQsMasked, CPU: 1}}, func(p *simtest.Program, b, s *simtest.Func) {
			b.FuncRef("fn", "fn")
			b.Const("arg", 0, sim.Ulong)
			b.Prim("cpu", sim.PrimSelf, -1)
			b.Prim("", sim.PrimStopMachine, -1, "fn", "arg", "cpu")
			b.Ret("")
			idleForever(s)
			f := p.Func("fn", "a")
			f.Ret("a")
		}, sim.Returned, nil},
		{"only the named IPI is lost", []sim.Fault{{Kind: sim.FaultLostIPI, CPU: 1, IPI: sim.IPICPUStop}}, func(p *simtest.Program, b, s *simtest.Func) {
			got := p.Global("got", sim.Int, 0, false)
			b.Const("cpu1", 1, sim.Uint)
			b.Const("stop", sim.IPICPUStop, sim.Int)
			b.Prim("", sim.PrimSendIPI, -1, "cpu1", "stop")
			b.Const("resched", sim.IPIReschedule, sim.Int)
			b.Prim("", sim.PrimSendIPI, -1, "cpu1", "resched")
			b.Wait("ipi", 0, func() string {
				b.LoadG("g", got)
				b.Const("want", 1, sim.Int)
				b.Bin("c", sim.Ne, "g", "want", sim.Int)
				return "c"
			}, "done", "done")
			b.Label("done")
			b.Ret("")
			idleForever(s)
			h := p.Func("irq", "n")
			h.Const("one", 1, sim.Int)
			h.Bin("v", sim.Add, "n", "one", sim.Int)
			h.StoreG(got, "v") // got = ipinr+1: 1 only for IPI_RESCHEDULE (0)
			h.Ret("")
		}, sim.Returned, nil},
		{"idle_task_exit in an offline idle task", nil, func(p *simtest.Program, b, s *simtest.Func) {
			b.Const("cpu1", 1, sim.Uint)
			b.Const("z", 0, sim.Bool)
			b.Prim("", sim.PrimSetOnline, -1, "cpu1", "z")
			b.Const("ipi", sim.IPIWakeup, sim.Int)
			b.Prim("", sim.PrimSendIPI, -1, "cpu1", "ipi")
			b.Label("spin")
			b.Prim("", sim.PrimIdleWait, -1)
			b.Jump("spin")
			s.Prim("", sim.PrimIdleWait, -1)
			s.Prim("", sim.PrimIdleTaskExit, -1)
			s.Prim("", sim.PrimPSCISystemReset, -1)
			s.Ret("")
		}, sim.Reset, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			order := tt.order
			if order == nil {
				order = []int{0, 1}
			}
			_, st, evs := machineRun(t, 2, tt.faults, order, tt.build)
			if st.End != tt.end {
				t.Fatalf("end %v, want %v: %s", st.End, tt.end, kinds(evs))
			}
		})
	}
}

func TestCPUMasks(t *testing.T) {
	m, st, _ := machineRun(t, 5, nil, []int{0}, func(p *simtest.Program, b, s *simtest.Func) {
		w := p.Global("weight", sim.Long, 0, false)
		n1 := p.Global("next_online", sim.Long, 0, false)
		n2 := p.Global("next_after_last", sim.Long, 0, false)
		mk := b.Mask()
		b.Prim("", sim.PrimMaskCopyOnline, mk)
		b.Const("cpu3", 3, sim.Uint)
		b.Prim("", sim.PrimMaskClear, mk, "cpu3")
		b.Prim("wt", sim.PrimMaskWeight, mk)
		b.StoreG(w, "wt")
		b.Const("z", 0, sim.Bool)
		b.Const("cpu1", 1, sim.Uint)
		b.Prim("", sim.PrimSetOnline, -1, "cpu1", "z")
		b.Const("cpu0", 0, sim.Uint)
		b.Prim("nx", sim.PrimNextOnline, -1, "cpu0")
		b.StoreG(n1, "nx")
		b.Const("cpu4", 4, sim.Uint)
		b.Prim("nl", sim.PrimNextOnline, -1, "cpu4")
		b.StoreG(n2, "nl")
		b.Ret("")
		idleForever(s)
	})
	if got := globals(m, st, "weight", "next_online", "next_after_last"); got[0] != 4 || got[1] != 2 || got[2] != 5 {
		t.Fatalf("weight next next-after-last = %v, want [4 2 5]", got)
	}
}
