package timed

import (
	"math"
	"testing"

	"github.com/patchcheck/patchcheck/sim"
	"github.com/patchcheck/patchcheck/sim/profile"
)

// twoReadStopProgram is ipiStopProgram whose wait reads two things per
// iteration: while (num_online_cpus() > 1 && cpu_online(1) && timeout--)
// udelay(1).
func twoReadStopProgram() *sim.Program {
	a := newAsm()
	common(a)
	a.fn("machine_shutdown", 0, 10, 1).
		primM(sim.PrimMaskCopyOnline, 0, -1).
		prim(sim.PrimSelf, 0).
		primM(sim.PrimMaskClear, 0, -1, 0).
		konst(1, sim.IPICPUStop).
		primM(sim.PrimCrossCall, 0, -1, 1).
		konst(2, 1_000_000).
		label("head").
		wait("other CPUs offline", "cond", "condend", 5, "exit", "expired").
		label("cond").
		prim(sim.PrimNumOnline, 3).
		konst(4, 1).
		bin(sim.Gt, 5, 3, 4, sim.Uint).
		prim(sim.PrimCPUOnline, 8, 4).
		bin(sim.And, 5, 5, 8, sim.Uint).
		label("condend").
		br(5, "body", "exit").
		label("body").
		emit(sim.Instr{Op: sim.OpMov, A: 6, B: 2}).
		konst(7, 1).
		bin(sim.Sub, 2, 2, 7, sim.Ulong).
		br(6, "delay", "exit").
		label("delay").
		prim(sim.PrimUdelay, -1, 7).
		jmp("head").
		label("expired").
		konst(2, -1).
		jmp("exit").
		label("exit").
		ret(-1)
	return a.build("kernel_kexec", "secondary_idle", "handle_ipi")
}

// pollEachProgram polls the firmware state of CPU 1 once per pass of an
// enclosing loop of 3,000 passes that only register code advances:
//
//	for (i = 0; i < 3000; i++) {
//		timeout = 1000;
//		while (psci_affinity_info(1, 0) == OFF && timeout--)
//			udelay(1);
//	}
//
// CPU 1 is ON, so every wait is satisfied at its first read: each pass
// visits the wait's head once, with nothing but i changed, which looks like
// an iteration of the wait to a rule that only compares registers.
func pollEachProgram() *sim.Program {
	a := newAsm()
	common(a)
	a.fn("machine_shutdown", 0, 12, 0).
		konst(0, 0).
		konst(9, 3000).
		label("outer").
		bin(sim.Lt, 10, 0, 9, sim.Long).
		br(10, "init", "done").
		label("init").
		konst(2, 1000).
		label("head").
		wait("CPU 1 not OFF", "cond", "condend", 5, "next", "expired").
		label("cond").
		konst(4, 1).
		konst(11, 0).
		prim(sim.PrimPSCIAffinityInfo, 3, 4, 11).
		bin(sim.Eq, 5, 3, 4, sim.Long).
		label("condend").
		br(5, "body", "next").
		label("body").
		emit(sim.Instr{Op: sim.OpMov, A: 6, B: 2}).
		konst(7, 1).
		bin(sim.Sub, 2, 2, 7, sim.Ulong).
		br(6, "delay", "next").
		label("delay").
		prim(sim.PrimUdelay, -1, 7).
		jmp("head").
		label("expired").
		konst(2, -1).
		jmp("next").
		label("next").
		konst(7, 1).
		bin(sim.Add, 0, 0, 7, sim.Long).
		jmp("outer").
		label("done").
		ret(-1)
	return a.build("kernel_kexec", "secondary_idle", "handle_ipi")
}

// runBoth runs prog once fast-forwarded and once as written.
func runBoth(t *testing.T, prog *sim.Program, cfg sim.Config) (fast, slow *Run) {
	t.Helper()
	e, err := New(prog, cfg)
	if err != nil {
		t.Fatal(err)
	}
	fast, err = e.RunOne(profile.Default(), 7, 0, []string{"machine_shutdown"}, Budget{}, false)
	if err != nil {
		t.Fatal(err)
	}
	e.noSkip = true
	slow, err = e.RunOne(profile.Default(), 7, 0, []string{"machine_shutdown"}, Budget{MaxSteps: 10_000_000}, false)
	if err != nil {
		t.Fatal(err)
	}
	return fast, slow
}

// A condition of two reads is fast-forwarded like one of one read: the
// second read is a step of the same iteration, not a new loop.
func TestFastForwardTwoReads(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three million steps")
	}
	cfg := sim.Config{CPUs: 3, Faults: []sim.Fault{{Kind: sim.FaultLostIPI, CPU: 1, IPI: sim.IPICPUStop}}}
	fast, slow := runBoth(t, twoReadStopProgram(), cfg)
	df := fast.Return["machine_shutdown"] - fast.Enter["machine_shutdown"]
	ds := slow.Return["machine_shutdown"] - slow.Enter["machine_shutdown"]
	t.Logf("fast-forwarded: %.6f s in %d steps (%d skipped); as written: %.6f s in %d steps", df, fast.Steps, fast.Skipped, ds, slow.Steps)
	if fast.Outcome != "relocated" || slow.Outcome != "relocated" {
		t.Fatalf("outcomes %s (%s), %s (%s)", fast.Outcome, fast.Message, slow.Outcome, slow.Message)
	}
	if fast.Skipped < 900_000 || fast.Steps > 10_000 {
		t.Errorf("skipped %d iterations in %d steps: the two-read wait was not fast-forwarded", fast.Skipped, fast.Steps)
	}
	if math.Abs(df-ds) > 1e-3*ds || df < 1.0 {
		t.Errorf("fast-forwarded %.6f s, as written %.6f s", df, ds)
	}
}

