package compile

import (
	"github.com/patchcheck/patchcheck/semantics/cfront"
	"github.com/patchcheck/patchcheck/sim"
)

// Polling loops.
//
// A loop is compiled as a sim.Wait when its shape says it polls: it
// re-checks state through reads only (loads, read-only prims and functions
// that only read), its body otherwise only delays, and it is bounded by a
// counter or a deadline (or not at all). Names of functions play no part.
// The shapes recognised:
//
//	while (STATE && BOUND) DELAYS        while (BOUND && STATE) DELAYS
//	while (STATE) DELAYS                 (unbounded)
//	for (...; i < N; i++) { READS; if (EXIT) LEAVE; DELAYS }
//	while (BOUND) { READS; if (EXIT) LEAVE; DELAYS }
//	do { READS; if (EXIT) LEAVE; DELAYS } while (BOUND);
//	while (STATE) { DELAYS, UPDATES, if (TEST) break; }   (see bodyBound)
//
// where BOUND is t--, --t, t-- > 0, time_before(jiffies, d),
// time_before_eq(jiffies, d), !time_after(jiffies, d) or !time_after_eq(jiffies, d)
// (and i < N or i <= N with i++ in a for loop); READS are assignments of
// pure expressions to locals; LEAVE is a statement that ends in return,
// break or goto; DELAYS are calls of udelay, ndelay, mdelay, usleep_range,
// msleep, schedule_timeout* and cpu_relax. Other loops are compiled as
// written.

// delays are the calls a polling loop may make besides its reads.
var delays = map[string]bool{
	"udelay": true, "ndelay": true, "mdelay": true, "usleep_range": true, "msleep": true,
	"schedule_timeout": true, "schedule_timeout_uninterruptible": true, "schedule_timeout_interruptible": true,
	"schedule_timeout_idle": true, "cpu_relax": true,
}

type boundKind int

const (
	bPostDec    boundKind = iota // t--: expires with t wrapped to -1 in its type
	bPreDec                      // --t: expires with t == 0
	bPostDecGt0                  // t-- > 0: expires with t == -1
	bCounter                     // i < N, i <= N with i++: expires with i == N (N+1)
	bDeadline                    // time_before(jiffies, d): expires with no variable changed
)

type bound struct {
	kind  boundKind
	v     *local // counter
	limit cfront.Expr
	le    bool
	expr  cfront.Expr
}

type waitShape struct {
	state      cfront.Expr // shape A: keep waiting while state
	reads      []cfront.Stmt
	exitX      cfront.Expr // shape B: stop waiting when exitX
	exitStmt   cfront.Stmt
	rest       []cfront.Stmt
	bnd        *bound
	boundFirst bool
	post       cfront.Expr
	do         bool
	bodyBound  []cfront.Stmt // the body of a loop bounded inside it (see bodyBound)
}

func conjuncts(e cfront.Expr) []cfront.Expr {
	if b, ok := e.(*cfront.BinaryExpr); ok && b.Op == "&&" {
		return append(conjuncts(b.X), conjuncts(b.Y)...)
	}
	return []cfront.Expr{e}
}

func andAll(es []cfront.Expr) cfront.Expr {
	e := es[0]
	for _, x := range es[1:] {
		e = &cfront.BinaryExpr{Pos: e.Position(), Op: "&&", X: e, Y: x}
	}
	return e
}

func stmts(s cfront.Stmt) []cfront.Stmt {
	if b, ok := s.(*cfront.BlockStmt); ok {
		var out []cfront.Stmt
		for _, x := range b.Stmts {
			if _, empty := x.(*cfront.EmptyStmt); !empty {
				out = append(out, x)
			}
		}
		return out
	}
	if _, empty := s.(*cfront.EmptyStmt); empty {
		return nil
	}
	return []cfront.Stmt{s}
}

