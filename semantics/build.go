package semantics

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"reflect"
	"sort"
	"strings"

	"github.com/patchcheck/patchcheck/semantics/compile"
	"github.com/patchcheck/patchcheck/semantics/models"
	"github.com/patchcheck/patchcheck/sim"
)

// Build is one compiled program and the sources it came from.
type Build struct {
	Sources []compile.Source
	Program *sim.Program
	Diags   []compile.Diag
}

// kconfig is the build configuration the models are compiled in: an arm64
// kernel with CPU hotplug and kexec. Options a patch may test that are not
// listed are reported by the compiler and taken as off.
func kconfig(cfg Config) map[string]bool {
	return map[string]bool{
		"CONFIG_ARM64":                         true,
		"CONFIG_SMP":                           true,
		"CONFIG_HOTPLUG_CPU":                   true,
		"CONFIG_KEXEC_CORE":                    true,
		"CONFIG_KEXEC":                         true,
		"CONFIG_KEXEC_FILE":                    true,
		"CONFIG_CRASH_DUMP":                    true,
		"CONFIG_IRQ_WORK":                      true,
		"CONFIG_GENERIC_CLOCKEVENTS_BROADCAST": true,
		"CONFIG_ARM64_ACPI_PARKING_PROTOCOL":   true,
		"CONFIG_ARM_PSCI_FW":                   true,
		"CONFIG_MODEL_SPIN_TABLE":              cfg.SpinTable,
		// Later kernels: arm64 selects the core's dead-CPU synchronisation
		// (v6.5+) and builds pseudo-NMI support, which is enabled only at
		// boot (irqchip.gicv3_pseudo_nmi=1): the machine's switch,
		// sim.Config.PseudoNMI.
		"CONFIG_HOTPLUG_CORE_SYNC_DEAD": true,
		"CONFIG_HOTPLUG_CORE_SYNC":      true,
		"CONFIG_ARM64_PSEUDO_NMI":       true,
	}
}

// CompileConfig is the compile configuration for cfg.
func CompileConfig(cfg Config) compile.Config {
	hz := cfg.HZ
	if hz == 0 {
		hz = 250
	}
	var c compile.Config
	c.Entries.Boot = models.EntryBoot
	c.Entries.Secondary = models.EntrySecondary
	c.Entries.IRQ = models.EntryIRQ
	c.Kconfig = kconfig(cfg)
	c.Consts = map[string]int64{"HZ": int64(hz)}
	// init_cpu_ops() fills cpu_ops[] at boot from each CPU's enable
	// method; the model's CPUs all have the configured one (the v5.10
	// restatement of get_cpu_ops() returns it directly).
	c.BootTables = map[string]string{"cpu_ops": "cpu_psci_ops"}
	if cfg.SpinTable {
		c.BootTables["cpu_ops"] = "smp_spin_table_ops"
	}
	return c
}

// BaselineSources returns the library as compile sources (BEFORE with no
// patch).
func BaselineSources(lib *models.Library) []compile.Source {
	var out []compile.Source
	for _, mf := range lib.Files {
		out = append(out, source(newWorking(mf), false))
	}
	return out
}

// source renders a working file as a compile source: BEFORE (the model
// lines, with the lines a patch removed shown at their pre-image origin) or
// AFTER (the working lines and the functions patches added).
func source(w *working, after bool) compile.Source {
	var b strings.Builder
	var locs []sim.Loc
	add := func(text string, loc sim.Loc) {
		b.WriteString(text)
		b.WriteByte('\n')
		locs = append(locs, loc)
	}
	if !after {
		for i, l := range w.model.Lines {
			fn := ""
			if f := w.model.FuncAt(i); f != nil {
				fn = f.Name
			}
			loc := modelLoc(w.model, l, fn)
			if r, ok := w.removed[i]; ok {
				loc = r
			}
			add(l.Text, loc)
		}
	} else {
		for _, l := range w.lines {
			add(l.text, l.loc)
		}
	}
	return compile.Source{Name: w.path, Text: []byte(b.String()), Lines: locs}
}

func (a *analyzer) build(cfg Config) {
	cc := CompileConfig(cfg)
	// AFTER differs from BEFORE only in the files the patches change:
	// the others are parsed once for both.
	cc.Parsed = a.opts.Parsed
	if cc.Parsed == nil {
		cc.Parsed = compile.NewParseCache()
	}
	var before, after []compile.Source
	for _, mf := range a.lib.Files {
		w := a.work[mf.Path]
		if w == nil {
			w = newWorking(mf)
		}
		before = append(before, source(w, false))
		after = append(after, source(w, true))
	}
	a.res.Before = compileBuild(before, cc)
	a.res.After = compileBuild(after, cc)
	a.res.Identical = SameProgram(a.res.Before.Program, a.res.After.Program)
	seen := map[string]bool{}
	for _, d := range a.res.After.Diags {
		if d.Kind != "unknown-callee" {
			continue
		}
		k := fmt.Sprintf("%s\x00%s\x00%d", d.Name, d.Loc.File, d.Loc.Line)
		if seen[k] {
			continue
		}
		seen[k] = true
		a.res.Unknown = append(a.res.Unknown, Callee{Name: d.Name, Loc: d.Loc})
	}
	for _, d := range a.res.After.Diags {
		switch d.Kind {
		case "syntax", "unsupported", "unknown-identifier", "duplicate":
			if d.Loc.Side == sim.SidePost {
				// Patch text the compiler cannot take: the function it
				// is in is not modelled.
				reason := fmt.Sprintf("the compiler rejects patch line %d: %s: %s", d.Loc.Line, d.Kind, d.Msg)
				a.res.Unmodelled = append(a.res.Unmodelled, Problem{Patch: a.patchOf(d.Loc), File: d.Loc.File, Func: d.Loc.Func, Line: d.Loc.Line,
					Reason: reason})
				a.markUnmodelled(d.Loc.File, d.Loc.Func, reason)
			}
		}
	}
	sort.SliceStable(a.res.Unknown, func(i, j int) bool {
		x, y := a.res.Unknown[i], a.res.Unknown[j]
		if x.Name != y.Name {
			return x.Name < y.Name
		}
		if x.Loc.File != y.Loc.File {
			return x.Loc.File < y.Loc.File
		}
		return x.Loc.Line < y.Loc.Line
	})
}

