// Package compile turns kernel C in the subset of package cfront into a
// program for the simulated machine (sim.Program).
//
// Every instruction carries the source line it came from, taken from
// Source.Lines, so that a trace can point at the patch line (pre- or
// post-image) or the model line it executed. Calls to functions that the
// sources do not define bind to machine primitives: by the primitive's name
// (sim.Prims[i].Name) or through the table of kernel spellings in
// bindings.go. Anything else becomes a PrimUnknownCall and a diagnostic of
// kind "unknown-callee": the compiler never guesses what an unknown function
// does.
//
// Polling loops (a state re-check under a counter or deadline bound, with
// only delays in the body) are recognised from their shape and described by a
// sim.Wait; see wait.go.
package compile

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/patchcheck/patchcheck/semantics/cfront"
	"github.com/patchcheck/patchcheck/sim"
)

// Source is one C text to compile.
type Source struct {
	Name  string    // for diagnostics, and the file of lines Lines does not cover
	Text  []byte    // C text: function definitions, globals, enums, #defines
	Lines []sim.Loc // Lines[i] is the origin of line i+1 of Text
}

// Config says what to build.
type Config struct {
	// Entries name the functions the machine starts CPUs in.
	Entries struct{ Boot, Secondary, IRQ string }
	// Kconfig gives CONFIG_* values for #if/#ifdef.
	Kconfig map[string]bool
	// Consts are extra integer constants (HZ, NR_CPUS, ...). They take
	// precedence over enums and #defines of the sources.
	Consts map[string]int64
	// Parsed, when set, keeps the parsed sources between compilations
	// that share it: a source whose name, text and visible macros are
	// those of an earlier compilation is not parsed again. Parsing is most
	// of a compilation, and a caller that compiles nearly the same sources
	// many times (package fromtree binding one round at a time) saves it.
	Parsed *ParseCache
	// BootTables name, for file-scope variables that boot code fills with
	// a pointer to an ops table, the table they point to when the modelled
	// paths start (arch/arm64's cpu_ops[], set by init_cpu_ops() from each
	// CPU's enable method): boot code is on no modelled path, so the value
	// is configuration. Every element of a per-CPU array gets it. A name
	// the sources do not declare is ignored.
	BootTables map[string]string
}

// ParseCache holds parsed sources for Config.Parsed. The parsed files are
// only read by the compiler, so one may serve several compilations; it is
// not safe for concurrent use.
type ParseCache struct {
	files map[string]*cfront.File
}

// NewParseCache returns an empty cache.
func NewParseCache() *ParseCache { return &ParseCache{files: map[string]*cfront.File{}} }

// parseCacheMax bounds the files a ParseCache holds: past it the cache
// starts again empty, so that a series of many patches that each change a
// file differently cannot make it grow without end. A compilation of the
// bundled library has 15 sources; one round of package fromtree about 90.
const parseCacheMax = 256

// parse parses one source, through the cache when there is one. The key
// of the macros it sees (macroKey) and of the configuration (configKey)
// are the caller's: they change far less often than the source.
func (c *compiler) parse(src *Source, macros map[string]string, macroKey, configKey string) *cfront.File {
	cache := c.cfg.Parsed
	if cache == nil {
		f, _ := cfront.Parse(src.Name, src.Text, cfront.Config{Kconfig: c.cfg.Kconfig, Macros: macros})
		return f
	}
	var k strings.Builder
	k.Grow(len(src.Name) + len(src.Text) + len(macroKey) + len(configKey) + 1)
	k.WriteString(src.Name)
	k.WriteByte(0)
	k.Write(src.Text)
	k.WriteString(macroKey)
	k.WriteString(configKey)
	if f, ok := cache.files[k.String()]; ok {
		return f
	}
	f, _ := cfront.Parse(src.Name, src.Text, cfront.Config{Kconfig: c.cfg.Kconfig, Macros: macros})
	if len(cache.files) >= parseCacheMax {
		clear(cache.files)
	}
	cache.files[k.String()] = f
	return f
}

