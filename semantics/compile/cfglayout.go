package compile

import (
	"github.com/patchcheck/patchcheck/sim"
)

// The layout of a polling loop found on the control-flow graph (cfgwait.go):
// the loop rebuilt as a sim.Wait, and the helpers it inlines.

func (g *fn) locText(loc int32) string {
	if loc >= 0 && int(loc) < len(g.c.prog.Locs) {
		return g.c.prog.Locs[loc].Text
	}
	return ""
}

// cfgLayout is a polling loop found on the control-flow graph, to be laid
// out as a sim.Wait.
type cfgLayout struct {
	h     int32
	in    []bool // the loop's instructions
	exits []cfgExit
	// fix sets a counter bound's counter to its value in the iteration
	// whose bound test fires (nil for a deadline or no bound).
	fix     func()
	bounded bool
	// deadline is the index in exits of a clock bound's exit (jiffies or
	// ktime_get()), or -1.
	deadline int
	// rotated: an exit tests, at the top of the loop, what the previous
	// iteration read; the condition block then runs two iterations.
	rotated         bool
	name, boundText string
}

// rebuildWait lays the loop out as a sim.Wait (see the comment in
// cfgwait.go).
//
// A rotated loop's condition block is two iterations: the first tests what
// the last iteration read (stale by the time the wait is evaluated again)
// and reads afresh, the second tests that. Both run at one instant of the
// explorer, on one snapshot of the state, so a third would see nothing new.
//
// A clock bound cannot run out in the condition block, where the
// explorer's clock stands still: after an expiry (EXP) a register, forced,
// makes the bound's exit test fire in the iteration run for real, so that
// the loop leaves through it with every register as that iteration leaves
// it; leaving the wait (SAT) clears it.
func (g *fn) rebuildWait(lay cfgLayout) {
	h, in, exits := lay.h, lay.in, lay.exits
	code := g.f.Code
	savedLoc := g.loc
	defer func() { g.loc = savedLoc }()
	hIns := code[h]
	g.loc = hIns.Loc
	var pcs []int32 // the loop's instructions in code order, h first
	for pc := range in {
		if in[pc] {
			pcs = append(pcs, int32(pc))
		}
	}
	w := g.emit(sim.Instr{Op: sim.OpWait, Imm: int64(len(g.c.prog.Waits))})
	// The loop as written, from W+1: back edges go to W, exits where they
	// went.
	written, jumps := g.copyLoop(code, pcs, nil)
	for _, j := range jumps {
		g.retarget(j.at, func(to int32) int32 {
			switch {
			case to == h:
				return w
			case in[to]:
				return written[to]
			}
			return to
		})
	}
	// CS: one iteration (two, rotated) without its delays. Its back edge
	// and exits go to stubs that set CondReg (and the exit's index) and go
	// to CE.
	condReg, exitReg := g.newReg(), g.newReg()
	forced := int32(-1)
	var forcedAt []int32 // the forcing branches, one per copy
	if lay.deadline >= 0 {
		forced = g.newReg()
	}
	cs := g.pc()
	copies := 1
	if lay.rotated {
		copies = 2
	}
	conds := make([]map[int32]int32, copies)
	condJumps := make([][]loopJump, copies)
	for k := range copies {
		conds[k], condJumps[k] = g.copyLoop(code, pcs, func(pc int32, ins *sim.Instr) bool {
			if ins.Op == sim.OpCall {
				g.inlineHelper(*ins)
				return true
			}
			if ins.Op == sim.OpPrim && isDelayPrim(sim.Prim(ins.Sub)) {
				g.emit(sim.Instr{Op: sim.OpNop, Loc: ins.Loc})
				return true
			}
			if forced >= 0 && pc == exits[lay.deadline].from {
				// after an expiry, the bound's test fires: on to the
				// copy of the test otherwise
				forcedAt = append(forcedAt, g.emit(sim.Instr{Op: sim.OpBranch, A: forced, Target2: g.pc() + 1, Loc: ins.Loc}))
			}
			return false
		})
	}
	exitIdx := map[[2]int32]int{}
	for i, e := range exits {
		exitIdx[[2]int32{e.from, e.to}] = i
	}
	var toCE []int32
	exitStub := func(i int) int32 {
		stub := g.pc()
		g.emit(sim.Instr{Op: sim.OpConst, A: condReg, Type: sim.Int, Imm: 0})
		g.emit(sim.Instr{Op: sim.OpConst, A: exitReg, Type: sim.Int, Imm: int64(i)})
		toCE = append(toCE, g.emit(sim.Instr{Op: sim.OpJump}))
		return stub
	}
	for k := range copies {
		for _, j := range condJumps[k] {
			g.retarget(j.at, func(to int32) int32 {
				switch {
				case to != h && in[to]:
					return conds[k][to]
				case to == h && k+1 < copies:
					return conds[k+1][h]
				case to == h:
					stub := g.pc()
					g.emit(sim.Instr{Op: sim.OpConst, A: condReg, Type: sim.Int, Imm: 1})
					toCE = append(toCE, g.emit(sim.Instr{Op: sim.OpJump}))
					return stub
				}
				return exitStub(exitIdx[[2]int32{j.from, to}])
			})
		}
	}
	for _, at := range forcedAt {
		stub := exitStub(lay.deadline)
		g.f.Code[at].Target = stub
	}
	// CE: reached only after an expiry's real iteration: wait again if it
	// did not leave.
	ce := g.pc()
	for _, j := range toCE {
		g.f.Code[j].Target = ce
	}
	brCE := g.emit(sim.Instr{Op: sim.OpBranch, A: condReg, Target: w})
	// SAT: on to the exit the iteration took.
	sat := g.pc()
	g.f.Code[brCE].Target2 = sat
	if forced >= 0 {
		g.emit(sim.Instr{Op: sim.OpConst, A: forced, Type: sim.Int, Imm: 0})
	}
	for i, e := range exits {
		k, t := g.newReg(), g.newReg()
		g.emit(sim.Instr{Op: sim.OpConst, A: k, Type: sim.Int, Imm: int64(i)})
		g.emit(sim.Instr{Op: sim.OpBin, Sub: uint8(sim.Eq), A: t, B: exitReg, C: k, Type: sim.Int})
		g.emit(sim.Instr{Op: sim.OpBranch, A: t, Target: e.to, Target2: g.pc() + 1})
	}
	g.emit(sim.Instr{Op: sim.OpJump, Target: w})
	wt := sim.Wait{Loc: hIns.Loc, CondStart: cs, CondEnd: ce, CondReg: condReg, Satisfied: sat, Expired: -1,
		Name: lay.name, Bound: lay.boundText}
	if lay.bounded {
		// EXP: the counter at its last value (or, for a clock bound, its
		// test made to fire), then that iteration for real.
		wt.Expired = g.pc()
		if lay.fix != nil {
			lay.fix()
		}
		if forced >= 0 {
			g.emit(sim.Instr{Op: sim.OpConst, A: forced, Type: sim.Int, Imm: 1})
		}
		g.emit(sim.Instr{Op: sim.OpJump, Target: cs})
	}
	// H: the loop is entered through W.
	g.f.Code[h] = sim.Instr{Op: sim.OpJump, Target: w, Loc: hIns.Loc}
	if !g.condBlockOK(wt) {
		g.f.Code[w] = sim.Instr{Op: sim.OpNop, Loc: hIns.Loc}
		return
	}
	g.c.prog.Waits = append(g.c.prog.Waits, wt)
}

