package compile

import (
	"github.com/patchcheck/patchcheck/semantics/cfront"
	"github.com/patchcheck/patchcheck/sim"
)

// lvalue is an assignable place.
type lvalue struct {
	kind int // lvReg, lvGlobal, lvPCPU
	reg  int32
	g    *global
	cpu  int32 // lvPCPU: register with the CPU id
	t    ctype
}

const (
	lvReg = iota
	lvGlobal
	lvPCPU
)

func (g *fn) load(lv lvalue) opnd {
	switch lv.kind {
	case lvReg:
		return opnd{lv.reg, lv.t}
	case lvGlobal:
		r := g.newReg()
		g.emit(sim.Instr{Op: sim.OpLoadG, A: r, Imm: int64(lv.g.idx), Type: lv.t.it})
		return opnd{r, lv.t}
	default:
		r := g.newReg()
		g.emit(sim.Instr{Op: sim.OpLoadPCPU, A: r, B: lv.cpu, Imm: int64(lv.g.idx), Type: lv.t.it})
		return opnd{r, lv.t}
	}
}

func (g *fn) store(lv lvalue, v opnd) {
	if v.r < 0 {
		return
	}
	switch lv.kind {
	case lvReg:
		if v.r != lv.reg {
			g.emit(sim.Instr{Op: sim.OpMov, A: lv.reg, B: v.r})
		}
	case lvGlobal:
		g.emit(sim.Instr{Op: sim.OpStoreG, A: v.r, Imm: int64(lv.g.idx), Type: lv.t.it})
	default:
		g.emit(sim.Instr{Op: sim.OpStorePCPU, A: v.r, B: lv.cpu, Imm: int64(lv.g.idx), Type: lv.t.it})
	}
}

// lval resolves an assignable expression: a local, a global, per_cpu(v, cpu),
// this_cpu_* places, or *&x.
func (g *fn) lval(e cfront.Expr) (lvalue, bool) {
	switch e := e.(type) {
	case *cfront.Ident:
		if l := g.lookup(e.Name); l != nil {
			if l.glob != nil {
				return lvalue{kind: lvGlobal, g: l.glob, t: l.t}, true
			}
			if l.reg < 0 {
				g.diag("unsupported", e.Name, e.Pos, "%s is not a scalar variable", e.Name)
				return lvalue{}, false
			}
			return lvalue{kind: lvReg, reg: l.reg, t: l.t}, true
		}
		if gl, ok := g.c.globals[e.Name]; ok {
			if gl.perCPU {
				g.diag("unsupported", e.Name, e.Pos, "per-CPU variable %s used without per_cpu()", e.Name)
				return lvalue{}, false
			}
			return lvalue{kind: lvGlobal, g: gl, t: gl.typ}, true
		}
		g.diag("unknown-identifier", e.Name, e.Pos, "%s is not declared in the sources", e.Name)
		return lvalue{}, false
	case *cfront.CallExpr:
		id, ok := e.Fun.(*cfront.Ident)
		if !ok {
			break
		}
		switch id.Name {
		case "per_cpu":
			if len(e.Args) == 2 {
				return g.pcpuPlace(e.Args[0], g.value(e.Args[1]), e.Pos)
			}
		case "this_cpu_ptr", "raw_cpu_ptr":
			if len(e.Args) == 1 {
				return g.lval(e.Args[0])
			}
		case "READ_ONCE", "WRITE_ONCE":
			if len(e.Args) >= 1 {
				return g.lval(e.Args[0])
			}
		}
	case *cfront.UnaryExpr:
		if e.Op == "*" {
			if a, ok := e.X.(*cfront.UnaryExpr); ok && a.Op == "&" {
				return g.lval(a.X)
			}
			if p, ok := g.fieldPtrOf(e.X); ok && p.t.k == kFieldPtr {
				return g.fieldPlace(p), true
			}
			if lv, ok := g.outPlace(e.X); ok {
				return lv, true
			}
		}
	case *cfront.MemberExpr:
		if lv, ok, done := g.structField(e); done {
			return lv, ok
		}
		if lv, ok, done := g.pcpuField(e); done {
			return lv, ok && g.notCompletion(lv, e)
		}
	case *cfront.IndexExpr:
		// name[cpu] of an array with one element per CPU.
		if id, ok := e.X.(*cfront.Ident); ok && g.lookup(id.Name) == nil {
			if gl, ok := g.c.globals[id.Name]; ok && gl.cpuArray {
				cpu := g.conv(g.value(e.Index), tUint)
				return lvalue{kind: lvPCPU, g: gl, cpu: cpu.r, t: gl.typ}, true
			}
		}
		g.diag("unsupported", "", e.Position(), "index of something that is not an array with one element per CPU (T name[NR_CPUS])")
		return lvalue{}, false
	}
	g.diag("unsupported", "", e.Position(), "cannot assign to this expression")
	return lvalue{}, false
}

