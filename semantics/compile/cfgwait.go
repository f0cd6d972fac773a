package compile

import (
	"maps"
	"slices"
	"strings"

	"github.com/patchcheck/patchcheck/sim"
)

// Polling loops found on the control-flow graph.
//
// The shape rules of wait.go recognise the polling loops the kernel writes
// most often, from their syntax. Every other loop is found here, on the
// compiled code of the function, whatever C form it had (for, goto, a
// do-while the shapes do not cover): a natural loop is a polling loop when
//
//   - its instructions only compute in registers, read shared state (loads,
//     read-only prims) and delay (udelay, usleep_range, msleep,
//     schedule_timeout, cpu_relax): no store, call, atomic or nested loop;
//   - some exit depends on what it reads (the state it polls); and
//   - every other exit depends only on a counter (a register the iteration
//     moves by one, tested against a constant or a register the loop does
//     not write) or on jiffies (a deadline), or there is none (unbounded).
//
// The loop is then rebuilt in the layout sim.Wait describes:
//
//	H:    jump W                      ; the loop's header, where it is entered
//	W:    OpWait                      ; the timed engine: a no-op, on to W+1
//	W+1:  ... the loop as written, its back edges to W ...
//	CS:   one iteration, without delays; an exit sets the exit index,
//	      clears CondReg and goes to CE; the back edge sets CondReg
//	CE:   branch CondReg ? W : SAT    ; reached only from EXP
//	SAT:  on to the exit the iteration took
//	EXP:  counter := the value at which its exit fires; jump CS
//
// The explorer evaluates CS atomically: when one iteration would leave the
// loop now (its state exit, or a bound that has already run out, as with
// timeout = 0) the CPU goes on there without an expiry; otherwise it waits,
// and the bound may expire, after which one real iteration from the
// counter's last value leaves through the bound's exit with every register
// as the loop as written leaves it.

// cfgWaits rebuilds the polling loops of the function compiled so far that
// are not waits yet.
func (g *fn) cfgWaits() {
	for {
		code := g.f.Code
		n := int32(len(code))
		succ := make([][]int32, n)
		preds := make([][]int32, n)
		for pc := int32(0); pc < n; pc++ {
			succ[pc] = cfgSuccs(&code[pc], pc, n, g.c.prog.Waits)
			for _, t := range succ[pc] {
				preds[t] = append(preds[t], pc)
			}
		}
		done := true
		for h := int32(0); h < n; h++ {
			var back []int32
			for _, p := range preds[h] {
				if p >= h {
					back = append(back, p)
				}
			}
			if len(back) == 0 {
				continue
			}
			if g.cfgWait(h, back, succ, preds) {
				done = false
				break // the code changed: start over
			}
		}
		if done {
			return
		}
	}
}

func cfgSuccs(in *sim.Instr, pc, n int32, waits []sim.Wait) []int32 {
	var out []int32
	add := func(t int32) {
		if t >= 0 && t < n {
			out = append(out, t)
		}
	}
	switch in.Op {
	case sim.OpJump:
		add(in.Target)
	case sim.OpBranch:
		add(in.Target)
		add(in.Target2)
	case sim.OpRet:
	case sim.OpWait:
		w := &waits[in.Imm]
		add(pc + 1)
		add(w.Satisfied)
		add(w.Expired)
	default:
		if in.Op == sim.OpPrim && sim.Prim(in.Sub) == sim.PrimBug {
			break
		}
		add(pc + 1)
	}
	return out
}

func isDelayPrim(p sim.Prim) bool {
	switch p {
	case sim.PrimUdelay, sim.PrimUsleepRange, sim.PrimMsleep, sim.PrimSleepJiffies, sim.PrimCPURelax:
		return true
	}
	return false
}