// loopJump is a copied jump or branch and the loop instruction it copies.
type loopJump struct{ at, from int32 }

// copyLoop appends a copy of the instructions pcs of code (emit, when it
// returns true, has appended a replacement of its own; when it returns
// false, what it appended comes before the copy), with a jump after
// each that falls through to an instruction not copied next; jump targets
// still name pcs of code. It returns where each instruction's copy is and
// the copied jumps.
func (g *fn) copyLoop(code []sim.Instr, pcs []int32, emit func(pc int32, ins *sim.Instr) bool) (map[int32]int32, []loopJump) {
	at := map[int32]int32{}
	var jumps []loopJump
	for k, pc := range pcs {
		ins := code[pc]
		g.loc = ins.Loc
		at[pc] = g.pc()
		if emit != nil && emit(pc, &ins) {
			// replaced by what emit appended: never a jump
			if k+1 >= len(pcs) || pcs[k+1] != pc+1 {
				jumps = append(jumps, loopJump{g.emit(sim.Instr{Op: sim.OpJump, Target: pc + 1}), pc})
			}
			continue
		}
		// (emit may have put code of its own before the copy)
		pos := g.pc()
		g.f.Code = append(g.f.Code, ins)
		switch {
		case ins.Op == sim.OpJump || ins.Op == sim.OpBranch:
			jumps = append(jumps, loopJump{pos, pc})
		case k+1 >= len(pcs) || pcs[k+1] != pc+1:
			jumps = append(jumps, loopJump{g.emit(sim.Instr{Op: sim.OpJump, Target: pc + 1}), pc})
		}
	}
	return at, jumps
}