// pcpuPlace is per_cpu(name, cpu).
func (g *fn) pcpuPlace(v cfront.Expr, cpu opnd, pos cfront.Pos) (lvalue, bool) {
	id, ok := v.(*cfront.Ident)
	if !ok {
		g.diag("unsupported", "per_cpu", pos, "per_cpu of a non-variable")
		return lvalue{}, false
	}
	gl, ok := g.c.globals[id.Name]
	if !ok || !gl.perCPU || gl.cpuArray {
		g.diag("unknown-identifier", id.Name, pos, "%s is not a per-CPU variable", id.Name)
		return lvalue{}, false
	}
	cpu = g.conv(cpu, tUint)
	return lvalue{kind: lvPCPU, g: gl, cpu: cpu.r, t: gl.typ}, true
}

// addrPlace resolves &x (the operand of atomic_* and friends).
func (g *fn) addrPlace(e cfront.Expr) (lvalue, bool) {
	switch e.(type) {
	case *cfront.Ident, *cfront.CallExpr:
		// A pointer to a per-CPU struct's field, held or made in place.
		if p, ok := g.fieldPtrOf(e); ok {
			if p.t.k != kFieldPtr {
				return lvalue{}, false // reported
			}
			return g.fieldPlace(p), true
		}
	}
	if u, ok := e.(*cfront.UnaryExpr); ok && u.Op == "&" {
		return g.lval(u.X)
	}
	if c, ok := e.(*cfront.CallExpr); ok {
		if id, ok := c.Fun.(*cfront.Ident); ok && (id.Name == "this_cpu_ptr" || id.Name == "per_cpu_ptr") {
			if id.Name == "per_cpu_ptr" && len(c.Args) == 2 {
				if u, ok := c.Args[0].(*cfront.UnaryExpr); ok && u.Op == "&" {
					return g.pcpuPlace(u.X, g.value(c.Args[1]), c.Pos)
				}
			}
		}
	}
	g.diag("unsupported", "", e.Position(), "expected &variable")
	return lvalue{}, false
}

func (g *fn) void() opnd { return opnd{-1, tVoid} }

// value compiles an expression whose value is used: a void value is
// reported and replaced by 0, so that no instruction reads register -1.
func (g *fn) value(e cfront.Expr) opnd {
	v := g.expr(e)
	if v.r < 0 {
		g.diag("syntax", "", e.Position(), "void value used in an expression")
		return g.constReg(0, tInt)
	}
	return v
}