// mapKey is a text that names the map's entries, in key order.
func mapKey[V any](m map[string]V) string {
	var k strings.Builder
	for _, name := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(&k, "\x00%s=%v", name, m[name])
	}
	return k.String()
}

// Diag is a compile diagnostic.
type Diag struct {
	Kind string // "syntax", "unsupported", "unknown-callee", "unknown-identifier", "duplicate", "entry", "config"
	Name string // the function, variable or callee concerned
	Loc  sim.Loc
	Msg  string
}

func (d Diag) String() string {
	return fmt.Sprintf("%s:%d: %s: %s", d.Loc.File, d.Loc.Line, d.Kind, d.Msg)
}

// Compile compiles the sources into one program. The program is returned
// even when there are diagnostics (it is then usable only as far as the
// diagnostics allow: callers treat "unknown-callee" as inconclusive, and
// "syntax" or "unsupported" as an error). Sources are processed in order; a
// #define of an earlier source is visible in later ones, as if included.
func Compile(srcs []Source, cfg Config) (*sim.Program, []Diag) {
	c := &compiler{
		cfg:      cfg,
		prog:     &sim.Program{},
		funcIdx:  map[string]int{},
		globals:  map[string]*global{},
		tables:   map[string]*table{},
		pstructs: map[string]*pstruct{},
		pure:     map[string]bool{},
		etables:  map[string]*entryTable{},
		locIdx:   map[sim.Loc]int32{},
		strIdx:   map[string]int64{},
		consts:   map[string]*constDef{},
	}
	c.parseAll(srcs)
	c.declare()
	c.bootTables()
	c.compileNull()
	for i := 1; i < len(c.funcs); i++ {
		c.compileFunc(i)
	}
	c.constCPUArrays()
	c.checkOnBehalf()
	// Polling loops on the control-flow graph, once every helper they may
	// call is compiled.
	for i := 1; i < len(c.funcs); i++ {
		g := &fn{c: c, def: c.funcs[i], u: c.funcs[i].u, f: &c.prog.Funcs[i], name: c.funcs[i].decl.Name}
		fit := sim.CheckFuncSize(g.f) == nil
		g.cfgWaits()
		g.clockLoops()
		g.f.CPUReg = append(g.f.CPUReg, make([]bool, g.f.NumRegs-len(g.f.CPUReg))...)
		if fit {
			// The rebuilt loops add code and registers: the function
			// must still fit (compileFunc refused it already if not).
			g.checkSize()
		}
	}
	c.markCPU()
	c.entries()
	sort.SliceStable(c.diags, func(i, j int) bool { return c.diags[i].order < c.diags[j].order })
	out := make([]Diag, len(c.diags))
	for i, d := range c.diags {
		out[i] = d.Diag
	}
	return c.prog, out
}

// nullFunc is the name of Funcs[0], the target of a NULL function pointer.
const nullFunc = "(null)"

func (c *compiler) compileNull() {
	l := c.locIndex(sim.Loc{File: "(compiler)", Func: nullFunc, Text: "call through a NULL function pointer"})
	f := &c.prog.Funcs[0]
	f.Loc = l
	f.Code = []sim.Instr{
		{Op: sim.OpPrim, Sub: uint8(sim.PrimBug), A: -1, Loc: l},
		{Op: sim.OpRet, A: -1, Loc: l},
	}
}

type orderedDiag struct {
	Diag
	order int
}

// unit is one parsed source.
type unit struct {
	src   *Source
	file  *cfront.File
	lines []string // the text's lines, split when first needed
}

// funcDef is a function to compile.
type funcDef struct {
	decl *cfront.FuncDecl
	u    *unit
	typ  ctype   // result type
	prms []ctype // parameter types
	// outs: which parameters are out parameters (localaddr.go), computed
	// once (outDone); anyOut: some is.
	outs            []bool
	outDone, anyOut bool
	// souts: for an out parameter pointing to a local struct, the
	// struct's type (localstruct.go); "" for the others.
	souts []string
}

