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
	jiff   bool  // symOther: depends on the clock (jiffies, ktime_get())
	// carried (symOther): depends on the header value of a register the
	// loop writes, other than as an affine value or its comparison (the
	// counter's forms): n = cpumask_next(it); it = n carries it.
	carried bool
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
	in := naturalLoop(h, back, preds, n)
	// What the loop does besides polling, on its way out of the polling
	// (cfgtail.go), is not part of it: the edges into it are exits.
	if tail := g.effectTail(h, in, succ); tail != nil {
		var rest []int32
		for _, b := range back {
			if !tail[b] {
				rest = append(rest, b)
			}
		}
		if len(rest) == 0 {
			return false
		}
		back = rest
		in = naturalLoop(h, back, preds, n)
	}
	writes := map[int32]bool{}
	reads := false
	for pc := int32(0); pc < n; pc++ {
		if !in[pc] {
			continue
		}
		ins := &code[pc]
		r, kind := g.pollingInstr(ins)
		if kind != pollOK {
			return false
		}
		reads = reads || r
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
	// liveIn: the registers the loop writes that an iteration reads
	// before writing them (their header value), found by the pass.
	liveIn := map[int32]bool{}
	inPass := true
	look := func(st map[int32]sym, r int32) sym {
		if s, ok := st[r]; ok {
			return s
		}
		if !writes[r] {
			return sym{kind: symInvariant, reg: r}
		}
		if inPass {
			liveIn[r] = true
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
	inPass = false
	// An iteration that moves on from what the previous one computed
	// out of state (an iterator over CPUs: it = cpumask_next(it), as
	// for_each_cpu compiles) finds something else without any change of
	// state: it is a search, not a poll of the same state.
	for r := range liveIn {
		for _, st := range atBack {
			if s := look(st, r); s.kind == symOther && s.carried {
				return false
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
	// A register every back edge sees read afresh from shared state: a
	// test of its value at the top of the loop polls what the previous
	// iteration read (the loop reads, then tests at the top of the next
	// iteration, as in v = READ; while (1) { if (v == want) ...; v = READ; }).
	fresh := func(r int32) bool {
		if len(atBack) == 0 {
			return false
		}
		for _, st := range atBack {
			if s := look(st, r); s.kind != symOther || !s.shared || s.jiff || s.cmp {
				return false
			}
		}
		return true
	}
	var bound []cfgExit
	deadline, polls, rotated := false, false, false
	nameLoc := code[h].Loc
	for _, e := range exits {
		c := e.cond
		switch {
		case c.shared && !c.jiff:
			if !polls {
				nameLoc = code[e.from].Loc // the wait is named by what it polls
			}
			polls = true
		case (c.kind == symAffine || c.cmp) && c.reg != counter && fresh(c.reg):
			if !polls {
				nameLoc = code[e.from].Loc
			}
			polls, rotated = true, true
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
	lay := cfgLayout{h: h, in: in, exits: exits, rotated: rotated, boundText: "none", deadline: -1}
	if len(bound) == 1 {
		b := bound[0]
		lay.bounded = true
		lay.boundText = strings.TrimSpace(g.locText(code[b.from].Loc))
		if deadline {
			for i, e := range exits {
				if e == b {
					lay.deadline = i
				}
			}
		} else {
			if rotated {
				// The condition block runs two iterations (cfglayout.go),
				// which a counter fix-up for one does not fit.
				return false
			}
			var ok bool
			lay.fix, ok = g.counterFix(b, counter, step, counterType)
			if !ok {
				return false
			}
		}
	}
	lay.name = g.name + ": " + strings.TrimSpace(g.locText(nameLoc))
	g.rebuildWait(lay)
	return true
}

// naturalLoop returns the natural loop of the back edges back into h: h
// and every instruction that reaches one of them without passing h.
func naturalLoop(h int32, back []int32, preds [][]int32, n int32) []bool {
	in := make([]bool, n)
	in[h] = true
	for _, b := range back {
		in[b] = true
	}
	flood(in, slices.Clone(back), preds)
	return in
}

// mergeSyms keeps in dst what both paths agree on.
func mergeSyms(dst, src map[int32]sym) {
	for k, v := range dst {
		if w, ok := src[k]; !ok || w != v {
			// !ok: the other path leaves the header value.
			x := sym{kind: symOther, shared: v.shared || w.shared, jiff: v.jiff || w.jiff,
				carried: !ok || v.dependsOnLoop() || w.dependsOnLoop()}
			dst[k] = x
		}
	}
	for k, w := range src {
		if _, ok := dst[k]; !ok {
			dst[k] = sym{kind: symOther, shared: w.shared, jiff: w.jiff, carried: true}
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
			x.carried = x.carried || s.dependsOnLoop()
		}
		return x
	}
	// read is a value read from state, at an address or CPU computed
	// from args.
	read := func(x sym, args ...int32) sym {
		for _, a := range args {
			x.carried = x.carried || look(st, a).dependsOnLoop()
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
	case sim.OpLoadG:
		return sym{kind: symOther, shared: true}
	case sim.OpLoadPCPU:
		return read(sym{kind: symOther, shared: true}, in.B)
	case sim.OpPrim:
		if p := sim.Prim(in.Sub); p == sim.PrimJiffies || p == sim.PrimKtimeGet {
			return sym{kind: symOther, jiff: true} // the clock
		}
		return read(sym{kind: symOther, shared: true}, in.Args...)
	case sim.OpUn:
		return other(look(st, in.B))
	case sim.OpCall:
		// what a helper returns: shared when it or its arguments read
		// state; a function of a counter this pass does not follow (an
		// exit on it makes the loop no wait)
		shared, _ := g.c.readingFunc(int32(in.Imm))
		x := sym{kind: symOther, shared: shared}
		mixed := sym{kind: symOther, shared: true, jiff: true, carried: true}
		for _, a := range in.Args {
			switch s := look(st, a); {
			case s.kind == symConst || s.kind == symInvariant:
			case s.kind == symOther && !s.cmp:
				x.shared, x.jiff, x.carried = x.shared || s.shared, x.jiff || s.jiff, x.carried || s.carried
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

// dependsOnLoop reports whether s depends on the header value of a
// register the loop writes.
func (s sym) dependsOnLoop() bool {
	return s.kind == symAffine || s.cmp || s.kind == symOther && s.carried
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

// flood marks everything reachable from the marked nodes on stack through
// edges, depth first; stack is consumed.
func flood(mark []bool, stack []int32, edges [][]int32) {
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, t := range edges[x] {
			if !mark[t] {
				mark[t] = true
				stack = append(stack, t)
			}
		}
	}
}
