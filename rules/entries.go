package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/patchcheck/patchcheck/sim"
)

// Entry is one way the modelled code runs: a scenario family. The machine
// starts the boot CPU (and, with AlsoBoot, the first secondaries) in Boot
// instead of the program's own boot entry (kernel_kexec), every other CPU in
// the program's secondary entry; the properties that name the entry are
// explored in its own safety matrix.
type Entry struct {
	ID  string
	Doc string
	// Boot is the function the boot CPU starts in; "" keeps the program's
	// boot entry (the kexec reboot).
	Boot string
	// AlsoBoot is how many secondaries (CPUs 1..AlsoBoot) start in Boot too:
	// several CPUs entering the same path at once (two CPUs panicking).
	AlsoBoot int
	// Functions are the functions whose claims the entry measures (see
	// claimEntry).
	Functions []string
	// PseudoNMI boots the entry's machines with pseudo-NMI enabled
	// (irqchip.gicv3_pseudo_nmi=1): v6.7+'s smp_send_stop() then retries
	// with IPI_CPU_STOP_NMI, which reaches a CPU with interrupts masked.
	PseudoNMI bool
	// Safety is the entry's scenario matrix; nil uses the pack's.
	Safety *ScenarioMatrix
	Pos    Pos
}

// DefaultEntry is the entry of properties that name none, and the one a
// pack without entries has: the kexec reboot from kernel_kexec().
const DefaultEntry = "kexec"

type entryYAML struct {
	ID        string   `yaml:"id"`
	Doc       string   `yaml:"doc"`
	Boot      string   `yaml:"boot"`
	AlsoBoot  int      `yaml:"also_boot"`
	Functions []string `yaml:"functions"`
	PseudoNMI bool     `yaml:"pseudo_nmi"`
	Safety    *struct {
		CPUs   []int      `yaml:"cpus"`
		Load   []string   `yaml:"load"`
		Faults [][]string `yaml:"faults"`
	} `yaml:"safety"`
}

// entries compiles the pack's entries.
func (c *compiler) entries(ys []entryYAML) []*Entry {
	var out []*Entry
	seen := map[string]int{}
	for i, y := range ys {
		line := c.line("entries", i)
		if !idRE.MatchString(y.ID) {
			c.errorf(c.line("entries", i, "id"), "entry id %q: want lower-case words separated by '.' or '-'", y.ID)
			continue
		}
		if prev, ok := seen[y.ID]; ok {
			c.errorf(line, "duplicate entry id %q (first at line %d)", y.ID, prev)
			continue
		}
		seen[y.ID] = line
		e := &Entry{ID: y.ID, Doc: strings.TrimSpace(y.Doc), Boot: y.Boot, AlsoBoot: y.AlsoBoot, Functions: y.Functions, PseudoNMI: y.PseudoNMI, Pos: Pos{c.file, line}}
		for j, f := range y.Functions {
			if !cIdentRE.MatchString(f) {
				c.errorf(c.line("entries", i, "functions", j), "entry %s: %q is not a C function name", e.ID, f)
			}
		}
		if e.Doc == "" {
			c.errorf(line, "entry %s: missing doc", e.ID)
		}
		if e.Boot != "" && !cIdentRE.MatchString(e.Boot) {
			c.errorf(c.line("entries", i, "boot"), "entry %s: boot %q is not a C function name", e.ID, e.Boot)
		}
		if e.AlsoBoot < 0 || e.AlsoBoot >= MaxCPUs {
			c.errorf(c.line("entries", i, "also_boot"), "entry %s: also_boot %d: want 0..%d", e.ID, e.AlsoBoot, MaxCPUs-1)
		}
		if s := y.Safety; s != nil {
			m := &ScenarioMatrix{}
			sy := &scenariosYAML{}
			sy.Safety = s
			c.scenariosAt([]any{"entries", i}, sy, m)
			for j, n := range m.CPUs {
				if n <= e.AlsoBoot {
					c.errorf(c.line("entries", i, "safety", "cpus", j), "entry %s: %d CPUs cannot have %d secondaries start in %s", e.ID, n, e.AlsoBoot, e.Boot)
				}
			}
			e.Safety = m
		}
		out = append(out, e)
	}
	return out
}