// global is a global or per-CPU variable, or a function-local static.
type global struct {
	name   string
	idx    int
	perCPU bool
	// cpuArray: declared as an array with one element per possible CPU
	// (T name[NR_CPUS]); name[cpu] is its per-CPU slot.
	cpuArray bool
	typ      ctype
	// completion: the slot of a struct completion field (machinestate.go).
	completion bool
	// machine: a slot of the compiler's own, that no source declares
	// (machineSlot).
	machine bool
}

// table is a struct variable with (mostly) function-pointer fields: an ops
// table such as cpu_psci_ops or psci_ops. Tables are constant: the compiler
// resolves calls through them. A table's id (1, 2, ...) is the value of a
// pointer to it; 0 is NULL.
type table struct {
	name   string
	id     int64
	strct  string
	fields map[string]cfront.Expr
	u      *unit
}

// constDef is a named integer constant: an enumerator, a #define or an
// entry of Config.Consts.
type constDef struct {
	name  string
	expr  cfront.Expr // nil for Config.Consts
	val   int64
	typ   ctype
	state int // 0 unevaluated, 1 evaluating, 2 done, 3 not constant
	u     *unit
	pos   cfront.Pos
}

type compiler struct {
	cfg      Config
	prog     *sim.Program
	units    []*unit
	funcs    []*funcDef
	funcIdx  map[string]int
	globals  map[string]*global
	tables   map[string]*table
	pstructs map[string]*pstruct    // per-CPU variables of struct type
	pure     map[string]bool        // pureFunc's answers
	etables  map[string]*entryTable // file-scope arrays of structs (steptable.go)
	onBehalf []onBehalf             // calls made on another CPU's behalf (kthread.go)
	tabByID  []*table
	structs  map[string]*cfront.StructDecl
	consts   map[string]*constDef
	locIdx   map[sim.Loc]int32
	strIdx   map[string]int64
	diags    []orderedDiag
	// cpuGlobal marks globals and per-CPU variables that receive CPU ids.
	cpuGlobal, cpuPCPU map[int]bool
}

func (c *compiler) diag(kind, name string, loc sim.Loc, format string, args ...any) {
	c.diags = append(c.diags, orderedDiag{Diag{Kind: kind, Name: name, Loc: loc, Msg: fmt.Sprintf(format, args...)}, len(c.diags)})
}

// loc returns the origin of line pos.Line of u's text.
func (c *compiler) loc(u *unit, pos cfront.Pos, fn string) sim.Loc {
	var l sim.Loc
	if pos.Line >= 1 && pos.Line <= len(u.src.Lines) {
		l = u.src.Lines[pos.Line-1]
	} else {
		l = sim.Loc{File: u.src.Name, Line: pos.Line, Side: sim.SideModel}
	}
	if l.File == "" {
		l.File = u.src.Name
	}
	if l.Func == "" {
		l.Func = fn
	}
	if l.Text == "" {
		if u.lines == nil {
			u.lines = strings.Split(string(u.src.Text), "\n")
		}
		if pos.Line >= 1 && pos.Line <= len(u.lines) {
			l.Text = strings.TrimSpace(u.lines[pos.Line-1])
		}
	}
	return l
}

func (c *compiler) locIndex(l sim.Loc) int32 {
	if i, ok := c.locIdx[l]; ok {
		return i
	}
	i := int32(len(c.prog.Locs))
	c.prog.Locs = append(c.prog.Locs, l)
	c.locIdx[l] = i
	return i
}

func (c *compiler) str(s string) int64 {
	if i, ok := c.strIdx[s]; ok {
		return i
	}
	i := int64(len(c.prog.Strings))
	c.prog.Strings = append(c.prog.Strings, s)
	c.strIdx[s] = i
	return i
}