// expr compiles an expression for its value.
func (g *fn) expr(e cfront.Expr) opnd {
	if !g.deeper(e.Position()) {
		return g.constReg(0, tInt)
	}
	defer func() { g.depth-- }()
	switch e := e.(type) {
	case *cfront.IntLit:
		t := intLitType(e)
		return g.constReg(int64(e.Value), t)
	case *cfront.CharLit:
		return g.constReg(e.Value, tInt)
	case *cfront.StringLit:
		return g.constReg(g.c.str(e.Value), tStr)
	case *cfront.Ident:
		return g.ident(e)
	case *cfront.CallExpr:
		return g.call(e)
	case *cfront.BinaryExpr:
		return g.binary(e)
	case *cfront.UnaryExpr:
		return g.unary(e)
	case *cfront.IncDecExpr:
		lv, ok := g.lval(e.X)
		if !ok {
			return g.constReg(0, tInt)
		}
		old := g.load(lv)
		if lv.kind == lvReg {
			// Keep the old value: the register is about to change.
			r := g.newReg()
			g.emit(sim.Instr{Op: sim.OpMov, A: r, B: old.r})
			old = opnd{r, old.t}
		}
		pt := ctype{k: kInt, it: promote(lv.t.it)}
		x := g.conv(old, pt)
		one := g.constReg(1, pt)
		op := sim.Add
		if e.Op == "--" {
			op = sim.Sub
		}
		r := g.newReg()
		g.emit(sim.Instr{Op: sim.OpBin, Sub: uint8(op), Type: pt.it, A: r, B: x.r, C: one.r})
		nv := g.conv(opnd{r, pt}, lv.t)
		g.store(lv, nv)
		if e.Post {
			return old
		}
		return nv
	case *cfront.AssignExpr:
		return g.assign(e)
	case *cfront.CondExpr:
		then, els, end := g.newLabel(), g.newLabel(), g.newLabel()
		g.cond(e.Cond, then, els)
		res := g.newReg()
		g.bind(then)
		a := g.expr(e.Then)
		// The result type needs both arms; compile the else arm after
		// choosing the type from the then arm and converting both.
		thenEnd := g.pc()
		_ = thenEnd
		rt := a.t
		if a.t.k == kInt {
			rt = ctype{k: kInt, it: promote(a.t.it)}
			if bt, ok := g.staticType(e.Else); ok && bt.k == kInt {
				rt = ctype{k: kInt, it: common(a.t.it, bt.it)}
			}
		}
		a = g.assignConv(a, rt)
		if a.r >= 0 {
			g.emit(sim.Instr{Op: sim.OpMov, A: res, B: a.r})
		}
		g.jump(end)
		g.bind(els)
		b := g.assignConv(g.expr(e.Else), rt)
		if b.r >= 0 {
			g.emit(sim.Instr{Op: sim.OpMov, A: res, B: b.r})
		}
		g.bind(end)
		if rt.k == kVoid {
			return g.void()
		}
		return opnd{res, rt}
	case *cfront.CastExpr:
		t := g.c.resolveType(g.u, e.Type, g.name)
		v := g.expr(e.X)
		if t.k == kVoid {
			return g.void()
		}
		if t.k == kInt && v.t.k != kVoid {
			return g.conv(v, t)
		}
		return opnd{v.r, t}
	case *cfront.SizeofExpr:
		if e.Type != nil {
			if n, ok := g.c.sizeOf(g.u, e.Type, g.name); ok {
				return g.constReg(n, tUlong)
			}
		} else if id, ok := e.X.(*cfront.Ident); ok && g.lookup(id.Name) == nil && intTypes[id.Name].Bits > 0 {
			// sizeof(u8): the grammar cannot tell a typedef name from a variable.
			if n, ok := g.c.sizeOf(g.u, &cfront.Type{Name: id.Name}, g.name); ok {
				return g.constReg(n, tUlong)
			}
		} else if t, ok := g.staticType(e.X); ok && t.k == kInt {
			n := int64(t.it.Bits / 8)
			if n == 0 {
				n = 1
			}
			return g.constReg(n, tUlong)
		}
		g.diag("unsupported", "sizeof", e.Pos, "sizeof of this type")
		return g.constReg(0, tUlong)
	case *cfront.CommaExpr:
		var v opnd
		for _, x := range e.List {
			v = g.expr(x)
		}
		return v
	case *cfront.MemberExpr:
		return g.memberValue(e)
	case *cfront.IndexExpr:
		lv, ok := g.lval(e)
		if !ok {
			return g.constReg(0, tInt)
		}
		return g.load(lv)
	case *cfront.BadExpr:
		return g.constReg(0, tInt)
	}
	g.diag("unsupported", "", e.Position(), "expression %T", e)
	return g.constReg(0, tInt)
}

// nullTest reports a NULL test of a per-CPU struct pointer: its value is
// the CPU index, and CPU 0 is not NULL.
func (g *fn) nullTest(v opnd, pos cfront.Pos) {
	if g.isPCPUStructPtr(v.t) {
		g.diag("unsupported", "", pos, "NULL test of a per-CPU struct pointer (its value is the CPU index)")
	}
}

