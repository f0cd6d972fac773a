package compile

import (
	"github.com/patchcheck/patchcheck/semantics/cfront"
	"github.com/patchcheck/patchcheck/sim"
)

// opnd is the value of an expression: a register and its type. A void
// expression has r < 0.
type opnd struct {
	r int32
	t ctype
}

// local is a variable of a function.
type local struct {
	reg   int32
	mask  int32 // mask slot for cpumask locals
	t     ctype
	table *table // statically known ops table a struct pointer local points to
	glob  *global
	// opaque: a struct object the machine keeps no state of (struct
	// pt_regs); only its address is used, passed to calls.
	opaque bool
	// reloc: a pointer assigned once, from the address of the kexec
	// relocation (relocRef); a call through it is the relocation.
	reloc bool
	// choice: a pointer chosen between two per-CPU fields (machinestate.go).
	choice *fieldChoice
	// out: an out parameter of an inlined callee, the caller's place it
	// points to (localaddr.go), or a local initialised from a pointer to
	// a local struct (localstruct.go).
	out *outRef
	// strct: a local struct, one local per scalar field (localstruct.go).
	strct *structLocal
}

// label is a code position that jumps may refer to before it is known.
type label struct {
	pc    int32
	refs  []jref
	bound bool
}

// jref is a jump field waiting for a label: Target (or Target2) of Code[pc].
type jref struct {
	pc     int32
	second bool
}

type loopCtx struct {
	brk, cont *label
}

// fn compiles one function.
type fn struct {
	c      *compiler
	def    *funcDef
	u      *unit
	f      *sim.Func
	name   string
	scopes []map[string]*local
	loops  []loopCtx
	labels map[string]*label
	gotos  map[string]cfront.Pos
	loc    int32
	pos    cfront.Pos // of the statement or call being compiled (setLoc)
	// inline, when set, compiles a callee's body into the current
	// function (inside wait conditions): return stores to inline.res and
	// jumps to inline.end.
	inline *inlineCtx
	// assigned counts assignments to locals (used to prove a struct
	// pointer local constant).
	assigned map[string]int
	// waitMode is set while a wait's condition block is compiled: calls of
	// functions of the sources are inlined there.
	waitMode bool
	// konst holds the values of temporaries made by constReg.
	konst map[int32]int64
	// depth is the nesting of statements and expressions being compiled
	// (see limits.go); deepReported: the error was reported.
	depth        int
	deepReported bool
	// behalf: the code being compiled runs on another CPU's behalf
	// (kthread.go), the CPU in register selfReg.
	behalf  bool
	selfReg int32
}

type inlineCtx struct {
	res    opnd
	end    *label
	resT   ctype
	parent *inlineCtx
	depth  int
}

func (c *compiler) compileFunc(i int) {
	def := c.funcs[i]
	g := &fn{c: c, def: def, u: def.u, f: &c.prog.Funcs[i], name: def.decl.Name,
		labels: map[string]*label{}, gotos: map[string]cfront.Pos{}}
	g.setLoc(def.decl.Pos)
	g.pushScope()
	for k, p := range def.decl.Params {
		r := g.newReg()
		l := &local{reg: r, t: def.prms[k]}
		if def.prms[k].k == kMask {
			c.diag("unsupported", p.Name, g.locOf(p.Pos), "cpumask parameter %s", p.Name)
		}
		if p.Name != "" {
			g.scopes[0][p.Name] = l
		}
	}
	if _, any := c.outParams(def); any {
		g.compileOutOnly()
	} else {
		g.assigned = countAssignments(def.decl.Body)
		g.block(def.decl.Body)
		if def.decl.Body.End.IsValid() {
			g.setLoc(def.decl.Body.End)
		}
		g.emit(sim.Instr{Op: sim.OpRet, A: -1})
	}
	for name, l := range g.labels {
		if !l.bound {
			c.diag("syntax", name, g.locOf(g.gotos[name]), "goto %s: no such label in %s", name, g.name)
			g.bind(l) // keep the program well-formed: jump to the final return
		}
	}
	g.f.CPUReg = append(g.f.CPUReg, make([]bool, g.f.NumRegs-len(g.f.CPUReg))...)
	g.checkSize()
}