// counterVar returns the register local an expression names.
func (g *fn) counterVar(e cfront.Expr) *local {
	id, ok := e.(*cfront.Ident)
	if !ok {
		return nil
	}
	l := g.lookup(id.Name)
	if l == nil || l.reg < 0 || l.glob != nil || l.t.k != kInt {
		return nil
	}
	return l
}

// deadline reports whether e is a jiffies deadline test that holds before
// the deadline.
func (g *fn) deadline(e cfront.Expr) bool {
	neg := false
	if u, ok := e.(*cfront.UnaryExpr); ok && u.Op == "!" {
		neg, e = true, u.X
	}
	c, ok := e.(*cfront.CallExpr)
	if !ok || len(c.Args) != 2 || !isIdent(c.Args[0], "jiffies") {
		return false
	}
	switch calleeName(c) {
	case "time_before", "time_before_eq":
		return !neg && g.pure(c.Args[1], 0)
	case "time_after", "time_after_eq":
		return neg && g.pure(c.Args[1], 0)
	}
	return false
}

func calleeName(c *cfront.CallExpr) string {
	if id, ok := c.Fun.(*cfront.Ident); ok {
		return id.Name
	}
	return ""
}

// classifyBound recognises a loop bound in a while or do condition.
func (g *fn) classifyBound(e cfront.Expr) *bound {
	if g.deadline(e) {
		return &bound{kind: bDeadline, expr: e}
	}
	switch x := e.(type) {
	case *cfront.IncDecExpr:
		if x.Op == "--" {
			if v := g.counterVar(x.X); v != nil {
				if x.Post {
					return &bound{kind: bPostDec, v: v, expr: e}
				}
				return &bound{kind: bPreDec, v: v, expr: e}
			}
		}
	case *cfront.BinaryExpr:
		if d, ok := x.X.(*cfront.IncDecExpr); ok && x.Op == ">" && d.Op == "--" && d.Post {
			if lit, ok := x.Y.(*cfront.IntLit); ok && lit.Value == 0 {
				if v := g.counterVar(d.X); v != nil {
					return &bound{kind: bPostDecGt0, v: v, expr: e}
				}
			}
		}
	}
	return nil
}

// forBound recognises i < N / i <= N with i++ as the post statement.
func (g *fn) forBound(cond, post cfront.Expr) *bound {
	b, ok := cond.(*cfront.BinaryExpr)
	if !ok || b.Op != "<" && b.Op != "<=" {
		return nil
	}
	v := g.counterVar(b.X)
	if v == nil || !g.invariant(b.Y) {
		return nil
	}
	id := b.X.(*cfront.Ident).Name
	switch p := post.(type) {
	case *cfront.IncDecExpr:
		if p.Op != "++" || !isIdent(p.X, id) {
			return nil
		}
	case *cfront.AssignExpr:
		if lit, ok := p.Y.(*cfront.IntLit); !ok || p.Op != "+=" || !isIdent(p.X, id) || lit.Value != 1 {
			return nil
		}
	default:
		return nil
	}
	return &bound{kind: bCounter, v: v, limit: b.Y, le: b.Op == "<=", expr: cond}
}

// invariant: a constant, or a local no statement of the function assigns.
func (g *fn) invariant(e cfront.Expr) bool {
	if _, _, ok := g.c.constValue(g.u, e, g.name); ok {
		return true
	}
	if id, ok := e.(*cfront.Ident); ok {
		if l := g.lookup(id.Name); l != nil && l.reg >= 0 && l.glob == nil && g.assigned[id.Name] == 0 {
			return true
		}
	}
	return false
}

// leaves reports whether s ends by leaving the loop.
func leaves(s cfront.Stmt) bool {
	switch s := s.(type) {
	case *cfront.ReturnStmt, *cfront.BreakStmt, *cfront.GotoStmt:
		return true
	case *cfront.BlockStmt:
		return len(s.Stmts) > 0 && leaves(s.Stmts[len(s.Stmts)-1])
	case *cfront.ExprStmt:
		// A call of a noreturn function of the sources, or BUG()/panic().
		if c, ok := s.X.(*cfront.CallExpr); ok {
			switch calleeName(c) {
			case "BUG", "panic":
				return true
			}
		}
	}
	return false
}