// staticType is the type of an expression without compiling it, for the
// simple cases where the compiler needs it ahead of time.
func (g *fn) staticType(e cfront.Expr) (ctype, bool) {
	switch e := e.(type) {
	case *cfront.IntLit:
		return intLitType(e), true
	case *cfront.Ident:
		if l := g.lookup(e.Name); l != nil {
			return l.t, true
		}
		if gl, ok := g.c.globals[e.Name]; ok {
			return gl.typ, true
		}
		if _, t, ok := g.c.lookupConst(e.Name); ok {
			return t, true
		}
	case *cfront.CastExpr:
		return g.c.resolveType(g.u, e.Type, g.name), true
	case *cfront.MemberExpr:
		return g.structFieldType(e)
	case *cfront.BinaryExpr:
		if e.Op == "+" {
			for _, x := range []cfront.Expr{e.X, e.Y} {
				if et := g.entryTableNamed(x); et != nil {
					return ctype{k: kStructPtr, it: sim.Ulong, name: et.strct}, true
				}
			}
		}
	case *cfront.IndexExpr:
		if id, ok := e.X.(*cfront.Ident); ok && g.lookup(id.Name) == nil {
			if gl, ok := g.c.globals[id.Name]; ok && gl.cpuArray {
				return gl.typ, true
			}
		}
	case *cfront.UnaryExpr:
		if ix, ok := e.X.(*cfront.IndexExpr); ok && e.Op == "&" {
			if et := g.entryTableNamed(ix.X); et != nil {
				return ctype{k: kStructPtr, it: sim.Ulong, name: et.strct}, true
			}
		}
		if t, ok := g.staticType(e.X); ok && t.k == kInt && (e.Op == "-" || e.Op == "~" || e.Op == "+") {
			return ctype{k: kInt, it: promote(t.it)}, true
		}
		if e.Op == "!" {
			return tInt, true
		}
	case *cfront.CallExpr:
		if id, ok := e.Fun.(*cfront.Ident); ok {
			if i, ok := g.c.funcIdx[id.Name]; ok {
				return g.c.funcs[i].typ, true
			}
		}
	}
	return ctype{}, false
}

func (g *fn) ident(e *cfront.Ident) opnd {
	if l := g.lookup(e.Name); l != nil {
		if l.glob != nil {
			return g.load(lvalue{kind: lvGlobal, g: l.glob, t: l.t})
		}
		if l.out != nil && l.out.strct != "" {
			g.structAddrUsed(l.out.name(), e.Pos, "used as a value (through "+e.Name+": stored, returned, compared or passed on)")
			return g.constReg(0, tPtr)
		}
		if l.out != nil {
			return g.outValue(l)
		}
		if l.reg < 0 {
			g.diag("unsupported", e.Name, e.Pos, "%s used as a value", e.Name)
			return g.constReg(0, tInt)
		}
		return opnd{l.reg, l.t}
	}
	if gl, ok := g.c.globals[e.Name]; ok {
		if gl.perCPU {
			g.diag("unsupported", e.Name, e.Pos, "per-CPU variable %s used without per_cpu()", e.Name)
			return g.constReg(0, gl.typ)
		}
		return g.load(lvalue{kind: lvGlobal, g: gl, t: gl.typ})
	}
	if v, t, ok := g.c.lookupConst(e.Name); ok {
		return g.constReg(v, t)
	}
	switch e.Name {
	case "jiffies", "jiffies_64":
		r := g.newReg()
		g.emit(sim.Instr{Op: sim.OpPrim, Sub: uint8(sim.PrimJiffies), A: r})
		return opnd{r, tUlong}
	case "cpu_online_mask", "cpu_possible_mask", "cpu_present_mask", "cpu_active_mask":
		// The machine's masks as opaque pointer values (they are passed
		// to helpers of the sources that ignore or compare them).
		return g.constReg(map[string]int64{"cpu_online_mask": 1, "cpu_possible_mask": 2, "cpu_present_mask": 3, "cpu_active_mask": 4}[e.Name], tPtr)
	case "nr_cpu_ids":
		r := g.newReg()
		g.emit(sim.Instr{Op: sim.OpPrim, Sub: uint8(sim.PrimNrCPUs), A: r})
		return opnd{r, tUint}
	}
	if i, ok := g.c.funcIdx[e.Name]; ok {
		if _, any := g.c.outParams(g.c.funcs[i]); any {
			g.diag("unsupported", e.Name, e.Pos, "a reference to %s, which has out parameters and is compiled in place at each call", e.Name)
		}
		r := g.newReg()
		g.emit(sim.Instr{Op: sim.OpFuncRef, A: r, Imm: int64(i)})
		return opnd{r, tFunc}
	}
	if cd, ok := g.c.consts[e.Name]; ok && cd.expr != nil && cd.state != 1 {
		// A #define whose value is not a constant: expand it here.
		cd.state = 1
		v := g.expr(cd.expr)
		cd.state = 3
		return v
	}
	if tb, ok := g.c.tables[e.Name]; ok {
		return g.constReg(tb.id, ctype{k: kStruct, it: sim.Ulong, name: tb.strct})
	}
	g.diag("unknown-identifier", e.Name, e.Pos, "%s is not declared in the sources", e.Name)
	return g.constReg(0, tInt)
}

