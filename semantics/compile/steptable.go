package compile

import (
	"sort"
	"strings"

	"github.com/patchcheck/patchcheck/semantics/cfront"
	"github.com/patchcheck/patchcheck/sim"
)

// An entry table is a constant file-scope array of structs with designated
// entries, as kernel/cpu.c's step table:
//
//	static struct cpuhp_step cpuhp_hp_states[] = {
//		[CPUHP_TEARDOWN_CPU] = { .name = "cpu:teardown", .teardown.single = takedown_cpu, },
//		...
//	};
//
// The machine has no memory to point into: while the array is the only
// one of its struct type (and no ops table of that type exists), a pointer
// to one of its entries (cpuhp_hp_states + state, &cpuhp_hp_states[i]) is
// the entry's index, and p->field (p->teardown.single, a member of a
// member) is the field's value in that entry, chosen by comparing the
// index with each entry that sets the field; an entry that does not set it
// gives 0 (NULL, false), as C's initialiser does. The values must be
// constants, string literals or functions of the sources. Nothing stores to
// the table: a store through such a pointer is reported.
//
// A field no entry sets to anything but 0 (cpuhp_step's multi_instance in
// the model's binding) is the constant 0, and an if testing it compiles
// only the arm it selects; when that arm cannot fall through (it ends in a
// return), the statements after the if up to a label a compiled goto names
// are not compiled, as no run reaches them (cpuhp_invoke_callback()'s
// multi-instance half).
type entryTable struct {
	name, strct string
	u           *unit
	// entries: index -> field path ("teardown.single") -> value.
	entries map[int64]map[string]cfront.Expr
	loc     sim.Loc
	defined bool // its initialiser was seen (not only a declaration)
}

// declareEntryTable declares v, a file-scope array of struct type.
func (c *compiler) declareEntryTable(u *unit, v *cfront.VarDecl) {
	loc := c.loc(u, v.Pos, "")
	strct := strings.TrimPrefix(v.Type.Name, "struct ")
	et := c.etables[v.Name]
	if et == nil {
		et = &entryTable{name: v.Name, strct: strct, u: u, entries: map[int64]map[string]cfront.Expr{}, loc: loc}
		c.etables[v.Name] = et
	}
	if v.Init == nil {
		return // a declaration ahead of the definition
	}
	il, ok := v.Init.(*cfront.InitList)
	if !ok {
		c.diag("unsupported", v.Name, loc, "initialiser of the array %s", v.Name)
		return
	}
	et.u, et.loc, et.defined = u, loc, true
	next := int64(0)
	for _, el := range il.Elems {
		idx := next
		if el.Index != nil {
			val, _, ok := c.constValue(u, el.Index, "")
			if !ok {
				c.diag("unsupported", v.Name, loc, "index of an entry of %s is not a constant expression", v.Name)
				continue
			}
			idx = val
		}
		next = idx + 1
		fields := map[string]cfront.Expr{}
		if !flattenInit(el.Value, "", fields) {
			c.diag("unsupported", v.Name, c.loc(u, el.Pos, ""), "entry %d of %s is not a designated initialiser (.field = value)", idx, v.Name)
			continue
		}
		et.entries[idx] = fields
	}
}

// flattenInit collects the designated fields of an entry's initialiser,
// nested ones by path.
func flattenInit(e cfront.Expr, prefix string, out map[string]cfront.Expr) bool {
	il, ok := e.(*cfront.InitList)
	if !ok {
		return false
	}
	for _, el := range il.Elems {
		if el.Field == "" {
			return false
		}
		path := prefix + el.Field
		if sub, ok := el.Value.(*cfront.InitList); ok {
			if !flattenInit(sub, path+".", out) {
				return false
			}
			continue
		}
		out[path] = el.Value
	}
	return true
}

// entryTableOf returns the entry table that is the only array of struct
// type name, or nil.
func (c *compiler) entryTableOf(name string) *entryTable {
	var found *entryTable
	for _, et := range c.etables {
		if et.strct == name {
			if found != nil {
				return nil
			}
			found = et
		}
	}
	if found == nil || c.hasTables(name) || c.pstructOf(name) != nil {
		return nil
	}
	return found
}