func isDelay(g *fn, s cfront.Stmt) bool {
	es, ok := s.(*cfront.ExprStmt)
	if !ok {
		return false
	}
	c, ok := es.X.(*cfront.CallExpr)
	if !ok || !delays[calleeName(c)] || g.defined(calleeName(c)) {
		return false
	}
	for _, a := range c.Args {
		if !g.pure(a, 0) {
			return false
		}
	}
	return true
}

// analyse decides whether a loop is a polling loop.
func (g *fn) analyse(s cfront.Stmt) *waitShape {
	w := &waitShape{}
	var cond cfront.Expr
	var body cfront.Stmt
	switch s := s.(type) {
	case *cfront.WhileStmt:
		cond, body = s.Cond, s.Body
	case *cfront.ForStmt:
		body, w.post = s.Body, s.Post
		if s.Cond != nil {
			if b := g.forBound(s.Cond, s.Post); b != nil {
				w.bnd, w.boundFirst = b, true
			} else {
				return nil
			}
		} else if s.Post != nil {
			return nil
		}
	case *cfront.DoStmt:
		body, w.do = s.Body, true
		w.bnd = g.classifyBound(s.Cond)
		if w.bnd == nil {
			return nil
		}
	default:
		return nil
	}
	var state []cfront.Expr
	if cond != nil {
		cs := conjuncts(cond)
		for i, c := range cs {
			if b := g.classifyBound(c); b != nil {
				if w.bnd != nil {
					return nil
				}
				w.bnd = b
				switch i {
				case 0:
					w.boundFirst = true
				case len(cs) - 1:
				default:
					return nil
				}
				continue
			}
			if !g.pure(c, 0) {
				return nil
			}
			state = append(state, c)
		}
	}
	list := stmts(body)
	i := 0
	for ; i < len(list); i++ {
		es, ok := list[i].(*cfront.ExprStmt)
		if !ok {
			break
		}
		a, ok := es.X.(*cfront.AssignExpr)
		if !ok || a.Op != "=" || g.counterVar(a.X) == nil || !g.pure(a.Y, 0) {
			break
		}
		if w.bnd != nil && w.bnd.v != nil && g.counterVar(a.X) == w.bnd.v {
			return nil // a read must not clobber the counter
		}
		w.reads = append(w.reads, list[i])
	}
	if i < len(list) {
		if is, ok := list[i].(*cfront.IfStmt); ok && is.Else == nil && leaves(is.Then) && g.pure(is.Cond, 0) {
			w.exitX, w.exitStmt = is.Cond, is.Then
			i++
		}
	}
	for ; i < len(list); i++ {
		if !isDelay(g, list[i]) {
			if w.exitX == nil && len(w.reads) == 0 && w.bnd == nil && len(state) > 0 && !w.do && w.post == nil {
				if g.bodyBound(w, list) {
					w.rest = nil // the body is compiled as a whole
					w.state = andAll(state)
					return w
				}
			}
			return nil
		}
		w.rest = append(w.rest, list[i])
	}
	switch {
	case w.exitX != nil && len(state) > 0:
		return nil
	case w.exitX == nil && len(w.reads) > 0:
		return nil
	case w.exitX == nil && len(state) == 0:
		return nil // nothing is polled
	case w.bnd == nil && w.do:
		return nil
	}
	if len(state) > 0 {
		w.state = andAll(state)
	}
	return w
}