// sym is a register's value in one iteration, in terms of the registers at
// the loop's header.
type sym struct {
	kind   symKind
	reg    int32 // symAffine: header value of reg, plus off
	off    int64
	val    int64 // symConst
	shared bool  // symOther: depends on state the loop reads
	jiff   bool  // symOther: depends on jiffies
	// a comparison of an affine value with a constant or invariant
	cmp     bool
	cmpOp   sim.BinOp
	cmpK    int64
	cmpKReg int32 // -1: cmpK is the constant
	cmpSwap bool  // the affine value is the right operand
	cmpOff  int64 // the affine value is the header value plus cmpOff
}

type symKind int

const (
	symOther symKind = iota
	symConst
	symAffine
	symInvariant // a register the loop does not write
)

type cfgExit struct {
	from, to int32
	cond     sym  // the branch condition
	onTrue   bool // the exit is taken when the condition is true
}

// cfgWait rebuilds the loop with header h if it is a polling loop.
func (g *fn) cfgWait(h int32, back []int32, succ, preds [][]int32) bool {
	code := g.f.Code
	n := int32(len(code))
	in := make([]bool, n)
	in[h] = true
	stack := slices.Clone(back)
	for _, b := range back {
		in[b] = true
	}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, p := range preds[x] {
			if !in[p] {
				in[p] = true
				stack = append(stack, p)
			}
		}
	}
	writes := map[int32]bool{}
	reads := false
	for pc := int32(0); pc < n; pc++ {
		if !in[pc] {
			continue
		}
		ins := &code[pc]
		switch ins.Op {
		case sim.OpConst, sim.OpMov, sim.OpBin, sim.OpUn, sim.OpConv, sim.OpJump, sim.OpBranch, sim.OpNop:
		case sim.OpLoadG, sim.OpLoadPCPU:
			reads = true
		case sim.OpPrim:
			p := sim.Prim(ins.Sub)
			switch {
			case isDelayPrim(p):
			case sim.Prims[p].ReadOnly && p != sim.PrimBug:
				reads = true
			default:
				return false
			}
		case sim.OpCall:
			// a helper that only computes and reads (inlined into the
			// condition block, which may not call)
			shared, ok := g.c.readingFunc(int32(ins.Imm))
			if !ok {
				return false
			}
			reads = reads || shared
		default:
			return false
		}
		for _, t := range succ[pc] {
			if in[t] && t <= pc && t != h {
				return false // a cycle that does not go through h: a nested loop
			}
		}
		if d := cfgDef(ins); d >= 0 {
			writes[d] = true
		}
	}
	if !reads {
		return false
	}
	// One symbolic pass in code order (every edge but the back edges goes
	// forward): the registers' values where each instruction starts, merged
	// over the paths that reach it.
	state := make([]map[int32]sym, n)
	state[h] = map[int32]sym{}
	var exits []cfgExit
	var atBack []map[int32]sym
	look := func(st map[int32]sym, r int32) sym {
		if s, ok := st[r]; ok {
			return s
		}
		if !writes[r] {
			return sym{kind: symInvariant, reg: r}
		}
		return sym{kind: symAffine, reg: r}
	}
	for pc := h; pc < n; pc++ {
		if !in[pc] || state[pc] == nil {
			continue
		}
		st := maps.Clone(state[pc])
		ins := &code[pc]
		if d := cfgDef(ins); d >= 0 {
			st[d] = g.symOf(ins, st, look)
		}
		for k, t := range succ[pc] {
			if !in[t] {
				e := cfgExit{from: pc, to: t}
				if ins.Op == sim.OpBranch {
					e.cond = look(st, ins.A)
					e.onTrue = k == 0
				} else {
					return false // only branches leave the loop
				}
				exits = append(exits, e)
				continue
			}
			if t == h {
				atBack = append(atBack, st)
				continue
			}
			if state[t] == nil {
				state[t] = maps.Clone(st)
			} else {
				mergeSyms(state[t], st)
			}
		}
	}
	// The counter: a register every back edge sees moved by the same ±1,
	// in the type of the arithmetic that moves it.
	counter, step := int32(-1), int64(0)
	for r := range writes {
		d, ok := int64(0), true
		for i, st := range atBack {
			s := look(st, r)
			if s.kind != symAffine || s.reg != r || s.off == 0 || i > 0 && s.off != d {
				ok = false
				break
			}
			d = s.off
		}
		if ok && (d == 1 || d == -1) && (counter < 0 || r < counter) {
			counter, step = r, d
		}
	}
	counterType := sim.Long
	for pc := h; pc < n; pc++ {
		if ins := &code[pc]; in[pc] && ins.Op == sim.OpBin && (sim.BinOp(ins.Sub) == sim.Add || sim.BinOp(ins.Sub) == sim.Sub) {
			counterType = ins.Type
			break
		}
	}
	var bound []cfgExit
	deadline, polls := false, false
	nameLoc := code[h].Loc
	for _, e := range exits {
		c := e.cond
		switch {
		case c.shared && !c.jiff:
			if !polls {
				nameLoc = code[e.from].Loc // the wait is named by what it polls
			}
			polls = true
		case c.kind == symOther && c.jiff && !c.shared:
			deadline = true
			bound = append(bound, e)
		case counter >= 0 && (c.kind == symAffine || c.cmp) && c.reg == counter:
			bound = append(bound, e)
		case c.kind == symInvariant || c.kind == symConst:
			// a test the loop cannot change: it leaves at once or never
		default:
			return false
		}
	}
	if !polls || len(bound) > 1 {
		return false
	}
	var fix func()
	boundText := "none"
	if len(bound) == 1 {
		b := bound[0]
		boundText = strings.TrimSpace(g.locText(code[b.from].Loc))
		if !deadline {
			var ok bool
			fix, ok = g.counterFix(b, counter, step, counterType)
			if !ok {
				return false
			}
		}
	}
	name := g.name + ": " + strings.TrimSpace(g.locText(nameLoc))
	g.rebuildWait(h, in, exits, fix, len(bound) == 1, name, boundText)
	return true
}