func (g *fn) assign(e *cfront.AssignExpr) opnd {
	if g.taskFlag(e) {
		return g.void()
	}
	if id, ok := e.X.(*cfront.Ident); ok && e.Op == "=" && g.relocRef(e.Y) {
		if l := g.lookup(id.Name); l != nil && l.reg >= 0 && l.glob == nil && g.assigned[id.Name] == 1 {
			l.reloc = true
			return g.void()
		}
	}
	lv, ok := g.lval(e.X)
	if !ok {
		g.expr(e.Y)
		return g.constReg(0, tInt)
	}
	if e.Op == "=" {
		v := g.assignConv(g.expr(e.Y), lv.t)
		if lv.t.k == kStructPtr && v.r >= 0 {
			// A struct pointer must stay a table id.
			v.t = lv.t
		}
		g.store(lv, v)
		return v
	}
	opName := e.Op[:len(e.Op)-1]
	op, ok := binOps[opName]
	if !ok {
		g.diag("unsupported", e.Op, e.Pos, "operator %s", e.Op)
		return g.constReg(0, tInt)
	}
	x := g.load(lv)
	y := g.value(e.Y)
	t := ctype{k: kInt, it: common(x.t.it, y.t.it)}
	if op == sim.Shl || op == sim.Shr {
		t = ctype{k: kInt, it: promote(x.t.it)}
	}
	a, b := g.conv(x, t), g.conv(y, t)
	r := g.newReg()
	g.emit(sim.Instr{Op: sim.OpBin, Sub: uint8(op), Type: t.it, A: r, B: a.r, C: b.r})
	v := g.conv(opnd{r, t}, lv.t)
	g.store(lv, v)
	return v
}

// taskFlags are the flags of the running task (current->flags) the paths
// set, and why setting them changes nothing on the machine, which has one
// task per CPU: the reboot task on the boot CPU and the idle tasks.
var taskFlags = map[string]string{
	// cpu_startup_entry(): the task becomes the CPU's idle task, which the
	// machine's secondaries are from their entry (idle_task_exit() and
	// the idle wait know it).
	"PF_IDLE": "idle task",
	// migrate_to_reboot_cpu(): no other task migrates the reboot task,
	// which the machine never moves.
	"PF_NO_SETAFFINITY": "no migration",
}

// taskFlag reports whether e is current->flags |= F for a flag of
// taskFlags; any other access to current is outside the subset.
func (g *fn) taskFlag(e *cfront.AssignExpr) bool {
	m, ok := e.X.(*cfront.MemberExpr)
	if !ok || !m.Arrow || m.Name != "flags" || e.Op != "|=" {
		return false
	}
	if id, ok := m.X.(*cfront.Ident); !ok || id.Name != "current" || g.lookup("current") != nil {
		return false
	}
	f, ok := e.Y.(*cfront.Ident)
	_, known := taskFlags[f.Name]
	return ok && known
}