// bodyBound recognises a bound kept in the body of while (STATE) { ... }:
// delays, updates of locals from locals, and one if (TEST) break; whose
// TEST reads only locals, as in kernel/smpboot.c's cpu_wait_death():
//
//	while (atomic_read(&per_cpu(cpu_hotplug_state, cpu)) != CPU_DEAD) {
//		schedule_timeout_uninterruptible(sleep_jf);
//		jf_left -= sleep_jf;
//		if (jf_left <= 0)
//			break;
//		sleep_jf = DIV_ROUND_UP(sleep_jf * 11, 10);
//	}
//
// The expiry fix-up runs the body without its delays until TEST breaks
// out: the locals end as they would after the bound ran out.
func (g *fn) bodyBound(w *waitShape, list []cfront.Stmt) bool {
	tests := 0
	updated := map[string]bool{}
	var test cfront.Expr
	for _, st := range list {
		switch st := st.(type) {
		case *cfront.IfStmt:
			if _, ok := st.Then.(*cfront.BreakStmt); !ok || st.Else != nil || !g.localOnly(st.Cond, 0) {
				return false
			}
			tests++
			test = st.Cond
		case *cfront.ExprStmt:
			if isDelay(g, st) {
				continue
			}
			switch x := st.X.(type) {
			case *cfront.AssignExpr:
				if g.counterVar(x.X) == nil || !g.localOnly(x.Y, 0) {
					return false
				}
				updated[x.X.(*cfront.Ident).Name] = true
			case *cfront.IncDecExpr:
				if g.counterVar(x.X) == nil {
					return false
				}
				updated[x.X.(*cfront.Ident).Name] = true
			default:
				return false
			}
		default:
			return false
		}
	}
	if tests != 1 {
		return false
	}
	// The test must read something the body updates, or nothing bounds
	// the loop.
	progress := false
	walk(test, func(n cfront.Node) {
		if id, ok := n.(*cfront.Ident); ok && updated[id.Name] {
			progress = true
		}
	})
	if !progress {
		return false
	}
	w.bodyBound = list
	return true
}

// localOnly reports whether e reads nothing but locals and constants
// (through functions of the sources that do the same).
func (g *fn) localOnly(e cfront.Expr, depth int) bool {
	if depth > 6 {
		return false
	}
	ok := true
	walk(e, func(n cfront.Node) {
		switch n := n.(type) {
		case *cfront.Ident:
			if l := g.lookup(n.Name); l != nil && l.glob == nil {
				return
			}
			if _, _, isConst := g.c.lookupConst(n.Name); isConst {
				return
			}
			if _, isFunc := g.c.funcIdx[n.Name]; isFunc {
				return // the callee of a call, checked below
			}
			ok = false
		case *cfront.CallExpr:
			i, defined := g.c.funcIdx[calleeName(n)]
			if !defined || !g.localBody(g.c.funcs[i], depth+1) {
				ok = false
			}
		case *cfront.AssignExpr, *cfront.IncDecExpr, *cfront.MemberExpr, *cfront.IndexExpr:
			ok = false
		case *cfront.UnaryExpr:
			if n.Op == "&" || n.Op == "*" {
				ok = false
			}
		}
	})
	return ok
}

// localBody: a function that computes from its parameters only.
func (g *fn) localBody(f *funcDef, depth int) bool {
	names := map[string]bool{}
	for _, p := range f.decl.Params {
		names[p.Name] = true
	}
	ok := true
	walk(f.decl.Body, func(n cfront.Node) {
		switch n := n.(type) {
		case *cfront.DeclStmt:
			for _, d := range n.Decls {
				if d.Static {
					ok = false
				}
				names[d.Name] = true
			}
		case *cfront.Ident:
			if names[n.Name] {
				return
			}
			if _, _, isConst := g.c.lookupConst(n.Name); isConst {
				return
			}
			if i, isFunc := g.c.funcIdx[n.Name]; isFunc && depth < 6 && g.localBody(g.c.funcs[i], depth+1) {
				return
			}
			ok = false
		case *cfront.CallExpr:
			if _, defined := g.c.funcIdx[calleeName(n)]; !defined {
				ok = false
			}
		case *cfront.AssignExpr:
			if id, isID := n.X.(*cfront.Ident); !isID || !names[id.Name] {
				ok = false
			}
		case *cfront.IncDecExpr:
			if id, isID := n.X.(*cfront.Ident); !isID || !names[id.Name] {
				ok = false
			}
		case *cfront.ForStmt, *cfront.WhileStmt, *cfront.DoStmt, *cfront.GotoStmt, *cfront.ForEachStmt, *cfront.MemberExpr, *cfront.IndexExpr:
			ok = false
		}
	})
	return ok
}