// markUnmodelled records on the function map that the named function's
// AFTER code could not be compiled.
func (a *analyzer) markUnmodelled(file, fn, reason string) {
	mark := func(f *FuncChange) {
		if f.File == file && f.Name == fn && f.Status != Unmodelled {
			f.Status, f.Reason = Unmodelled, reason
		}
	}
	for _, f := range a.res.Funcs {
		mark(f)
	}
	for _, pc := range a.res.Patches {
		for _, fc := range pc.Files {
			for _, f := range fc.Funcs {
				mark(f)
			}
		}
	}
}

// patchOf is the patch that put the AFTER line at loc in place, 0 if none.
func (a *analyzer) patchOf(loc sim.Loc) int {
	if w := a.work[loc.File]; w != nil && loc.Side == sim.SidePost {
		for _, l := range w.lines {
			if l.loc.Line == loc.Line && l.loc.Side == sim.SidePost {
				return l.patch
			}
		}
	}
	return 0
}

func compileBuild(srcs []compile.Source, cc compile.Config) *Build {
	prog, diags := compile.Compile(srcs, cc)
	if prog != nil {
		// ipi_setup() asks it at boot which IPIs are NMIs; the machine
		// does the same (sim.Entries.NMI).
		if i := prog.FuncIndex(models.EntryNMI); i >= 0 {
			prog.Entry.NMI = int32(i) + 1
		}
	}
	return &Build{Sources: srcs, Program: prog, Diags: diags}
}

// SameProgram reports whether two programs behave identically: the same
// code, globals, strings, waits and entries, whatever lines they came from.
func SameProgram(a, b *sim.Program) bool {
	if a == nil || b == nil {
		return a == b
	}
	return reflect.DeepEqual(stripLocs(a), stripLocs(b))
}

// CodeHash is a hash of what SameProgram compares of p's code: programs
// that SameProgram calls the same have the same hash, so a caller looking
// for an equal program among many compares in full only those whose hash
// matches (a series' prefixes are compared with every program explored).
func CodeHash(p *sim.Program) uint64 {
	if p == nil {
		return 0
	}
	h := fnv.New64a()
	var b []byte
	u := func(v uint64) { b = binary.AppendUvarint(b, v) }
	i := func(v int64) { b = binary.AppendVarint(b, v) }
	str := func(s string) { u(uint64(len(s))); b = append(b, s...) }
	u(uint64(len(p.Funcs)))
	for _, f := range p.Funcs {
		str(f.Name)
		i(int64(f.Params))
		i(int64(f.NumRegs))
		u(uint64(len(f.Code)))
		for _, in := range f.Code {
			u(uint64(in.Op))
			u(uint64(in.Sub))
			u(uint64(in.Type.Bits))
			u(uint64(in.Type2.Bits))
			i(int64(in.A))
			i(int64(in.B))
			i(int64(in.C))
			i(in.Imm)
			i(int64(in.Target))
			u(uint64(len(in.Args)))
			for _, a := range in.Args {
				i(int64(a))
			}
		}
		h.Write(b)
		b = b[:0]
	}
	u(uint64(len(p.Globals)))
	for _, g := range p.Globals {
		str(g.Name)
		u(g.Init)
	}
	u(uint64(len(p.PerCPU)))
	u(uint64(len(p.Strings)))
	u(uint64(len(p.Waits)))
	i(int64(p.Entry.Boot))
	i(int64(p.Entry.Secondary))
	i(int64(p.Entry.IRQ))
	i(int64(p.Entry.NMI))
	h.Write(b)
	return h.Sum64()
}

func stripLocs(p *sim.Program) *sim.Program {
	q := *p
	q.Locs = nil
	q.Funcs = make([]sim.Func, len(p.Funcs))
	for i, f := range p.Funcs {
		f.Loc = 0
		code := make([]sim.Instr, len(f.Code))
		for j, in := range f.Code {
			in.Loc = 0
			code[j] = in
		}
		f.Code = code
		q.Funcs[i] = f
	}
	q.Waits = make([]sim.Wait, len(p.Waits))
	for i, w := range p.Waits {
		w.Loc = 0
		q.Waits[i] = w
	}
	return &q
}

// FuncLines returns the source lines of the named function in b, as
// compiled (the lines whose origin names the function).
func (b *Build) FuncLines(name string) []string {
	var out []string
	for _, s := range b.Sources {
		lines := strings.Split(string(s.Text), "\n")
		for i, loc := range s.Lines {
			if loc.Func == name && i < len(lines) {
				out = append(out, lines[i])
			}
		}
	}
	return out
}