// Passes of an enclosing loop are never skipped: its index must take every
// value, so the fast-forwarded run is the run as written.
func TestFastForwardNotAcrossOuterLoop(t *testing.T) {
	fast, slow := runBoth(t, pollEachProgram(), sim.Config{CPUs: 2})
	if fast.Skipped != 0 {
		t.Errorf("skipped %d iterations of a wait that never iterates", fast.Skipped)
	}
	if fast.Steps != slow.Steps || fast.Outcome != slow.Outcome ||
		fast.Return["machine_shutdown"] != slow.Return["machine_shutdown"] {
		t.Errorf("fast-forwarded run differs: %d steps, %s, %v; as written %d steps, %s, %v", fast.Steps, fast.Outcome,
			fast.Return["machine_shutdown"], slow.Steps, slow.Outcome, slow.Return["machine_shutdown"])
	}
}

// offThenPollProgram stops CPU 1 and then, twice, waits up to a second
// for AFFINITY_INFO to report it OFF:
//
//	for (i = 0; i < 2; i++) {
//		timeout = 1000000;
//		while (psci_affinity_info(1, 0) != OFF && timeout--)
//			udelay(1);
//	}
//
// The first wait polls while CPU 1 is inside CPU_OFF; the firmware's OFF
// lands between two of its iterations. From there one more iteration
// leaves the wait, and the enclosing loop brings the CPU back to the same
// head: that is not an iteration of the wait.
func offThenPollProgram() *sim.Program {
	a := newAsm()
	common(a)
	a.fn("machine_shutdown", 0, 14, 1).
		primM(sim.PrimMaskCopyOnline, 0, -1).
		prim(sim.PrimSelf, 0).
		primM(sim.PrimMaskClear, 0, -1, 0).
		konst(1, sim.IPICPUStop).
		primM(sim.PrimCrossCall, 0, -1, 1).
		konst(0, 0).
		konst(9, 2).
		label("outer").
		bin(sim.Lt, 10, 0, 9, sim.Long).
		br(10, "init", "done").
		label("init").
		konst(2, 1_000_000).
		label("head").
		wait("CPU 1 OFF", "cond", "condend", 5, "next", "expired").
		label("cond").
		konst(4, 1).
		konst(11, 0).
		prim(sim.PrimPSCIAffinityInfo, 3, 4, 11).
		konst(12, sim.AffinityOff).
		bin(sim.Ne, 5, 3, 12, sim.Long).
		label("condend").
		br(5, "body", "next").
		label("body").
		emit(sim.Instr{Op: sim.OpMov, A: 6, B: 2}).
		konst(7, 1).
		bin(sim.Sub, 2, 2, 7, sim.Ulong).
		br(6, "delay", "next").
		label("delay").
		prim(sim.PrimUdelay, -1, 7).
		jmp("head").
		label("expired").
		konst(2, -1).
		jmp("next").
		label("next").
		konst(7, 1).
		bin(sim.Add, 0, 0, 7, sim.Long).
		jmp("outer").
		label("done").
		ret(-1)
	return a.build("kernel_kexec", "secondary_idle", "handle_ipi")
}

// A wait whose state changed just before the jump is not skipped by way of
// an enclosing loop: the run ends when CPU 1 is OFF, as written.
func TestFastForwardStateChangedBeforeJump(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		e, err := New(offThenPollProgram(), sim.Config{CPUs: 2})
		if err != nil {
			t.Fatal(err)
		}
		fast, err := e.RunOne(profile.Default(), seed, 0, []string{"machine_shutdown"}, Budget{}, false)
		if err != nil {
			t.Fatal(err)
		}
		e.noSkip = true
		slow, err := e.RunOne(profile.Default(), seed, 0, []string{"machine_shutdown"}, Budget{MaxSteps: 10_000_000}, false)
		if err != nil {
			t.Fatal(err)
		}
		df := fast.Return["machine_shutdown"] - fast.Enter["machine_shutdown"]
		ds := slow.Return["machine_shutdown"] - slow.Enter["machine_shutdown"]
		// skipped iterations cost their mean, so the exit may land up to
		// about an iteration (a few microseconds) from where it does as
		// written; the defect this guards against costs the whole second
		if fast.Outcome != "relocated" || math.Abs(df-ds) > 1e-3*ds+20e-6 || df > 0.1 {
			t.Errorf("seed %d: fast-forwarded %s %.6f s (%d skipped), as written %s %.6f s", seed, fast.Outcome, df, fast.Skipped, slow.Outcome, ds)
		}
	}
}