// waitLoop compiles s as a polling loop if it has the shape of one.
func (g *fn) waitLoop(s cfront.Stmt) bool {
	w := g.analyse(s)
	if w == nil {
		return false
	}
	exit := g.newLabel()
	preHead := g.newLabel()
	g.bind(preHead)
	if w.boundFirst {
		ok := g.newLabel()
		g.setLoc(w.bnd.expr.Position())
		g.cond(w.bnd.expr, ok, exit)
		g.bind(ok)
	}
	g.setLoc(s.Position())
	waitPC := g.emit(sim.Instr{Op: sim.OpWait})
	wt := sim.Wait{Loc: g.loc, CondStart: g.pc()}
	saved := g.waitMode
	g.waitMode = true
	var condReg int32
	if w.state != nil {
		g.setLoc(w.state.Position())
		v := g.value(w.state)
		condReg = v.r
		wt.Name = g.name + ": while " + exprString(w.state)
	} else {
		for _, r := range w.reads {
			g.stmt(r)
		}
		g.setLoc(w.exitX.Position())
		v := g.value(w.exitX)
		condReg = g.newReg()
		g.emit(sim.Instr{Op: sim.OpUn, Sub: uint8(sim.Not), Type: v.t.it, A: condReg, B: v.r})
		wt.Name = g.name + ": until " + exprString(w.exitX)
	}
	g.waitMode = saved
	// A counter tested after the state (while (STATE && t--)) may have run
	// out before the wait starts (timeout = 0): the loop then leaves at its
	// first test, with no expiry. The condition block also asks whether the
	// counter has iterations left; when it has none the wait ends at once
	// and the bound's own test, run for real, takes the loop's exit.
	stateReg, early := condReg, w.state != nil && w.bnd != nil && !w.boundFirst && !w.do && w.bnd.v != nil && w.bnd.kind != bCounter
	if early {
		condReg = g.boundLeft(w.bnd, stateReg)
	}
	wt.CondEnd, wt.CondReg = g.pc(), condReg
	cont, sat := g.newLabel(), g.newLabel()
	if early {
		again := g.newLabel()
		g.branch(condReg, cont, again)
		g.bind(again)
		wt.Satisfied = g.pc()
		g.branch(stateReg, cont, sat)
		g.bind(sat)
	} else {
		g.branch(condReg, cont, sat)
		g.bind(sat)
		wt.Satisfied = g.pc()
	}
	next := g.newLabel()
	if w.exitStmt != nil {
		g.loopBody(w.exitStmt, exit, next)
	}
	g.jump(exit)
	g.bind(cont)
	if w.bnd != nil && !w.boundFirst && !w.do {
		ok := g.newLabel()
		g.setLoc(w.bnd.expr.Position())
		g.cond(w.bnd.expr, ok, exit)
		g.bind(ok)
	}
	g.loops = append(g.loops, loopCtx{brk: exit, cont: next})
	for _, r := range w.rest {
		g.stmt(r)
	}
	for _, r := range w.bodyBound {
		g.stmt(r)
	}
	g.loops = g.loops[:len(g.loops)-1]
	g.bind(next)
	if w.post != nil {
		g.setLoc(w.post.Position())
		g.expr(w.post)
	}
	if w.do {
		ok := g.newLabel()
		g.setLoc(w.bnd.expr.Position())
		g.cond(w.bnd.expr, ok, exit)
		g.bind(ok)
	}
	g.jump(preHead)
	wt.Expired = -1
	wt.Bound = "none"
	if w.bodyBound != nil {
		// Run the bound's updates, without the delays, until it breaks out.
		wt.Bound = ""
		fix := g.newLabel()
		wt.Expired = g.pc()
		g.bind(fix)
		g.loops = append(g.loops, loopCtx{brk: exit, cont: fix})
		for _, r := range w.bodyBound {
			if isDelay(g, r) {
				continue
			}
			if is, ok := r.(*cfront.IfStmt); ok {
				wt.Bound = "until " + exprString(is.Cond)
			}
			g.stmt(r)
		}
		g.loops = g.loops[:len(g.loops)-1]
		g.jump(fix)
	}
	if w.bnd != nil {
		wt.Bound = exprString(w.bnd.expr)
		g.setLoc(w.bnd.expr.Position())
		wt.Expired = g.pc()
		g.expire(w.bnd)
		g.jump(exit)
	}
	g.bind(exit)
	if g.condBlockOK(wt) {
		g.f.Code[waitPC].Imm = int64(len(g.c.prog.Waits))
		g.c.prog.Waits = append(g.c.prog.Waits, wt)
	} else {
		// Keep the loop as written; the fix-up block is dead code.
		g.f.Code[waitPC] = sim.Instr{Op: sim.OpNop, Loc: g.f.Code[waitPC].Loc}
	}
	return true
}