// mergeSyms keeps in dst what both paths agree on.
func mergeSyms(dst, src map[int32]sym) {
	for k, v := range dst {
		if w, ok := src[k]; !ok || w != v {
			x := sym{kind: symOther, shared: v.shared || w.shared, jiff: v.jiff || w.jiff}
			dst[k] = x
		}
	}
	for k, w := range src {
		if _, ok := dst[k]; !ok {
			dst[k] = sym{kind: symOther, shared: w.shared, jiff: w.jiff}
		}
	}
}

func cfgDef(in *sim.Instr) int32 {
	switch in.Op {
	case sim.OpConst, sim.OpMov, sim.OpBin, sim.OpUn, sim.OpConv, sim.OpLoadG, sim.OpLoadPCPU:
		return in.A
	case sim.OpPrim, sim.OpCall:
		if in.A >= 0 {
			return in.A
		}
	}
	return -1
}

func (g *fn) symOf(in *sim.Instr, st map[int32]sym, look func(map[int32]sym, int32) sym) sym {
	other := func(ss ...sym) sym {
		x := sym{kind: symOther}
		for _, s := range ss {
			x.shared = x.shared || s.shared
			x.jiff = x.jiff || s.jiff
		}
		return x
	}
	switch in.Op {
	case sim.OpConst:
		return sym{kind: symConst, val: in.Imm}
	case sim.OpMov:
		return look(st, in.B)
	case sim.OpConv:
		return other(look(st, in.B)) // a converted value is not the register
	case sim.OpLoadG, sim.OpLoadPCPU:
		return sym{kind: symOther, shared: true}
	case sim.OpPrim:
		if sim.Prim(in.Sub) == sim.PrimJiffies {
			return sym{kind: symOther, jiff: true}
		}
		return sym{kind: symOther, shared: true}
	case sim.OpUn:
		return other(look(st, in.B))
	case sim.OpCall:
		// what a helper returns: shared when it or its arguments read
		// state; a function of a counter this pass does not follow (an
		// exit on it makes the loop no wait)
		shared, _ := g.c.readingFunc(int32(in.Imm))
		x := sym{kind: symOther, shared: shared}
		mixed := sym{kind: symOther, shared: true, jiff: true}
		for _, a := range in.Args {
			switch s := look(st, a); {
			case s.kind == symConst || s.kind == symInvariant:
			case s.kind == symOther && !s.cmp:
				x.shared, x.jiff = x.shared || s.shared, x.jiff || s.jiff
			default:
				return mixed
			}
		}
		return x
	case sim.OpBin:
		x, y := look(st, in.B), look(st, in.C)
		op := sim.BinOp(in.Sub)
		switch op {
		case sim.Add, sim.Sub:
			if x.kind == symAffine && y.kind == symConst {
				d := y.val
				if op == sim.Sub {
					d = -d
				}
				return sym{kind: symAffine, reg: x.reg, off: x.off + d}
			}
		case sim.Eq, sim.Ne, sim.Lt, sim.Le, sim.Gt, sim.Ge:
			if x.kind == symAffine && (y.kind == symConst || y.kind == symInvariant) {
				return sym{kind: symOther, cmp: true, reg: x.reg, cmpOp: op, cmpK: y.val, cmpKReg: kreg(y), cmpOff: x.off}
			}
			if y.kind == symAffine && (x.kind == symConst || x.kind == symInvariant) {
				return sym{kind: symOther, cmp: true, reg: y.reg, cmpOp: op, cmpK: x.val, cmpKReg: kreg(x), cmpSwap: true, cmpOff: y.off}
			}
		}
		return other(x, y)
	}
	return sym{kind: symOther}
}