func (g *fn) locOf(p cfront.Pos) sim.Loc { return g.c.loc(g.u, p, g.name) }

func (g *fn) setLoc(p cfront.Pos) {
	if p.IsValid() {
		g.loc = g.c.locIndex(g.locOf(p))
		g.pos = p
	}
}

func (g *fn) diag(kind, name string, p cfront.Pos, format string, args ...any) {
	g.c.diag(kind, name, g.locOf(p), format, args...)
}

func (g *fn) newReg() int32 {
	r := int32(g.f.NumRegs)
	g.f.NumRegs++
	return r
}

func (g *fn) pc() int32 { return int32(len(g.f.Code)) }

func (g *fn) emit(in sim.Instr) int32 {
	in.Loc = g.loc
	if g.behalf && (in.Op == sim.OpCall || in.Op == sim.OpFuncRef) {
		g.c.onBehalf = append(g.c.onBehalf, onBehalf{callee: int(in.Imm), caller: g.name, loc: g.locOf(g.pos)})
	}
	g.f.Code = append(g.f.Code, in)
	return int32(len(g.f.Code) - 1)
}

func (g *fn) newLabel() *label { return &label{} }

func (g *fn) bind(l *label) {
	l.pc, l.bound = g.pc(), true
	for _, r := range l.refs {
		if r.second {
			g.f.Code[r.pc].Target2 = l.pc
		} else {
			g.f.Code[r.pc].Target = l.pc
		}
	}
	l.refs = nil
}

// ref makes the jump field at pc's instruction (Target or Target2) point at l.
func (g *fn) ref(pc int32, second bool, l *label) {
	if !l.bound {
		l.refs = append(l.refs, jref{pc, second})
		return
	}
	if second {
		g.f.Code[pc].Target2 = l.pc
	} else {
		g.f.Code[pc].Target = l.pc
	}
}

func (g *fn) jump(l *label) {
	pc := g.emit(sim.Instr{Op: sim.OpJump})
	g.ref(pc, false, l)
}

func (g *fn) branch(r int32, t, f *label) {
	pc := g.emit(sim.Instr{Op: sim.OpBranch, A: r})
	g.ref(pc, false, t)
	g.ref(pc, true, f)
}

func (g *fn) pushScope() { g.scopes = append(g.scopes, map[string]*local{}) }
func (g *fn) popScope()  { g.scopes = g.scopes[:len(g.scopes)-1] }

func (g *fn) lookup(name string) *local {
	for i := len(g.scopes) - 1; i >= 0; i-- {
		if l, ok := g.scopes[i][name]; ok {
			return l
		}
	}
	return nil
}

func (g *fn) constReg(v int64, t ctype) opnd {
	r := g.newReg()
	imm := int64(truncate(uint64(v), t.it))
	g.emit(sim.Instr{Op: sim.OpConst, A: r, Type: t.it, Imm: imm})
	if g.konst == nil {
		g.konst = map[int32]int64{}
	}
	g.konst[r] = imm // a temporary: written once, here
	return opnd{r, t}
}

// conv converts an integer operand to type t.
func (g *fn) conv(o opnd, t ctype) opnd {
	g.fieldPtrLost(o, t)
	if o.r < 0 || t.k != kInt || o.t.k != kInt && o.t.k != kStructPtr && o.t.k != kPtr && o.t.k != kFunc && o.t.k != kString {
		return opnd{o.r, t}
	}
	if o.t.it == t.it {
		return opnd{o.r, t}
	}
	if v, ok := g.konst[o.r]; ok && o.t.k == kInt {
		// Fold the conversion of a constant.
		return g.constReg(int64(truncate(truncate(uint64(v), o.t.it), t.it)), t)
	}
	r := g.newReg()
	g.emit(sim.Instr{Op: sim.OpConv, A: r, B: o.r, Type: o.t.it, Type2: t.it})
	return opnd{r, t}
}