// boundLeft emits, in a condition block, state != 0 && the counter of b has
// an iteration left (t-- and t-- > 0: t != 0 resp. t > 0; --t: t != 1),
// and returns its register.
func (g *fn) boundLeft(b *bound, state int32) int32 {
	t := b.v.t.it
	zero := g.constReg(0, b.v.t)
	live := g.newReg()
	g.emit(sim.Instr{Op: sim.OpBin, Sub: uint8(sim.Ne), Type: sim.Long, A: live, B: state, C: g.constReg(0, tLong).r})
	left := g.newReg()
	switch b.kind {
	case bPostDecGt0:
		g.emit(sim.Instr{Op: sim.OpBin, Sub: uint8(sim.Gt), Type: t, A: left, B: b.v.reg, C: zero.r})
	case bPreDec:
		g.emit(sim.Instr{Op: sim.OpBin, Sub: uint8(sim.Ne), Type: t, A: left, B: b.v.reg, C: g.constReg(1, b.v.t).r})
	default:
		g.emit(sim.Instr{Op: sim.OpBin, Sub: uint8(sim.Ne), Type: t, A: left, B: b.v.reg, C: zero.r})
	}
	r := g.newReg()
	g.emit(sim.Instr{Op: sim.OpBin, Sub: uint8(sim.And), Type: sim.Int, A: r, B: live, C: left})
	return r
}

// expire emits the fix-up that leaves the bound's variable as it is after
// the bound ran out.
func (g *fn) expire(b *bound) {
	switch b.kind {
	case bPostDec, bPostDecGt0:
		g.emit(sim.Instr{Op: sim.OpConst, A: b.v.reg, Type: b.v.t.it, Imm: int64(truncate(^uint64(0), b.v.t.it))})
	case bPreDec:
		g.emit(sim.Instr{Op: sim.OpConst, A: b.v.reg, Type: b.v.t.it, Imm: 0})
	case bCounter:
		n := g.conv(g.value(b.limit), b.v.t)
		if b.le {
			one := g.constReg(1, b.v.t)
			g.emit(sim.Instr{Op: sim.OpBin, Sub: uint8(sim.Add), Type: b.v.t.it, A: b.v.reg, B: n.r, C: one.r})
		} else {
			g.emit(sim.Instr{Op: sim.OpMov, A: b.v.reg, B: n.r})
		}
	}
}

// condBlockOK checks the machine's rules for a condition block.
func (g *fn) condBlockOK(w sim.Wait) bool {
	for i := w.CondStart; i < w.CondEnd; i++ {
		in := g.f.Code[i]
		switch in.Op {
		case sim.OpPrim:
			if !sim.Prims[in.Sub].ReadOnly {
				return false
			}
		case sim.OpStoreG, sim.OpStorePCPU, sim.OpWait, sim.OpCall, sim.OpCallInd, sim.OpRet, sim.OpAtomic:
			return false
		case sim.OpJump, sim.OpBranch:
			if in.Target < w.CondStart || in.Target > w.CondEnd || in.Op == sim.OpBranch && (in.Target2 < w.CondStart || in.Target2 > w.CondEnd) {
				return false
			}
		}
	}
	return true
}

