package sim

import "slices"

// Spinning: a CPU whose invisible instructions bring the whole machine state
// back to a state it was in earlier in the same run is in an endless loop.
// Invisible instructions are deterministic and no other CPU acts while they
// run, so from the repeated state the same instructions repeat forever: the
// CPU will never take another visible action. The machine marks it
// FlagSpin; it has no ActRun any more, and when no CPU can act the
// engines end the run as a hang. With interrupts unmasked it still takes
// the IPIs sent to it: the handler runs, FlagSpin is cleared, and after
// the handler returns the loop goes on and is found again. This makes `do { } while (1);`, `for (;;)
// ;`, `again: goto again;` and every other form of a loop without effects
// the same hang, whatever the compiler recognised. A loop whose state never
// repeats (a counter that runs on) still ends at Config.MaxInvisible.

// spinFrom is the number of invisible instructions after which the run
// starts to look for a repeated state; ordinary steps run far fewer and pay
// nothing.
const spinFrom = 4096

// spinCheck finds a repeated state by Brent's method: it keeps the state at
// instruction counts spinFrom·2^k and compares each later state whose top
// frame is at the kept one's instruction with it, which finds any cycle
// whose length is at most the current gap.
type spinCheck struct {
	kept  State
	at    int  // instruction count of kept
	valid bool // kept holds a state
	fn    int32
	pc    int32
}

// repeats reports whether the state after n invisible instructions of CPU c
// equals the kept one, keeping a new state at the next power of two.
func (s *spinCheck) repeats(st *State, c int, n int) bool {
	fr := &st.CPUs[c].Frames[len(st.CPUs[c].Frames)-1]
	if s.valid && fr.Func == s.fn && fr.PC == s.pc && sameState(&s.kept, st) {
		return true
	}
	if !s.valid || n >= 2*s.at {
		s.kept.CopyFrom(st)
		s.at, s.valid, s.fn, s.pc = n, true, fr.Func, fr.PC
	}
	return false
}

// sameState reports whether a and b are the same machine state.
func sameState(a, b *State) bool {
	if a.End != b.End || a.EndCPU != b.EndCPU || a.Now != b.Now || a.SM != b.SM ||
		!slices.Equal(a.Globals, b.Globals) || !slices.Equal(a.PCPU, b.PCPU) || len(a.CPUs) != len(b.CPUs) {
		return false
	}
	for i := range a.CPUs {
		x, y := &a.CPUs[i], &b.CPUs[i]
		if x.Flags != y.Flags || x.PSCI != y.PSCI || x.Pending != y.Pending || x.Lose != y.Lose ||
			x.Stopper != y.Stopper || x.Handoff != y.Handoff || x.OnEntry != y.OnEntry ||
			!slices.Equal(x.Frames, y.Frames) || !slices.Equal(x.Regs, y.Regs) || !slices.Equal(x.Masks, y.Masks) {
			return false
		}
	}
	return true
}