// assignConv converts a value for storing into a variable of type t.
func (g *fn) assignConv(o opnd, t ctype) opnd {
	g.fieldPtrLost(o, t)
	switch t.k {
	case kInt:
		if o.t.k == kVoid {
			return g.constReg(0, t)
		}
		return g.conv(o, t)
	}
	return opnd{o.r, t}
}

// ---- statements ----

func (g *fn) block(b *cfront.BlockStmt) {
	g.pushScope()
	dead := false
	for _, s := range b.Stmts {
		if dead {
			// After an if on a constant table field whose arm returns
			// (steptable.go): only a label a compiled goto names is
			// reached.
			if !g.liveLabel(s) {
				continue
			}
			dead = false
		}
		g.stmt(s)
		if is, ok := s.(*cfront.IfStmt); ok {
			if v, known := g.constEntryCond(is.Cond); known {
				arm := is.Then
				if !v {
					arm = is.Else
				}
				dead = arm != nil && endsInReturn(arm)
			}
		}
	}
	g.popScope()
}

func (g *fn) stmt(s cfront.Stmt) {
	g.setLoc(s.Position())
	if !g.deeper(s.Position()) {
		return
	}
	defer func() { g.depth-- }()
	switch s := s.(type) {
	case *cfront.BlockStmt:
		g.block(s)
	case *cfront.DeclStmt:
		for _, d := range s.Decls {
			g.declLocal(d)
		}
	case *cfront.ExprStmt:
		g.expr(s.X)
	case *cfront.EmptyStmt:
	case *cfront.IfStmt:
		v, ok := g.configCond(s.Cond)
		if !ok {
			v, ok = g.constEntryCond(s.Cond)
		}
		if ok {
			// The build leaves out the arm a configuration helper rules
			// out (efi_enabled() is false on the machine, and efi_reboot()
			// is not compiled), as the kernel's stubs let the compiler do.
			if v {
				g.stmt(s.Then)
			} else if s.Else != nil {
				g.stmt(s.Else)
			}
			return
		}
		then, els, end := g.newLabel(), g.newLabel(), g.newLabel()
		g.cond(s.Cond, then, els)
		g.bind(then)
		g.stmt(s.Then)
		if s.Else != nil {
			g.jump(end)
			g.bind(els)
			g.stmt(s.Else)
		} else {
			g.bind(els)
		}
		g.bind(end)
	case *cfront.WhileStmt:
		if g.waitLoop(s) {
			return
		}
		head, body, end := g.newLabel(), g.newLabel(), g.newLabel()
		g.bind(head)
		g.cond(s.Cond, body, end)
		g.bind(body)
		g.loopBody(s.Body, end, head)
		g.jump(head)
		g.bind(end)
	case *cfront.DoStmt:
		if g.waitLoop(s) {
			return
		}
		body, cont, end := g.newLabel(), g.newLabel(), g.newLabel()
		g.bind(body)
		g.loopBody(s.Body, end, cont)
		g.bind(cont)
		g.setLoc(s.Cond.Position())
		g.cond(s.Cond, body, end)
		g.bind(end)
	case *cfront.ForStmt:
		g.pushScope()
		if s.Init != nil {
			g.stmt(s.Init)
		}
		if !g.waitLoop(s) {
			head, body, cont, end := g.newLabel(), g.newLabel(), g.newLabel(), g.newLabel()
			g.bind(head)
			if s.Cond != nil {
				g.setLoc(s.Cond.Position())
				g.cond(s.Cond, body, end)
			}
			g.bind(body)
			g.loopBody(s.Body, end, cont)
			g.bind(cont)
			if s.Post != nil {
				g.setLoc(s.Post.Position())
				g.expr(s.Post)
			}
			g.jump(head)
			g.bind(end)
		}
		g.popScope()
	case *cfront.ForEachStmt:
		g.forEach(s)
	case *cfront.SwitchStmt:
		g.switchStmt(s)
	case *cfront.LabeledStmt:
		l := g.labels[s.Label]
		if l == nil {
			l = g.newLabel()
			g.labels[s.Label] = l
		}
		if l.bound {
			g.diag("syntax", s.Label, s.Pos, "label %s defined twice", s.Label)
		}
		g.bind(l)
		g.stmt(s.Stmt)
	case *cfront.GotoStmt:
		l := g.labels[s.Label]
		if l == nil {
			l = g.newLabel()
			g.labels[s.Label] = l
			g.gotos[s.Label] = s.Pos
		}
		g.jump(l)
	case *cfront.BreakStmt:
		if len(g.loops) == 0 {
			g.diag("syntax", "break", s.Pos, "break outside a loop or switch")
			return
		}
		g.jump(g.loops[len(g.loops)-1].brk)
	case *cfront.ContinueStmt:
		for i := len(g.loops) - 1; i >= 0; i-- {
			if g.loops[i].cont != nil {
				g.jump(g.loops[i].cont)
				return
			}
		}
		g.diag("syntax", "continue", s.Pos, "continue outside a loop")
	case *cfront.ReturnStmt:
		g.returnStmt(s)
	case *cfront.BadStmt:
		// Reported by the front end.
	case *cfront.CaseClause:
		g.diag("unsupported", "case", s.Pos, "case label outside a switch body")
	default:
		g.diag("unsupported", "", s.Position(), "statement %T", s)
	}
}