// pure reports whether evaluating e only reads state: no assignment, no
// call other than read-only prims, reading helpers and functions of the
// sources that are pure themselves.
func (g *fn) pure(e cfront.Expr, depth int) bool {
	if depth > 6 {
		return false
	}
	ok := true
	var check func(cfront.Expr)
	check = func(e cfront.Expr) {
		if !ok || e == nil {
			return
		}
		switch e := e.(type) {
		case *cfront.IntLit, *cfront.CharLit, *cfront.StringLit, *cfront.Ident, *cfront.SizeofExpr:
		case *cfront.UnaryExpr:
			if e.Op == "&" || e.Op == "*" {
				ok = false
				return
			}
			check(e.X)
		case *cfront.BinaryExpr:
			check(e.X)
			check(e.Y)
		case *cfront.CastExpr:
			check(e.X)
		case *cfront.CondExpr:
			check(e.Cond)
			check(e.Then)
			check(e.Else)
		case *cfront.CallExpr:
			ok = g.pureCall(e, depth)
		default:
			ok = false
		}
	}
	check(e)
	return ok
}

func (g *fn) pureCall(c *cfront.CallExpr, depth int) bool {
	if m, ok := c.Fun.(*cfront.MemberExpr); ok {
		tb := g.tableOf(m)
		if tb == nil {
			return false
		}
		v, ok := tb.fields[m.Name]
		id, isID := v.(*cfront.Ident)
		if !ok || !isID {
			return false
		}
		return g.pureCall(&cfront.CallExpr{Pos: c.Pos, Fun: id, Args: c.Args}, depth)
	}
	name := calleeName(c)
	for _, a := range c.Args {
		if name == "atomic_read" || name == "cpumask_test_cpu" || name == "cpumask_weight" {
			break // their &v arguments are reads
		}
		if !g.pure(a, depth) {
			return false
		}
	}
	if i, ok := g.c.funcIdx[name]; ok {
		return g.pureBody(g.c.funcs[i].decl.Body, depth+1)
	}
	switch name {
	case "likely", "unlikely", "READ_ONCE", "per_cpu", "atomic_read", "cpu_logical_map", "smp_processor_id",
		"raw_smp_processor_id", "time_before", "time_after", "time_before_eq", "time_after_eq", "cpumask_test_cpu", "cpumask_weight":
		return true
	}
	if p, ok := aliases[name]; ok {
		return sim.Prims[p].ReadOnly
	}
	if p, ok := sim.PrimByName(name); ok {
		return sim.Prims[p].ReadOnly && !sim.Prims[p].Mask
	}
	return false
}

// pureBody: a function body of declarations, ifs and returns over pure
// expressions, assigning only its own locals.
func (g *fn) pureBody(b *cfront.BlockStmt, depth int) bool {
	locals := map[string]bool{}
	var ok func(s cfront.Stmt) bool
	ok = func(s cfront.Stmt) bool {
		switch s := s.(type) {
		case *cfront.BlockStmt:
			for _, x := range s.Stmts {
				if !ok(x) {
					return false
				}
			}
			return true
		case *cfront.DeclStmt:
			for _, d := range s.Decls {
				if d.Static || d.Init != nil && !g.pure(d.Init, depth) {
					return false
				}
				locals[d.Name] = true
			}
			return true
		case *cfront.ReturnStmt:
			return s.Result == nil || g.pure(s.Result, depth)
		case *cfront.IfStmt:
			return g.pure(s.Cond, depth) && ok(s.Then) && (s.Else == nil || ok(s.Else))
		case *cfront.ExprStmt:
			if a, isA := s.X.(*cfront.AssignExpr); isA {
				if id, isID := a.X.(*cfront.Ident); isID && locals[id.Name] {
					return g.pure(a.Y, depth)
				}
			}
			return false
		case *cfront.EmptyStmt:
			return true
		}
		return false
	}
	return ok(b)
}