func (g *fn) binary(e *cfront.BinaryExpr) opnd {
	if p, ok := g.entryPtr(e); ok {
		return p
	}
	switch e.Op {
	case "&&", "||":
		t, f, end := g.newLabel(), g.newLabel(), g.newLabel()
		r := g.newReg()
		g.cond(e, t, f)
		g.bind(t)
		g.emit(sim.Instr{Op: sim.OpConst, A: r, Type: sim.Int, Imm: 1})
		g.jump(end)
		g.bind(f)
		g.emit(sim.Instr{Op: sim.OpConst, A: r, Type: sim.Int, Imm: 0})
		g.bind(end)
		return opnd{r, tInt}
	}
	op, ok := binOps[e.Op]
	if !ok {
		g.diag("unsupported", e.Op, e.Pos, "operator %s", e.Op)
		return g.constReg(0, tInt)
	}
	x := g.expr(e.X)
	y := g.expr(e.Y)
	if x.t.k == kVoid || y.t.k == kVoid {
		g.diag("syntax", e.Op, e.Pos, "void value in an expression")
		return g.constReg(0, tInt)
	}
	if x.t.k != kInt || y.t.k != kInt {
		// Pointers: only comparisons (ops == NULL) and equality of ids.
		if op == sim.Eq || op == sim.Ne {
			if g.isPCPUStructPtr(x.t) != g.isPCPUStructPtr(y.t) {
				g.diag("unsupported", e.Op, e.Pos, "comparison of a per-CPU struct pointer (its value is the CPU index) with another pointer")
			}
			r := g.newReg()
			g.emit(sim.Instr{Op: sim.OpBin, Sub: uint8(op), Type: sim.Ulong, A: r, B: x.r, C: y.r})
			return opnd{r, tInt}
		}
		g.diag("unsupported", e.Op, e.Pos, "pointer arithmetic")
		return g.constReg(0, tInt)
	}
	t := common(x.t.it, y.t.it)
	if op == sim.Shl || op == sim.Shr {
		t = promote(x.t.it)
	}
	ct := ctype{k: kInt, it: t}
	a, b := g.conv(x, ct), g.conv(y, ct)
	r := g.newReg()
	g.emit(sim.Instr{Op: sim.OpBin, Sub: uint8(op), Type: t, A: r, B: a.r, C: b.r})
	if op >= sim.Eq {
		return opnd{r, tInt}
	}
	return opnd{r, ct}
}

func (g *fn) unary(e *cfront.UnaryExpr) opnd {
	switch e.Op {
	case "&":
		if name, ok := g.localStructAddr(e); ok {
			g.structAddrUsed(name, e.Pos, "used as a value (stored, returned, compared or passed on)")
			return g.constReg(0, tPtr)
		}
		if _, ok := e.X.(*cfront.MemberExpr); ok {
			if v, ok := g.fieldPtrOf(e); ok {
				return v
			}
		}
		if id, ok := e.X.(*cfront.Ident); ok {
			if l := g.lookup(id.Name); l != nil && l.opaque {
				// Not NULL; nothing reads through it.
				return g.constReg(1, ctype{k: kStructPtr, it: sim.Ulong, name: l.t.name})
			}
			if tb, ok := g.c.tables[id.Name]; ok {
				return g.constReg(tb.id, ctype{k: kStructPtr, it: sim.Ulong, name: tb.strct})
			}
			if i, ok := g.c.funcIdx[id.Name]; ok {
				r := g.newReg()
				g.emit(sim.Instr{Op: sim.OpFuncRef, A: r, Imm: int64(i)})
				return opnd{r, tFunc}
			}
		}
		if p, ok := g.entryPtr(e); ok {
			return p
		}
		g.diag("unsupported", "&", e.Pos, "address of a variable outside the calls that take one (atomic_*, cpumask_*)")
		return g.constReg(0, tPtr)
	case "*":
		if a, ok := e.X.(*cfront.UnaryExpr); ok && a.Op == "&" {
			return g.expr(a.X)
		}
		if p, ok := g.fieldPtrOf(e.X); ok && p.t.k == kFieldPtr {
			return g.load(g.fieldPlace(p))
		}
		if lv, ok := g.outPlace(e.X); ok {
			return g.load(lv)
		}
		g.diag("unsupported", "*", e.Pos, "pointer dereference")
		return g.constReg(0, tInt)
	case "!":
		x := g.value(e.X)
		g.nullTest(x, e.Pos)
		r := g.newReg()
		t := x.t.it
		if x.t.k != kInt {
			t = sim.Ulong
		}
		g.emit(sim.Instr{Op: sim.OpUn, Sub: uint8(sim.Not), Type: t, A: r, B: x.r})
		return opnd{r, tInt}
	}
	x := g.value(e.X)
	if x.t.k != kInt {
		g.diag("unsupported", e.Op, e.Pos, "operator %s on a non-integer", e.Op)
		return g.constReg(0, tInt)
	}
	pt := ctype{k: kInt, it: promote(x.t.it)}
	x = g.conv(x, pt)
	switch e.Op {
	case "+":
		return x
	case "-":
		r := g.newReg()
		g.emit(sim.Instr{Op: sim.OpUn, Sub: uint8(sim.Neg), Type: pt.it, A: r, B: x.r})
		return opnd{r, pt}
	case "~":
		r := g.newReg()
		g.emit(sim.Instr{Op: sim.OpUn, Sub: uint8(sim.BitNot), Type: pt.it, A: r, B: x.r})
		return opnd{r, pt}
	}
	g.diag("unsupported", e.Op, e.Pos, "operator %s", e.Op)
	return g.constReg(0, tInt)
}