func (g *fn) loopBody(body cfront.Stmt, brk, cont *label) {
	g.loops = append(g.loops, loopCtx{brk: brk, cont: cont})
	g.stmt(body)
	g.loops = g.loops[:len(g.loops)-1]
}

func (g *fn) returnStmt(s *cfront.ReturnStmt) {
	if g.inline != nil {
		if s.Result != nil {
			v := g.expr(s.Result)
			v = g.assignConv(v, g.inline.resT)
			if g.inline.res.r >= 0 && v.r >= 0 {
				g.emit(sim.Instr{Op: sim.OpMov, A: g.inline.res.r, B: v.r})
			}
		}
		g.jump(g.inline.end)
		return
	}
	if s.Result == nil {
		g.emit(sim.Instr{Op: sim.OpRet, A: -1})
		return
	}
	v := g.expr(s.Result)
	if g.def.typ.k == kVoid {
		g.emit(sim.Instr{Op: sim.OpRet, A: -1})
		return
	}
	v = g.assignConv(v, g.def.typ)
	g.emit(sim.Instr{Op: sim.OpRet, A: v.r})
}

func (g *fn) declLocal(d *cfront.VarDecl) {
	t := g.c.resolveType(g.u, d.Type, g.name)
	if d.Static || d.Extern {
		// A function-local static is a global of its own.
		name := d.Name
		if d.Static {
			name = g.name + "." + d.Name
		}
		gl := g.c.declareGlobal(g.u, d, name, g.name)
		if gl != nil {
			g.scopes[len(g.scopes)-1][d.Name] = &local{reg: -1, t: gl.typ, glob: gl}
		}
		return
	}
	if (t.k == kStructPtr || t.k == kPtr) && g.declStructAlias(d, t) {
		return
	}
	l := &local{reg: -1, mask: -1, t: t}
	switch t.k {
	case kMask:
		l.mask = int32(g.f.NumMasks)
		g.f.NumMasks++
		if d.Init != nil {
			g.diag("unsupported", d.Name, d.Pos, "initialised cpumask %s", d.Name)
		}
	case kStruct:
		if opaqueStructs[t.name] && d.Init == nil {
			l.opaque = true
			break
		}
		l.strct = g.declStructLocal(d, t)
		g.scopes[len(g.scopes)-1][d.Name] = l
		return
	case kVoid:
		g.diag("syntax", d.Name, d.Pos, "variable %s of type void", d.Name)
	default:
		l.reg = g.newReg()
	}
	if d.Init != nil && t.k == kStructPtr && g.declFieldChoice(l, d.Name, d.Init) {
		g.scopes[len(g.scopes)-1][d.Name] = l
		return
	}
	if d.Init != nil && l.reg >= 0 {
		if _, ok := d.Init.(*cfront.InitList); ok {
			g.diag("unsupported", d.Name, d.Pos, "brace initialiser of %s", d.Name)
		} else {
			v := g.expr(d.Init)
			if v.t.k == kFieldPtr && (t.k == kPtr || t.k == kStructPtr) {
				if g.assigned[d.Name] == 0 {
					// The field is known for the local's whole life.
					t, l.t = v.t, v.t
				} else {
					g.diag("unsupported", d.Name, d.Pos, "%s, a pointer to the per-CPU field %s, is assigned again", d.Name, v.t.name)
				}
			}
			v = g.assignConv(v, t)
			if v.r >= 0 {
				g.emit(sim.Instr{Op: sim.OpMov, A: l.reg, B: v.r})
			}
			if t.k == kStructPtr && g.assigned[d.Name] == 0 {
				l.table = g.staticTable(d.Init)
			}
		}
	}
	g.scopes[len(g.scopes)-1][d.Name] = l
}