func (c *compiler) parseAll(srcs []Source) {
	macros := map[string]string{}
	var macroKey, configKey string
	if c.cfg.Parsed != nil {
		configKey = "\x01" + mapKey(c.cfg.Kconfig)
	}
	// Each source sees a copy of the macros defined before it (the parser
	// only reads it); sources that define none share one.
	var m map[string]string
	changed := true
	for i := range srcs {
		src := &srcs[i]
		if changed {
			m = maps.Clone(macros)
			if c.cfg.Parsed != nil {
				macroKey = mapKey(macros)
			}
			changed = false
		}
		f := c.parse(src, m, macroKey, configKey)
		u := &unit{src: src, file: f}
		c.units = append(c.units, u)
		for _, d := range f.Diags {
			kind := d.Kind
			if kind == "unknown-config" || kind == "preprocessor" {
				kind = "config"
			}
			c.diag(kind, "", c.loc(u, d.Pos, ""), "%s", d.Msg)
		}
		for _, d := range f.Defines {
			macros[d.Name] = d.Text
			changed = true
		}
		for _, fd := range f.Funcs {
			if fd.CutStart || fd.CutEnd {
				name := fd.Name
				if name == "" {
					name = "(fragment)"
				}
				c.diag("syntax", name, c.loc(u, fd.Pos, fd.Name), "function %s is cut off by the end of the text", name)
			}
		}
		for _, st := range f.Stmts {
			c.diag("syntax", "", c.loc(u, st.Position(), ""), "statement outside a function")
		}
	}
}

// declare collects functions, constants, globals and tables of every unit,
// in source order (indices never depend on map order).
func (c *compiler) declare() {
	c.structs = map[string]*cfront.StructDecl{}
	for name, v := range c.cfg.Consts { // map to map: no order leaks out
		c.consts[name] = &constDef{name: name, val: v, typ: tLong, state: 2}
	}
	for _, u := range c.units {
		for _, sd := range u.file.Structs {
			if sd.Name != "" {
				c.structs[sd.Name] = sd
			}
		}
		for _, ed := range u.file.Enums {
			var prev *constDef
			for _, e := range ed.Values {
				if _, ok := c.consts[e.Name]; ok {
					continue
				}
				cd := &constDef{name: e.Name, expr: e.Value, u: u, pos: e.Pos, typ: tInt}
				if e.Value == nil {
					if prev == nil {
						cd.state = 2
					} else {
						cd.expr = &cfront.BinaryExpr{Pos: e.Pos, Op: "+", X: &cfront.Ident{Pos: e.Pos, Name: prev.name}, Y: &cfront.IntLit{Pos: e.Pos, Value: 1, Text: "1"}}
					}
				}
				c.consts[e.Name] = cd
				prev = cd
			}
		}
		for _, d := range u.file.Defines {
			if _, ok := c.consts[d.Name]; ok || d.Value == nil {
				continue
			}
			c.consts[d.Name] = &constDef{name: d.Name, expr: d.Value, u: u, pos: d.Pos}
		}
	}
	for _, u := range c.units {
		for _, fd := range u.file.Funcs {
			if fd.CutStart || fd.CutEnd || fd.Name == "" {
				continue
			}
			if i, ok := c.funcIdx[fd.Name]; ok {
				prev := c.funcs[i]
				c.diag("duplicate", fd.Name, c.loc(u, fd.Pos, fd.Name), "function %s is defined twice (also at %s:%d); the later definition is used",
					fd.Name, prev.u.src.Name, prev.decl.Pos.Line)
				c.funcs[i] = &funcDef{decl: fd, u: u}
				continue
			}
			c.funcIdx[fd.Name] = len(c.funcs)
			c.funcs = append(c.funcs, &funcDef{decl: fd, u: u})
		}
	}
	// Funcs[0] is what a NULL function pointer refers to: a function
	// reference's value is its index, so that index 0 is NULL, and calling
	// it is a BUG, as the kernel's jump to address 0 would oops.
	null := &funcDef{decl: &cfront.FuncDecl{Name: nullFunc, Body: &cfront.BlockStmt{}}, u: &unit{src: &Source{Name: "(compiler)"}}}
	c.funcs = append([]*funcDef{null}, c.funcs...)
	for name, i := range c.funcIdx {
		c.funcIdx[name] = i + 1
	}
	c.prog.Funcs = make([]sim.Func, len(c.funcs))
	for i, f := range c.funcs {
		f.typ = c.resolveType(f.u, f.decl.Result, f.decl.Name)
		for _, p := range f.decl.Params {
			f.prms = append(f.prms, c.resolveType(f.u, p.Type, f.decl.Name))
		}
		c.prog.Funcs[i] = sim.Func{Name: f.decl.Name, Params: len(f.prms), NoReturn: f.decl.NoReturn,
			Loc: c.locIndex(c.loc(f.u, f.decl.Pos, f.decl.Name))}
	}
	for _, u := range c.units {
		for _, v := range u.file.Vars {
			c.declareGlobal(u, v, v.Name, "")
		}
	}
}