// retarget rewrites the targets of the jump or branch at pc.
func (g *fn) retarget(pc int32, f func(to int32) int32) {
	// f may append code: index the instruction again after each call
	switch g.f.Code[pc].Op {
	case sim.OpJump:
		t := f(g.f.Code[pc].Target)
		g.f.Code[pc].Target = t
	case sim.OpBranch:
		t1 := f(g.f.Code[pc].Target)
		t2 := f(g.f.Code[pc].Target2)
		g.f.Code[pc].Target, g.f.Code[pc].Target2 = t1, t2
	}
}

// readingFunc reports whether function fi only computes and reads: no
// store, call, atomic, mask prim, delay or loop (a helper a polling loop may
// call, inlined into its condition block), and whether it reads shared
// state.
func (c *compiler) readingFunc(fi int32) (shared, ok bool) { return c.helperFunc(fi, false) }

// pollingHelper is readingFunc that also lets the helper delay (a loop's
// poll hint, such as kernel/cpu.c's arch_cpuhp_sync_state_poll(), which is
// cpu_relax()); inlined into a condition block, its delays are no-ops.
func (c *compiler) pollingHelper(fi int32) (shared, ok bool) { return c.helperFunc(fi, true) }

func (c *compiler) helperFunc(fi int32, delays bool) (shared, ok bool) {
	if fi <= 0 || int(fi) >= len(c.prog.Funcs) {
		return false, false
	}
	f := &c.prog.Funcs[fi]
	if f.NoReturn || len(f.Code) == 0 {
		return false, false
	}
	for pc, in := range f.Code {
		switch in.Op {
		case sim.OpConst, sim.OpMov, sim.OpBin, sim.OpUn, sim.OpConv, sim.OpNop, sim.OpRet:
		case sim.OpJump, sim.OpBranch:
			if in.Target <= int32(pc) || in.Op == sim.OpBranch && in.Target2 <= int32(pc) {
				return false, false // only forward jumps: no loop
			}
		case sim.OpLoadG, sim.OpLoadPCPU:
			shared = true
		case sim.OpPrim:
			p := sim.Prim(in.Sub)
			if delays && isDelayPrim(p) {
				continue
			}
			if !sim.Prims[p].ReadOnly || sim.Prims[p].Mask || p == sim.PrimBug || isDelayPrim(p) {
				return false, false
			}
			shared = true
		default:
			return false, false
		}
	}
	return shared, true
}

// inlineHelper appends, in place of the call in, the body of its callee (a
// pollingHelper, its delays no-ops) on fresh registers: arguments copied to its parameters, its
// other registers zeroed as in a new frame, each return storing the result
// and leaving the block.
func (g *fn) inlineHelper(in sim.Instr) {
	callee := &g.c.prog.Funcs[in.Imm]
	base := int32(g.f.NumRegs)
	g.f.NumRegs += callee.NumRegs
	for k, a := range in.Args {
		g.emit(sim.Instr{Op: sim.OpMov, A: base + int32(k), B: a})
	}
	for r := callee.Params; r < callee.NumRegs; r++ {
		g.emit(sim.Instr{Op: sim.OpConst, A: base + int32(r), Type: sim.Long})
	}
	// where each callee instruction goes: a return takes two slots
	start := g.pc()
	pos := make([]int32, len(callee.Code)+1)
	for i, c := range callee.Code {
		pos[i+1] = pos[i] + 1
		if c.Op == sim.OpRet && c.A >= 0 && in.A >= 0 {
			pos[i+1]++
		}
	}
	end := start + pos[len(callee.Code)]
	reg := func(r int32) int32 {
		if r < 0 {
			return r
		}
		return base + r
	}
	for _, c := range callee.Code {
		c.Loc = in.Loc
		switch c.Op {
		case sim.OpRet:
			if c.A >= 0 && in.A >= 0 {
				g.emit(sim.Instr{Op: sim.OpMov, A: in.A, B: reg(c.A), Loc: in.Loc})
			}
			g.emit(sim.Instr{Op: sim.OpJump, Target: end, Loc: in.Loc})
			continue
		case sim.OpJump:
			c.Target = start + pos[c.Target]
		case sim.OpBranch:
			c.A = reg(c.A)
			c.Target, c.Target2 = start+pos[c.Target], start+pos[c.Target2]
		case sim.OpPrim:
			if isDelayPrim(sim.Prim(c.Sub)) {
				// the condition block does not delay
				g.f.Code = append(g.f.Code, sim.Instr{Op: sim.OpNop, Loc: in.Loc})
				continue
			}
			fallthrough
		default:
			c.A, c.B, c.C = reg(c.A), reg(c.B), reg(c.C)
			if len(c.Args) > 0 {
				args := make([]int32, len(c.Args))
				for k, a := range c.Args {
					args[k] = reg(a)
				}
				c.Args = args
			}
		}
		g.f.Code = append(g.f.Code, c)
	}
}