// opaqueStructs are struct types whose objects hold nothing the machine
// models: a local of one may be declared and its address passed on.
// struct pt_regs: a CPU's saved registers (__crash_kexec() copies them for
// the crash notes, which the machine keeps only as written or not).
var opaqueStructs = map[string]bool{"pt_regs": true}

// countAssignments counts, per name, the assignments and increments in a
// body (declarations' initialisers excluded).
func countAssignments(b *cfront.BlockStmt) map[string]int {
	m := map[string]int{}
	walk(b, func(n cfront.Node) {
		switch n := n.(type) {
		case *cfront.AssignExpr:
			if id, ok := n.X.(*cfront.Ident); ok {
				m[id.Name]++
			}
		case *cfront.IncDecExpr:
			if id, ok := n.X.(*cfront.Ident); ok {
				m[id.Name]++
			}
		case *cfront.UnaryExpr:
			if id, ok := n.X.(*cfront.Ident); ok && n.Op == "&" {
				m[id.Name]++ // its address escapes
			}
		}
	})
	return m
}

func (g *fn) switchStmt(s *cfront.SwitchStmt) {
	tag := g.value(s.Tag)
	tt := ctype{k: kInt, it: promote(tag.t.it)}
	tag = g.conv(tag, tt)
	end := g.newLabel()
	labels := make([]*label, len(s.Cases))
	var def *label
	for i, cc := range s.Cases {
		labels[i] = g.newLabel()
		if cc.Value == nil {
			def = labels[i]
			continue
		}
		g.setLoc(cc.Pos)
		v, _, ok := g.c.constValue(g.u, cc.Value, g.name)
		if !ok {
			g.diag("unsupported", "case", cc.Pos, "case value is not a constant")
			continue
		}
		k := g.constReg(v, tt)
		r := g.newReg()
		g.emit(sim.Instr{Op: sim.OpBin, Sub: uint8(sim.Eq), Type: tt.it, A: r, B: tag.r, C: k.r})
		next := g.newLabel()
		g.branch(r, labels[i], next)
		g.bind(next)
	}
	if def != nil {
		g.jump(def)
	} else {
		g.jump(end)
	}
	g.loops = append(g.loops, loopCtx{brk: end})
	for i, cc := range s.Cases {
		g.bind(labels[i])
		g.pushScope()
		for _, st := range cc.Stmts {
			g.stmt(st)
		}
		g.popScope()
	}
	g.loops = g.loops[:len(g.loops)-1]
	g.bind(end)
}