// cond compiles a condition into jumps, short-circuiting && and ||.
func (g *fn) cond(e cfront.Expr, t, f *label) {
	switch e := e.(type) {
	case *cfront.BinaryExpr:
		switch e.Op {
		case "&&":
			mid := g.newLabel()
			g.cond(e.X, mid, f)
			g.bind(mid)
			g.cond(e.Y, t, f)
			return
		case "||":
			mid := g.newLabel()
			g.cond(e.X, t, mid)
			g.bind(mid)
			g.cond(e.Y, t, f)
			return
		}
	case *cfront.UnaryExpr:
		if e.Op == "!" {
			g.cond(e.X, f, t)
			return
		}
	case *cfront.Ident:
		// A pointer to a local struct is not NULL (unless it is NULL).
		if r := g.structRef(e); r != nil {
			v := int64(1)
			if r.null {
				v = 0
			}
			g.branch(g.constReg(v, tInt).r, t, f)
			return
		}
	case *cfront.CallExpr:
		// likely()/unlikely() are branch hints.
		if id, ok := e.Fun.(*cfront.Ident); ok && (id.Name == "likely" || id.Name == "unlikely") && len(e.Args) == 1 && !g.defined(id.Name) {
			g.cond(e.Args[0], t, f)
			return
		}
	}
	v := g.expr(e)
	if v.r < 0 {
		g.diag("syntax", "", e.Position(), "void value used as a condition")
		g.jump(f)
		return
	}
	g.nullTest(v, e.Position())
	g.branch(v.r, t, f)
}

func (g *fn) defined(name string) bool {
	_, ok := g.c.funcIdx[name]
	return ok
}

// staticTable returns the ops table a struct pointer expression provably
// points to: &table, or a call of a function whose every return statement
// returns &table for the same table.
func (g *fn) staticTable(e cfront.Expr) *table {
	switch e := e.(type) {
	case *cfront.UnaryExpr:
		if id, ok := e.X.(*cfront.Ident); ok && e.Op == "&" {
			return g.c.tables[id.Name]
		}
	case *cfront.CastExpr:
		return g.staticTable(e.X)
	case *cfront.Ident:
		if l := g.lookup(e.Name); l != nil {
			return l.table
		}
	case *cfront.CallExpr:
		id, ok := e.Fun.(*cfront.Ident)
		if !ok {
			return nil
		}
		i, ok := g.c.funcIdx[id.Name]
		if !ok {
			return nil
		}
		var found *table
		same := true
		walk(g.c.funcs[i].decl.Body, func(n cfront.Node) {
			r, ok := n.(*cfront.ReturnStmt)
			if !ok {
				return
			}
			var tb *table
			if u, ok := r.Result.(*cfront.UnaryExpr); ok && u.Op == "&" {
				if id, ok := u.X.(*cfront.Ident); ok {
					tb = g.c.tables[id.Name]
				}
			}
			if tb == nil || found != nil && found != tb {
				same = false
			}
			found = tb
		})
		if same {
			return found
		}
	}
	return nil
}