// EntryList is the pack's entries, the implicit kexec entry when it
// declares none.
func (p *Pack) EntryList() []*Entry {
	if len(p.Entries) == 0 {
		return []*Entry{{ID: DefaultEntry, Doc: "the kexec reboot from kernel_kexec()"}}
	}
	return p.Entries
}

// Entry returns the entry with the given id, or nil.
func (p *Pack) Entry(id string) *Entry {
	for _, e := range p.EntryList() {
		if e.ID == id {
			return e
		}
	}
	return nil
}

// validateEntries checks that every property names declared entries.
func (p *Pack) validateEntries() ErrorList {
	var errs ErrorList
	for _, r := range p.Properties {
		for _, id := range r.EntryIDs() {
			if p.Entry(id) == nil {
				var known []string
				for _, e := range p.EntryList() {
					known = append(known, e.ID)
				}
				errs = append(errs, &Error{r.Pos, fmt.Sprintf("property %s: entry %q is not declared under entries (known: %s)", r.ID, id, strings.Join(known, ", "))})
			}
		}
	}
	return errs
}

// EntryIDs are the entries the property is checked on.
func (r *PropertyRule) EntryIDs() []string {
	if len(r.Entries) == 0 {
		return []string{DefaultEntry}
	}
	return r.Entries
}

// OnEntry reports whether the property is checked on entry id.
func (r *PropertyRule) OnEntry(id string) bool { return slices.Contains(r.EntryIDs(), id) }

// entryProgram is prog started in entry e: a copy whose boot entry is e's
// function. It fails when prog does not define the function (a tree whose
// text the library could not take it from, say).
func entryProgram(prog *sim.Program, e *Entry) (*sim.Program, error) {
	if e == nil || e.Boot == "" || prog == nil {
		return prog, nil
	}
	fi := prog.FuncIndex(e.Boot)
	if fi < 0 {
		return nil, fmt.Errorf("the program has no function %s, where entry %s starts", e.Boot, e.ID)
	}
	if int32(fi) == prog.Entry.Boot {
		return prog, nil
	}
	q := *prog
	q.Entry.Boot = int32(fi)
	return &q, nil
}

// entryScenarios is the safety matrix of entry e in a fixed order.
func (e *evaluator) entryScenarios(en *Entry) []Scenario {
	m := e.in.Pack.Scenarios
	if en != nil && en.Safety != nil {
		m = *en.Safety
	}
	out := matrixScenarios(m)
	for i := range out {
		out[i].PseudoNMI = e.in.PseudoNMI || en != nil && en.PseudoNMI
	}
	return out
}

// entryName is how an entry is named next to a scenario in messages: the
// kexec entry, the one every pack had before entries, is not named.
func entryName(id string) string {
	if id == "" || id == DefaultEntry {
		return ""
	}
	return id + ": "
}

// propertyKey pairs a property's BEFORE and AFTER rows: the same rule,
// entry and fault set.
func propertyKey(p Property) string {
	return p.ID + "\x00" + p.Entry + "\x00" + strings.Join(p.Scenario.Faults, ",")
}

// requestsNMIs reports whether prog has an NMI entry (sim.Entries.NMI):
// a function that says at boot which IPIs are NMIs.
func requestsNMIs(prog *sim.Program) bool { return prog != nil && prog.Entry.NMI != 0 }

// definesEntry reports whether prog has entry en's function (the kexec
// entry, the program's own boot entry, always).
func definesEntry(prog *sim.Program, en *Entry) bool {
	return en.Boot == "" || prog != nil && prog.FuncIndex(en.Boot) >= 0
}
