package compile

import "github.com/patchcheck/patchcheck/sim"

// pollKind is what an instruction is to a polling loop found on the
// control-flow graph.
type pollKind int

const (
	pollOK     pollKind = iota // computes in registers, reads or delays
	pollEffect                 // an effect: a store, an atomic, a call that does more than read
	pollReject                 // no loop with it is a wait (a nested wait, an indirect call, a return)
)

// pollingInstr classifies ins, and reports whether it reads shared state.
func (g *fn) pollingInstr(ins *sim.Instr) (reads bool, kind pollKind) {
	switch ins.Op {
	case sim.OpConst, sim.OpMov, sim.OpBin, sim.OpUn, sim.OpConv, sim.OpJump, sim.OpBranch, sim.OpNop:
		return false, pollOK
	case sim.OpLoadG, sim.OpLoadPCPU:
		return true, pollOK
	case sim.OpPrim:
		p := sim.Prim(ins.Sub)
		switch {
		case isDelayPrim(p):
			return false, pollOK
		case sim.Prims[p].ReadOnly && p != sim.PrimBug:
			return true, pollOK
		case p == sim.PrimBug || p == sim.PrimPanic || p == sim.PrimUnknownCall:
			return false, pollReject
		}
		return false, pollEffect
	case sim.OpCall:
		// a helper that only computes, reads and delays (inlined into
		// the condition block, which may not call, without its delays)
		if shared, ok := g.c.pollingHelper(int32(ins.Imm)); ok {
			return shared, pollOK
		}
		return false, pollEffect
	case sim.OpStoreG, sim.OpStorePCPU, sim.OpAtomic:
		return false, pollEffect
	}
	return false, pollReject
}

// effectTail returns the instructions of the loop in (header h) that are on
// the way out of the polling after something that is not: every
// instruction an effect (pollingInstr) leads to without passing h, and
// every instruction that leads only to those. In
//
//	v = READ;
//	while (1) {
//		if (v == want) {
//			if (!atomic_try_cmpxchg(p, &v, next))
//				continue;
//			return true;
//		}
//		... delay ...
//		v = READ;
//	}
//
// the tail is the cmpxchg, its test and the continue: the loop polls v and
// leaves the polling when it sees want; the tail then runs as written and
// its continue comes back to the wait. Nothing the polling iteration does
// is lost, since the tail is not part of the condition block: the edge
// into it is an exit of the wait, whose test must be one of state like any
// other (cfgWait). It returns nil when the loop has no effect.
func (g *fn) effectTail(h int32, in []bool, succ [][]int32) []bool {
	code := g.f.Code
	var tail []bool
	var stack []int32
	for pc := range in {
		if !in[pc] || int32(pc) == h {
			continue
		}
		if _, kind := g.pollingInstr(&code[pc]); kind == pollEffect {
			if tail == nil {
				tail = make([]bool, len(in))
			}
			tail[pc] = true
			stack = append(stack, int32(pc))
		}
	}
	if tail == nil {
		return nil
	}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, t := range succ[x] {
			if in[t] && t != h && !tail[t] {
				tail[t] = true
				stack = append(stack, t)
			}
		}
	}
	// What leads only into the tail (the effect's arguments) is the tail's.
	for changed := true; changed; {
		changed = false
		for pc := range in {
			if !in[pc] || tail[pc] || int32(pc) == h {
				continue
			}
			only, any := true, false
			for _, t := range succ[pc] {
				if in[t] {
					any = true
					only = only && tail[t]
				}
			}
			if any && only {
				tail[pc] = true
				changed = true
			}
		}
	}
	return tail
}

// clockLoops reports a read of the clock (jiffies, ktime_get()) on a cycle
// of the function's code that passes no wait. Such a loop runs as written;
// in the explorer, whose clock stands still, a timeout it polls the clock
// for never passes, and the runs in which it would are lost, which could
// turn a violation into a pass. Its function is not compiled (a tree's is
// bound instead).
func (g *fn) clockLoops() {
	code := g.f.Code
	n := int32(len(code))
	succ := make([][]int32, n)
	for pc := int32(0); pc < n; pc++ {
		succ[pc] = cfgSuccs(&code[pc], pc, n, g.c.prog.Waits)
	}
	reach := make([]bool, n)
	if n > 0 {
		reach[0] = true
		flood(reach, []int32{0}, succ)
	}
	var stack []int32
	for pc := int32(0); pc < n; pc++ {
		in := &code[pc]
		if !reach[pc] || in.Op != sim.OpPrim || (sim.Prim(in.Sub) != sim.PrimKtimeGet && sim.Prim(in.Sub) != sim.PrimJiffies) {
			continue
		}
		// back at pc without passing a wait's head?
		seen := make([]bool, n)
		stack = append(stack[:0], succ[pc]...)
		for len(stack) > 0 {
			x := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if seen[x] || code[x].Op == sim.OpWait {
				continue
			}
			if x == pc {
				loc := sim.Loc{File: "?", Func: g.name}
				if in.Loc >= 0 && int(in.Loc) < len(g.c.prog.Locs) {
					loc = g.c.prog.Locs[in.Loc]
				}
				g.c.diag("unsupported", g.name, loc, "%s() read in a loop that is not a polling wait: the explorer's clock stands still, so a timeout on it would never pass", sim.Prims[in.Sub].Name)
				return
			}
			seen[x] = true
			stack = append(stack, succ[x]...)
		}
	}
}