// declareGlobal adds a file-scope variable (or a function-local static,
// named fn.name).
func (c *compiler) declareGlobal(u *unit, v *cfront.VarDecl, name, fn string) *global {
	if fn == "" && !v.PerCPU && v.Type != nil && len(v.Type.Array) == 1 && v.Type.Ptr == 0 && v.Type.Func == nil && strings.HasPrefix(v.Type.Name, "struct ") {
		c.declareEntryTable(u, v)
		return nil
	}
	vt, cpuArray := v.Type, false
	if el, ok := cpuArrayElem(v.Type); ok && fn == "" && !v.PerCPU {
		// One element per possible CPU, indexed by CPU id: the machine's
		// per-CPU variables are exactly that.
		vt, cpuArray = el, true
		if v.Init != nil {
			c.diag("unsupported", name, c.loc(u, v.Pos, fn), "initialiser of the per-CPU array %s", name)
			v = &cfront.VarDecl{Pos: v.Pos, Name: v.Name, Type: v.Type, Static: v.Static, Extern: v.Extern}
		}
	}
	t := c.resolveType(u, vt, fn)
	loc := c.loc(u, v.Pos, fn)
	if t.k == kStruct && v.PerCPU && fn == "" {
		c.declarePCPUStruct(u, v, t)
		return nil
	}
	if t.k == kStruct && !cpuArray {
		if _, ok := c.tables[name]; ok {
			if v.Extern {
				return nil
			}
		}
		tb := &table{name: name, strct: t.name, fields: map[string]cfront.Expr{}, u: u}
		if il, ok := v.Init.(*cfront.InitList); ok {
			for _, el := range il.Elems {
				if el.Field == "" {
					c.diag("unsupported", name, loc, "initialiser of %s without field designators", name)
					continue
				}
				tb.fields[el.Field] = el.Value
			}
		} else if v.Init != nil {
			c.diag("unsupported", name, loc, "initialiser of struct %s", name)
		}
		if old, ok := c.tables[name]; ok {
			if v.Init == nil {
				return nil
			}
			tb.id = old.id
			c.tabByID[old.id-1] = tb
		} else {
			tb.id = int64(len(c.tabByID) + 1)
			c.tabByID = append(c.tabByID, tb)
		}
		c.tables[name] = tb
		return nil
	}
	if t.k == kMask {
		c.diag("unsupported", name, loc, "global cpumask %s (cpumasks are supported as locals)", name)
		return nil
	}
	if t.k != kInt && t.k != kPtr && t.k != kStructPtr {
		c.diag("unsupported", name, loc, "global %s of type %s", name, v.Type.Name)
		return nil
	}
	var init int64
	if v.Init != nil {
		val, _, ok := c.constValue(u, v.Init, fn)
		if !ok {
			c.diag("unsupported", name, loc, "initialiser of %s is not a constant expression", name)
		}
		init = val
	}
	g, exists := c.globals[name]
	if exists {
		if v.Extern || v.Init == nil {
			return g
		}
	} else {
		g = &global{name: name, perCPU: v.PerCPU || cpuArray, cpuArray: cpuArray, typ: t}
		if g.perCPU {
			g.idx = len(c.prog.PerCPU)
			c.prog.PerCPU = append(c.prog.PerCPU, sim.Global{Name: name, Type: t.it})
		} else {
			g.idx = len(c.prog.Globals)
			c.prog.Globals = append(c.prog.Globals, sim.Global{Name: name, Type: t.it})
		}
		c.globals[name] = g
	}
	gv := &c.prog.Globals
	if g.perCPU {
		gv = &c.prog.PerCPU
	}
	(*gv)[g.idx].Init = truncate(uint64(init), t.it)
	return g
}