// inlineCall compiles a pure callee in place (inside a wait's condition
// block, where calls are not allowed).
func (g *fn) inlineCall(callee *funcDef, args []cfront.Expr, pos cfront.Pos) opnd {
	depth := 0
	if g.inline != nil {
		depth = g.inline.depth + 1
	}
	if depth > 6 {
		g.diag("unsupported", callee.decl.Name, pos, "calls compiled in place (in a wait condition, or with out parameters) nested too deeply")
		return g.constReg(0, tInt)
	}
	if len(args) != len(callee.prms) {
		// direct checks its calls; a thread table's functions come here
		// straight (wakeThread).
		g.diag("syntax", callee.decl.Name, pos, "%s called with %d arguments, defined with %d", callee.decl.Name, len(args), len(callee.prms))
		return g.constReg(0, tInt)
	}
	outs, _ := g.c.outParams(callee)
	// Parameters get fresh registers: the callee may assign them. An out
	// parameter is the caller's local (localaddr.go).
	scope := map[string]*local{}
	var regs []int32
	for k, a := range args {
		if outs[k] && k < len(callee.souts) && callee.souts[k] != "" {
			// A pointer to a local struct (localstruct.go).
			l, ok := g.structOutArg(callee, k, callee.souts[k], a, pos)
			if !ok {
				l = &outRef{s: &structLocal{name: "?", strct: callee.souts[k], bad: true}, strct: callee.souts[k]}
			}
			if p := callee.decl.Params[k]; p.Name != "" {
				scope[p.Name] = &local{reg: -1, mask: -1, t: callee.prms[k], out: l}
			}
			regs = append(regs, -1)
			continue
		}
		if outs[k] {
			l, ok := g.outArg(callee, k, a, pos)
			if !ok {
				l = &outRef{l: &local{reg: g.newReg(), t: tInt}}
			}
			if p := callee.decl.Params[k]; p.Name != "" {
				scope[p.Name] = &local{reg: -1, t: tPtr, out: l}
			}
			regs = append(regs, -1)
			continue
		}
		g.outPassed(a, callee.decl.Name)
		v := g.assignConv(g.expr(a), callee.prms[k])
		if v.r < 0 {
			v = g.constReg(0, tInt)
		}
		regs = append(regs, v.r)
	}
	for k, p := range callee.decl.Params {
		if outs[k] {
			continue
		}
		r := g.newReg()
		g.emit(sim.Instr{Op: sim.OpMov, A: r, B: regs[k]})
		if p.Name != "" {
			scope[p.Name] = &local{reg: r, t: callee.prms[k]}
		}
	}
	res := opnd{-1, callee.typ}
	if callee.typ.k != kVoid {
		res.r = g.newReg()
	}
	ctx := &inlineCtx{res: res, end: g.newLabel(), resT: callee.typ, parent: g.inline, depth: depth}
	savedScopes, savedLoops, savedU, savedName, savedAssigned, savedInline := g.scopes, g.loops, g.u, g.name, g.assigned, g.inline
	savedLabels, savedGotos := g.labels, g.gotos
	g.scopes, g.loops, g.u, g.name = []map[string]*local{scope}, nil, callee.u, callee.decl.Name
	g.assigned, g.inline = countAssignments(callee.decl.Body), ctx
	g.labels, g.gotos = map[string]*label{}, map[string]cfront.Pos{}
	g.block(callee.decl.Body)
	g.bind(ctx.end)
	g.scopes, g.loops, g.u, g.name, g.assigned, g.inline = savedScopes, savedLoops, savedU, savedName, savedAssigned, savedInline
	g.labels, g.gotos = savedLabels, savedGotos
	return res
}