// entryPtr compiles a pointer to an entry: table + i, i + table, &table[i].
// ok is false when e is none.
func (g *fn) entryPtr(e cfront.Expr) (opnd, bool) {
	var tab, idx cfront.Expr
	switch x := e.(type) {
	case *cfront.BinaryExpr:
		if x.Op != "+" {
			return opnd{}, false
		}
		tab, idx = x.X, x.Y
		if g.entryTableNamed(tab) == nil {
			tab, idx = x.Y, x.X
		}
	case *cfront.UnaryExpr:
		if x.Op != "&" {
			return opnd{}, false
		}
		ix, ok := x.X.(*cfront.IndexExpr)
		if !ok {
			return opnd{}, false
		}
		tab, idx = ix.X, ix.Index
	default:
		return opnd{}, false
	}
	et := g.entryTableNamed(tab)
	if et == nil {
		return opnd{}, false
	}
	g.definedTable(et, e.Position())
	i := g.conv(g.value(idx), tLong)
	return opnd{i.r, ctype{k: kStructPtr, it: sim.Ulong, name: et.strct}}, true
}

// definedTable reports an entry table the sources declare but do not
// define: its entries are not known, and reading them as zero would be a
// guess.
func (g *fn) definedTable(et *entryTable, pos cfront.Pos) {
	if !et.defined {
		g.diag("unsupported", et.name, pos, "%s is declared but not defined in the sources", et.name)
	}
}

// entryTableNamed is the entry table e names, if it is the only array of
// its struct type.
func (g *fn) entryTableNamed(e cfront.Expr) *entryTable {
	id, ok := e.(*cfront.Ident)
	if !ok || g.lookup(id.Name) != nil {
		return nil
	}
	et := g.c.etables[id.Name]
	if et == nil || g.c.entryTableOf(et.strct) != et {
		return nil
	}
	return et
}

// entryField splits p->a.b (or table[i].a.b) into the entry pointer
// expression, the table and the field path. ok is false when m is no
// field of an entry table.
func (g *fn) entryField(m *cfront.MemberExpr) (base cfront.Expr, et *entryTable, path string, ok bool) {
	path = m.Name
	x := cfront.Expr(m)
	for {
		mm, isM := x.(*cfront.MemberExpr)
		if !isM {
			return nil, nil, "", false
		}
		if mm != m {
			path = mm.Name + "." + path
		}
		if mm.Arrow {
			t, known := g.staticType(mm.X)
			if !known || t.k != kStructPtr {
				return nil, nil, "", false
			}
			et = g.c.entryTableOf(t.name)
			if et == nil {
				return nil, nil, "", false
			}
			return mm.X, et, path, true
		}
		if ix, isIx := mm.X.(*cfront.IndexExpr); isIx {
			if et = g.entryTableNamed(ix.X); et == nil {
				return nil, nil, "", false
			}
			return &cfront.UnaryExpr{Pos: ix.Pos, Op: "&", X: ix}, et, path, true
		}
		x = mm.X
	}
}