// cpuArrayElem returns the element type of an array declared with one
// element per possible CPU: T name[NR_CPUS].
func cpuArrayElem(t *cfront.Type) (*cfront.Type, bool) {
	if t == nil || len(t.Array) != 1 || t.Func != nil {
		return nil, false
	}
	if id, ok := t.Array[0].(*cfront.Ident); !ok || id.Name != "NR_CPUS" {
		return nil, false
	}
	el := *t
	el.Array = nil
	return &el, true
}

// constCPUArrays turns the loads of a per-CPU array that no instruction
// stores to (cpu_ops[], filled by boot code only) into its value: every
// element keeps its initial value, so reading it is no step of the machine
// any more than reading the constant the v5.10 restatement returns.
func (c *compiler) constCPUArrays() {
	stored := map[int]bool{}
	for fi := range c.prog.Funcs {
		for _, in := range c.prog.Funcs[fi].Code {
			if in.Op == sim.OpStorePCPU || in.Op == sim.OpAtomic && len(in.Args) == 1 {
				stored[int(in.Imm)] = true
			}
		}
	}
	for _, g := range c.globals {
		if !g.cpuArray || stored[g.idx] {
			continue
		}
		init := c.prog.PerCPU[g.idx].Init
		for fi := range c.prog.Funcs {
			code := c.prog.Funcs[fi].Code
			for k := range code {
				if code[k].Op == sim.OpLoadPCPU && int(code[k].Imm) == g.idx {
					code[k] = sim.Instr{Op: sim.OpConst, A: code[k].A, Type: code[k].Type, Imm: int64(init), Loc: code[k].Loc}
				}
			}
		}
	}
}

// bootTables gives the variables of Config.BootTables their boot value.
func (c *compiler) bootTables() {
	for _, name := range slices.Sorted(maps.Keys(c.cfg.BootTables)) {
		g, ok := c.globals[name]
		if !ok {
			continue
		}
		tb, ok := c.tables[c.cfg.BootTables[name]]
		if !ok || g.typ.k != kStructPtr || g.typ.name != tb.strct {
			c.diag("config", name, sim.Loc{}, "boot value of %s: %s is not an ops table of its type", name, c.cfg.BootTables[name])
			continue
		}
		gv := &c.prog.Globals
		if g.perCPU {
			gv = &c.prog.PerCPU
		}
		(*gv)[g.idx].Init = uint64(tb.id)
	}
}

func (c *compiler) entries() {
	set := func(name, what string, dst *int32) {
		*dst = -1
		if name == "" {
			return
		}
		i, ok := c.funcIdx[name]
		if !ok {
			c.diag("entry", name, sim.Loc{}, "%s entry function %s is not defined by the sources", what, name)
			return
		}
		*dst = int32(i)
	}
	set(c.cfg.Entries.Boot, "boot", &c.prog.Entry.Boot)
	set(c.cfg.Entries.Secondary, "secondary", &c.prog.Entry.Secondary)
	set(c.cfg.Entries.IRQ, "IRQ", &c.prog.Entry.IRQ)
}