func kreg(s sym) int32 {
	if s.kind == symInvariant {
		return s.reg
	}
	return -1
}

// counterFix returns the code that sets the counter to its header value in
// the iteration whose bound exit fires, or false when the test is not one
// the counter's direction reaches exactly.
func (g *fn) counterFix(b cfgExit, counter int32, step int64, typ sim.Type) (func(), bool) {
	c := b.cond
	if c.kind == symAffine {
		// a truth test of counter+off: the exit fires when it is zero
		// (or, exiting on true, never exactly: give up)
		if b.onTrue {
			return nil, false
		}
		v := -c.off
		return func() { g.setCounter(counter, -1, v, typ) }, true
	}
	op := c.cmpOp
	if c.cmpSwap {
		op = map[sim.BinOp]sim.BinOp{sim.Lt: sim.Gt, sim.Le: sim.Ge, sim.Gt: sim.Lt, sim.Ge: sim.Le, sim.Eq: sim.Eq, sim.Ne: sim.Ne}[op]
	}
	if !b.onTrue {
		op = map[sim.BinOp]sim.BinOp{sim.Lt: sim.Ge, sim.Le: sim.Gt, sim.Gt: sim.Le, sim.Ge: sim.Lt, sim.Eq: sim.Ne, sim.Ne: sim.Eq}[op]
	}
	// the exit fires when counter OP K first holds
	var adj int64
	switch {
	case op == sim.Eq:
		adj = 0
	case op == sim.Ge && step > 0, op == sim.Le && step < 0:
		adj = 0
	case op == sim.Gt && step > 0:
		adj = 1
	case op == sim.Lt && step < 0:
		adj = -1
	default:
		return nil, false
	}
	k, kr := c.cmpK+adj-c.cmpOff, c.cmpKReg
	return func() { g.setCounter(counter, kr, k, typ) }, true
}

// setCounter emits counter := reg(kr) + k (or k when kr < 0), in the
// counter's type as its updates use it.
func (g *fn) setCounter(counter, kr int32, k int64, typ sim.Type) {
	if kr < 0 {
		g.emit(sim.Instr{Op: sim.OpConst, A: counter, Type: typ, Imm: int64(truncate(uint64(k), typ))})
		return
	}
	r := g.newReg()
	g.emit(sim.Instr{Op: sim.OpConst, A: r, Type: typ, Imm: int64(truncate(uint64(k), typ))})
	g.emit(sim.Instr{Op: sim.OpBin, Sub: uint8(sim.Add), A: counter, B: kr, C: r, Type: typ})
}