// setEntries are the indices of the entries that set path to something
// other than 0 or NULL, in order.
func (g *fn) setEntries(et *entryTable, path string) []int64 {
	var out []int64
	for idx, fields := range et.entries {
		v, ok := fields[path]
		if !ok || isNull(v) {
			continue
		}
		if k, _, isConst := g.c.constValue(et.u, v, ""); isConst && k == 0 {
			continue
		}
		out = append(out, idx)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// constEntryCond is the value of an if condition that tests a field no
// entry sets (possibly under !): known without compiling it.
func (g *fn) constEntryCond(e cfront.Expr) (bool, bool) {
	switch x := e.(type) {
	case *cfront.UnaryExpr:
		if x.Op == "!" {
			v, ok := g.constEntryCond(x.X)
			return !v, ok
		}
	case *cfront.MemberExpr:
		if _, et, path, ok := g.entryField(x); ok && len(g.setEntries(et, path)) == 0 {
			return false, true
		}
	}
	return false, false
}

// entryValue compiles p->path of an entry pointer.
func (g *fn) entryValue(base cfront.Expr, et *entryTable, path string, pos cfront.Pos) opnd {
	g.definedTable(et, pos)
	idx := g.value(base)
	set := g.setEntries(et, path)
	t := g.entryFieldType(et, path, set)
	res := g.newReg()
	g.emit(sim.Instr{Op: sim.OpConst, A: res, Type: t.it})
	if len(set) == 0 {
		return opnd{res, t}
	}
	end := g.newLabel()
	for _, k := range set {
		kr := g.constReg(k, tLong)
		eq := g.newReg()
		g.emit(sim.Instr{Op: sim.OpBin, Sub: uint8(sim.Eq), Type: sim.Long, A: eq, B: idx.r, C: kr.r})
		yes, no := g.newLabel(), g.newLabel()
		g.branch(eq, yes, no)
		g.bind(yes)
		v := g.entryConst(et, et.entries[k][path], t, pos)
		g.emit(sim.Instr{Op: sim.OpMov, A: res, B: v.r})
		g.jump(end)
		g.bind(no)
	}
	g.bind(end)
	return opnd{res, t}
}

// entryFieldType is the type of a field's values: a function reference
// when some entry names a function, a string for a literal, else the
// field's declared integer type (int when the struct does not say). A
// string's value is only ever tested for NULL.
func (g *fn) entryFieldType(et *entryTable, path string, set []int64) ctype {
	for _, k := range set {
		switch v := et.entries[k][path].(type) {
		case *cfront.StringLit:
			return tPtr
		case *cfront.Ident:
			if _, ok := g.c.funcIdx[v.Name]; ok {
				return tFunc
			}
		}
	}
	if sd := g.c.structs[et.strct]; sd != nil && !strings.Contains(path, ".") {
		for _, f := range sd.Fields {
			if f.Name == path {
				if ft := g.c.resolveFieldType(et.u, f.Type); ft.k == kInt {
					return ft
				}
			}
		}
	}
	return tInt
}

// entryConst compiles one entry's value of a field.
func (g *fn) entryConst(et *entryTable, v cfront.Expr, t ctype, pos cfront.Pos) opnd {
	switch x := v.(type) {
	case *cfront.StringLit:
		// Non-NULL: the string's index + 1 (index 0 is a string too).
		// Only a NULL test reads it: printk does not evaluate its
		// arguments.
		return g.constReg(g.c.str(x.Value)+1, tPtr)
	case *cfront.Ident:
		if i, ok := g.c.funcIdx[x.Name]; ok {
			if _, any := g.c.outParams(g.c.funcs[i]); any {
				g.diag("unsupported", x.Name, pos, "a reference to %s, which has out parameters and is compiled in place at each call", x.Name)
			}
			r := g.newReg()
			g.emit(sim.Instr{Op: sim.OpFuncRef, A: r, Imm: int64(i)})
			return opnd{r, tFunc}
		}
	}
	k, _, ok := g.c.constValue(et.u, v, "")
	if !ok {
		g.diag("unsupported", et.name, pos, "a field of %s whose value is neither a constant, a string nor a function of the sources: %s", et.name, exprString(v))
		return g.constReg(0, t)
	}
	return g.constReg(k, t)
}

// endsInReturn reports whether s cannot fall through: a return, or a
// block whose last statement cannot.
func endsInReturn(s cfront.Stmt) bool {
	switch x := s.(type) {
	case *cfront.ReturnStmt:
		return true
	case *cfront.BlockStmt:
		return len(x.Stmts) > 0 && endsInReturn(x.Stmts[len(x.Stmts)-1])
	}
	return false
}

// liveLabel reports whether s holds a label that a compiled goto names.
func (g *fn) liveLabel(s cfront.Stmt) bool {
	live := false
	walk(s, func(n cfront.Node) {
		if l, ok := n.(*cfront.LabeledStmt); ok {
			if lb := g.labels[l.Label]; lb != nil && len(lb.refs) > 0 {
				live = true
			}
		}
	})
	return live
}