// markCPU marks the registers and variables that hold CPU ids, to a fixed
// point, in both directions of every data flow: forwards from the prims that
// return CPU ids (smp_processor_id, the iterators) through copies,
// conversions, parameters of callees given CPU ids (directly or through a
// function reference), globals and per-CPU variables stored from or loaded
// into CPU registers, and results of functions that return CPU ids; and
// backwards from the places that take CPU ids (prim arguments in CPU-id
// positions, per-CPU indices, parameters already marked) to the registers,
// loads and variables that feed them. Marking is only a claim: the machine
// checks it (Machine.SymmetryBreakers) before symmetry reduction relies on it.
func (c *compiler) markCPU() {
	c.cpuGlobal, c.cpuPCPU = map[int]bool{}, map[int]bool{}
	retCPU := make([]bool, len(c.prog.Funcs))
	var refd []int
	for fi := range c.prog.Funcs {
		for _, in := range c.prog.Funcs[fi].Code {
			if in.Op == sim.OpFuncRef && !slices.Contains(refd, int(in.Imm)) {
				refd = append(refd, int(in.Imm))
			}
		}
	}
	slices.Sort(refd)
	// what an indirect call may call: the targets the machine's analysis of
	// function values finds, which it checks again before symmetry relies
	// on them; else every referenced function of the call's arity
	indirect := sim.IndirectTargets(c.prog)
	for changed := true; changed; {
		changed = false
		mark := func(f *sim.Func, r int32) {
			if r >= 0 && int(r) < len(f.CPUReg) && !f.CPUReg[r] {
				f.CPUReg[r] = true
				changed = true
			}
		}
		for fi := range c.prog.Funcs {
			f := &c.prog.Funcs[fi]
			for pc, in := range f.Code {
				switch in.Op {
				case sim.OpPrim:
					p := sim.Prim(in.Sub)
					if p.ReturnsCPU() {
						mark(f, in.A)
					}
					// Arguments in CPU-id positions hold CPU ids (the -1
					// that starts an iteration is a constant, not an id:
					// it is no secondary's number either way).
					for k, a := range in.Args {
						if p.CPUArg(k) {
							mark(f, a)
						}
					}
					switch p {
					case sim.PrimStopMachine:
						// stop_machine(fn, data, cpu) runs fn(data): a CPU id
						// passed as data is fn's parameter.
						if len(in.Args) == 3 && f.CPUReg[in.Args[1]] {
							for _, def := range f.Code {
								if def.Op == sim.OpFuncRef && def.A == in.Args[0] {
									if g := &c.prog.Funcs[def.Imm]; g.Params > 0 {
										mark(g, 0)
									}
								}
							}
						}
					}
				case sim.OpMov, sim.OpConv:
					if f.CPUReg[in.B] {
						mark(f, in.A)
					}
					if in.A >= 0 && f.CPUReg[in.A] {
						mark(f, in.B)
					}
				case sim.OpCall:
					g := &c.prog.Funcs[in.Imm]
					for k, a := range in.Args {
						if f.CPUReg[a] && k < len(g.CPUReg) {
							mark(g, int32(k))
						}
						if k < g.Params && k < len(g.CPUReg) && g.CPUReg[k] {
							mark(f, a)
						}
					}
					if retCPU[in.Imm] {
						mark(f, in.A)
					}
				case sim.OpCallInd:
					targets := refd
					if t := indirect.At(fi, pc); t != nil {
						targets = nil
						for _, g := range t {
							targets = append(targets, int(g))
						}
					}
					for _, t := range targets {
						g := &c.prog.Funcs[t]
						if g.Params != len(in.Args) {
							continue
						}
						for k, a := range in.Args {
							if f.CPUReg[a] {
								mark(g, int32(k))
							}
							if g.CPUReg[k] {
								mark(f, a)
							}
						}
						if retCPU[t] {
							mark(f, in.A)
						}
					}
				case sim.OpRet:
					if in.A >= 0 && f.CPUReg[in.A] && !retCPU[fi] {
						retCPU[fi] = true
						changed = true
					}
				case sim.OpStoreG, sim.OpLoadG:
					if f.CPUReg[in.A] && !c.cpuGlobal[int(in.Imm)] {
						c.cpuGlobal[int(in.Imm)] = true
						changed = true
					}
					if c.cpuGlobal[int(in.Imm)] {
						mark(f, in.A)
					}
				case sim.OpStorePCPU, sim.OpLoadPCPU:
					mark(f, in.B) // the index is a CPU id
					if f.CPUReg[in.A] && !c.cpuPCPU[int(in.Imm)] {
						c.cpuPCPU[int(in.Imm)] = true
						changed = true
					}
					if c.cpuPCPU[int(in.Imm)] {
						mark(f, in.A)
					}
				case sim.OpAtomic:
					if len(in.Args) == 1 {
						mark(f, in.Args[0])
					}
				}
			}
		}
	}
	for i := range c.prog.Globals {
		c.prog.Globals[i].CPU = c.cpuGlobal[i]
	}
	for i := range c.prog.PerCPU {
		c.prog.PerCPU[i].CPU = c.cpuPCPU[i]
	}
}