func (g *fn) locText(loc int32) string {
	if loc >= 0 && int(loc) < len(g.c.prog.Locs) {
		return g.c.prog.Locs[loc].Text
	}
	return ""
}

// rebuildWait lays the loop out as a sim.Wait (see the comment above).
func (g *fn) rebuildWait(h int32, in []bool, exits []cfgExit, fix func(), bounded bool, name, boundText string) {
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
	// CS: one iteration without its delays. Its back edge and exits go to
	// stubs that set CondReg (and the exit's index) and go to CE.
	condReg, exitReg := g.newReg(), g.newReg()
	cs := g.pc()
	cond, jumps := g.copyLoop(code, pcs, func(ins *sim.Instr) bool {
		if ins.Op == sim.OpCall {
			g.inlineHelper(*ins)
			return true
		}
		if ins.Op == sim.OpPrim && isDelayPrim(sim.Prim(ins.Sub)) {
			g.emit(sim.Instr{Op: sim.OpNop, Loc: ins.Loc})
			return true
		}
		return false
	})
	exitIdx := map[[2]int32]int{}
	for i, e := range exits {
		exitIdx[[2]int32{e.from, e.to}] = i
	}
	var toCE []int32
	for _, j := range jumps {
		g.retarget(j.at, func(to int32) int32 {
			if to != h && in[to] {
				return cond[to]
			}
			stub := g.pc()
			if to == h {
				g.emit(sim.Instr{Op: sim.OpConst, A: condReg, Type: sim.Int, Imm: 1})
			} else {
				g.emit(sim.Instr{Op: sim.OpConst, A: condReg, Type: sim.Int, Imm: 0})
				g.emit(sim.Instr{Op: sim.OpConst, A: exitReg, Type: sim.Int, Imm: int64(exitIdx[[2]int32{j.from, to}])})
			}
			toCE = append(toCE, g.emit(sim.Instr{Op: sim.OpJump}))
			return stub
		})
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
	for i, e := range exits {
		k, t := g.newReg(), g.newReg()
		g.emit(sim.Instr{Op: sim.OpConst, A: k, Type: sim.Int, Imm: int64(i)})
		g.emit(sim.Instr{Op: sim.OpBin, Sub: uint8(sim.Eq), A: t, B: exitReg, C: k, Type: sim.Int})
		g.emit(sim.Instr{Op: sim.OpBranch, A: t, Target: e.to, Target2: g.pc() + 1})
	}
	g.emit(sim.Instr{Op: sim.OpJump, Target: w})
	wt := sim.Wait{Loc: hIns.Loc, CondStart: cs, CondEnd: ce, CondReg: condReg, Satisfied: sat, Expired: -1,
		Name: name, Bound: boundText}
	if bounded {
		// EXP: the counter at its last value, then that iteration for real.
		wt.Expired = g.pc()
		if fix != nil {
			fix()
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
// returns true, has appended a replacement of its own), with a jump after
// each that falls through to an instruction not copied next; jump targets
// still name pcs of code. It returns where each instruction's copy is and
// the copied jumps.
func (g *fn) copyLoop(code []sim.Instr, pcs []int32, emit func(*sim.Instr) bool) (map[int32]int32, []loopJump) {
	at := map[int32]int32{}
	var jumps []loopJump
	for k, pc := range pcs {
		ins := code[pc]
		g.loc = ins.Loc
		at[pc] = g.pc()
		if emit != nil && emit(&ins) {
			// replaced by what emit appended: never a jump
			if k+1 >= len(pcs) || pcs[k+1] != pc+1 {
				jumps = append(jumps, loopJump{g.emit(sim.Instr{Op: sim.OpJump, Target: pc + 1}), pc})
			}
			continue
		}
		g.f.Code = append(g.f.Code, ins)
		switch {
		case ins.Op == sim.OpJump || ins.Op == sim.OpBranch:
			jumps = append(jumps, loopJump{at[pc], pc})
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
func (c *compiler) readingFunc(fi int32) (shared, ok bool) {
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
// readingFunc) on fresh registers: arguments copied to its parameters, its
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