// forEach compiles the CPU iterator macros: for_each_online_cpu(c),
// for_each_possible_cpu(c), for_each_present_cpu(c), for_each_cpu(c, m)
// and for_each_cpu_and(c, m1, m2), the last over the CPUs in both masks.
func (g *fn) forEach(s *cfront.ForEachStmt) {
	var next sim.Prim
	var masks []int32
	wantArgs := 1
	switch s.Macro {
	case "for_each_online_cpu":
		next = sim.PrimNextOnline
	case "for_each_possible_cpu", "for_each_present_cpu":
		// The machine has every possible CPU present.
		next = sim.PrimNextPossible
	case "for_each_cpu", "for_each_cpu_and":
		wantArgs = 2
		if s.Macro == "for_each_cpu_and" {
			wantArgs = 3
		}
		if len(s.Args) != wantArgs {
			g.diag("unsupported", s.Macro, s.Pos, "%s needs %d arguments", s.Macro, wantArgs)
			return
		}
		next = sim.PrimNextPossible
		for _, a := range s.Args[1:] {
			online, mask, ok := g.iterMask(a)
			switch {
			case !ok:
				g.diag("unsupported", s.Macro, s.Pos, "iterator %s over %s (cpu_online_mask, cpu_possible_mask, cpu_present_mask, housekeeping_cpumask() and cpumask locals are supported)", s.Macro, exprString(a))
				return
			case online:
				next = sim.PrimNextOnline
			case mask >= 0:
				masks = append(masks, mask)
			}
		}
	default:
		g.diag("unsupported", s.Macro, s.Pos, "iterator %s", s.Macro)
		return
	}
	id, ok := s.Args[0].(*cfront.Ident)
	var v *local
	if ok {
		v = g.lookup(id.Name)
	}
	if len(s.Args) != wantArgs || v == nil || v.reg < 0 || v.t.k != kInt {
		g.diag("unsupported", s.Macro, s.Pos, "%s needs a local integer variable", s.Macro)
		return
	}
	// it = -1; head: n = next(it); if n >= nr_cpu_ids goto end; cpu = n; it = n; body; goto head
	it := opnd{g.newReg(), tLong} // written below: not a constReg temporary
	g.emit(sim.Instr{Op: sim.OpConst, A: it.r, Type: sim.Long, Imm: -1})
	head, body, cont, end := g.newLabel(), g.newLabel(), g.newLabel(), g.newLabel()
	g.bind(head)
	n := g.newReg()
	g.emit(sim.Instr{Op: sim.OpPrim, Sub: uint8(next), A: n, Args: []int32{it.r}})
	nr := g.newReg()
	g.emit(sim.Instr{Op: sim.OpPrim, Sub: uint8(sim.PrimNrCPUs), A: nr})
	in := g.newReg()
	g.emit(sim.Instr{Op: sim.OpBin, Sub: uint8(sim.Lt), Type: sim.Uint, A: in, B: n, C: nr})
	g.branch(in, body, end)
	g.bind(body)
	g.emit(sim.Instr{Op: sim.OpConv, A: it.r, B: n, Type: sim.Uint, Type2: sim.Long})
	if v.t.it == sim.Uint {
		g.emit(sim.Instr{Op: sim.OpMov, A: v.reg, B: n})
	} else {
		g.emit(sim.Instr{Op: sim.OpConv, A: v.reg, B: n, Type: sim.Uint, Type2: v.t.it})
	}
	for _, mask := range masks {
		t := g.newReg()
		g.emit(sim.Instr{Op: sim.OpPrim, Sub: uint8(sim.PrimMaskTest), A: t, M: mask, Args: []int32{n}})
		in := g.newLabel()
		g.branch(t, in, cont)
		g.bind(in)
	}
	g.loopBody(s.Body, end, cont)
	g.bind(cont)
	g.jump(head)
	g.bind(end)
}

// iterMask resolves a mask a CPU iterator walks: cpu_online_mask (online),
// a cpumask local (its slot), or one that holds every possible CPU
// (mask < 0): cpu_possible_mask, cpu_present_mask (the machine has every
// possible CPU present) and housekeeping_cpumask(type) of any type (the
// machine's kernel has no isolcpus= or nohz_full=, so every CPU is a
// housekeeping CPU; the type is not evaluated, it names a feature).
func (g *fn) iterMask(e cfront.Expr) (online bool, mask int32, ok bool) {
	if id, isID := e.(*cfront.Ident); isID && g.lookup(id.Name) == nil {
		switch id.Name {
		case "cpu_online_mask":
			return true, -1, true
		case "cpu_possible_mask", "cpu_present_mask":
			return false, -1, true
		}
	}
	if c, isCall := e.(*cfront.CallExpr); isCall && isIdent(c.Fun, "housekeeping_cpumask") && len(c.Args) == 1 && !g.defined("housekeeping_cpumask") {
		return false, -1, true
	}
	if l := g.maskArg(e); l != nil {
		return false, l.mask, true
	}
	return false, -1, false
}
