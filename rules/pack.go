package rules

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
	"go.yaml.in/yaml/v3"
)

//go:embed packs/*.yaml
var builtinPacks embed.FS

// DefaultPackFile is the embedded default pack's name in error messages.
const DefaultPackFile = "builtin:packs/arm64-kexec.yaml"

// EntriesPackFile is the embedded part of the default pack that adds the
// other entries (kdump, panic) and their properties, merged after
// DefaultPackFile.
const EntriesPackFile = "builtin:packs/arm64-entries.yaml"

// Pack is a compiled rule pack: properties, the scenario matrix and the
// claim patterns. Build one with DefaultPack, LoadPack or Merge.
type Pack struct {
	Name       string
	Doc        string
	Sources    []string // files the pack was built from, in order
	Properties []*PropertyRule
	Entries    []*Entry // the scenario families; see EntryList
	Scenarios  ScenarioMatrix
	Claims     ClaimRules
	Metrics    []MetricSpec
}

// PropertyRule is one property: an expression over Env checked at an event.
type PropertyRule struct {
	ID       string
	Severity string // error | warning | info
	Doc      string
	At       string // an event name, "step" or "end"
	Expr     string
	Message  string   // what a violation means, for the finding
	Scope    string   // all | healthy | faulted: which scenarios it is checked in
	Entries  []string // the entries it is checked on; empty: DefaultEntry
	Pos      Pos

	prog  *vm.Program
	masks bool // ReadsIRQMasks, worked out with prog
}

// Pos is a position in a pack file.
type Pos struct {
	File string
	Line int
}

func (p Pos) String() string {
	if p.Line > 0 {
		return p.File + ":" + strconv.Itoa(p.Line)
	}
	return p.File
}

// Check evaluates the property in env. The expression was compiled once, when
// the pack was loaded.
func (r *PropertyRule) Check(env *Env) (bool, error) {
	out, err := expr.Run(r.prog, env)
	if err != nil {
		return false, fmt.Errorf("%s: property %s: %v", r.Pos, r.ID, err)
	}
	return out.(bool), nil
}

// ScenarioMatrix is the set of machine configurations properties are
// explored in and the timed engine's default runs.
type ScenarioMatrix struct {
	// Safety scenarios: every CPU count × load × fault set.
	CPUs   []int
	Loads  []string
	Faults [][]string
	// Timing: CPU counts always simulated (claims add theirs), runs per
	// scenario.
	TimingCPUs  []int
	TimingLoads []string
	Runs        int
}

// MetricSpec documents a metric the timed engine measures.
type MetricSpec struct {
	Name string
	Doc  string
}

// ClaimRules is the claim-extraction part of a pack: the lexicon that turns
// words into values and the bindings of sentences to metrics.
type ClaimRules struct {
	// AboutTolerance is the relative width of "about X": [X(1-t), X(1+t)].
	AboutTolerance float64
	// Relations maps a relation (less-than, more-than, about) to the phrases
	// that introduce it ("less than", "under", ...).
	Relations map[string][]string
	// Vague phrases with the interval they denote, in units of the unit they
	// name ("several seconds" = [2, 10) seconds).
	Vague []VagueRule
	// PerCPU matches the words right after a value that make it per CPU.
	PerCPU *regexp.Regexp
	// Loads maps a load (idle, busy) to the pattern that names it.
	Loads []LoadRule
	// Cues say which code a sentence describes.
	Before []*regexp.Regexp
	After  []*regexp.Regexp
	// Bindings are tried in order; the first that matches binds the claim.
	Bindings []*Binding
}

// VagueRule is a phrase such as "several <unit>" with the interval it means.
type VagueRule struct {
	Pattern  *regexp.Regexp // compiled with {unit} replaced by the unit pattern; group "unit" is the unit
	Source   string
	Relation string
	Low      float64
	High     float64
}

// LoadRule names a load condition.
type LoadRule struct {
	Load    string
	Pattern *regexp.Regexp
}

// Binding binds a claim to a metric, or declares it unsupported.
type Binding struct {
	ID          string
	Doc         string
	Match       *regexp.Regexp // matched against the sentence
	Unless      *regexp.Regexp
	PerCPU      *bool  // when set, the claim's per-CPU flag must equal it
	Relation    string // when set, the claim's relation must equal it
	Metric      string
	Unsupported string // reason; set instead of Metric
	Also        []AlsoRule
	Pos         Pos
}

// AlsoRule names a metric reported next to the bound one, and why.
type AlsoRule struct {
	Metric string
	Why    string
}

// Error is a rule-pack error at a position.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// ErrorList is every error found in a pack.
type ErrorList []*Error

func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// YAML shapes. Field names are the pack format (docs/rules.md).
type packYAML struct {
	Pack       string         `yaml:"pack"`
	Doc        string         `yaml:"doc"`
	Properties []propertyYAML `yaml:"properties"`
	Entries    []entryYAML    `yaml:"entries"`
	Scenarios  *scenariosYAML `yaml:"scenarios"`
	Metrics    []metricYAML   `yaml:"metrics"`
	Claims     *claimsYAML    `yaml:"claims"`
}

type propertyYAML struct {
	ID       string   `yaml:"id"`
	Severity string   `yaml:"severity"`
	Doc      string   `yaml:"doc"`
	At       string   `yaml:"at"`
	Expr     string   `yaml:"expr"`
	Message  string   `yaml:"message"`
	Scope    string   `yaml:"scope"`
	Entries  []string `yaml:"entries"`
}

type scenariosYAML struct {
	Safety *struct {
		CPUs   []int      `yaml:"cpus"`
		Load   []string   `yaml:"load"`
		Faults [][]string `yaml:"faults"`
	} `yaml:"safety"`
	Timing *struct {
		CPUs []int    `yaml:"cpus"`
		Load []string `yaml:"load"`
		Runs int      `yaml:"runs"`
	} `yaml:"timing"`
}

type metricYAML struct {
	Name string `yaml:"name"`
	Doc  string `yaml:"doc"`
}

type claimsYAML struct {
	AboutTolerance *float64            `yaml:"about_tolerance"`
	Relations      map[string][]string `yaml:"relations"`
	Vague          []vagueYAML         `yaml:"vague"`
	PerCPU         string              `yaml:"per_cpu"`
	Loads          map[string]string   `yaml:"loads"`
	Cues           *struct {
		Before []string `yaml:"before"`
		After  []string `yaml:"after"`
	} `yaml:"cues"`
	Bindings []bindingYAML `yaml:"bindings"`
}

type vagueYAML struct {
	Phrase   string  `yaml:"phrase"`
	Relation string  `yaml:"relation"`
	Low      float64 `yaml:"low"`
	High     float64 `yaml:"high"`
}

type bindingYAML struct {
	ID          string     `yaml:"id"`
	Doc         string     `yaml:"doc"`
	Match       string     `yaml:"match"`
	Unless      string     `yaml:"unless"`
	PerCPU      *bool      `yaml:"per_cpu"`
	Relation    string     `yaml:"relation"`
	Metric      string     `yaml:"metric"`
	Unsupported string     `yaml:"unsupported"`
	Also        []alsoYAML `yaml:"also"`
}

type alsoYAML struct {
	Metric string `yaml:"metric"`
	Why    string `yaml:"why"`
}

// DefaultPack returns the embedded default pack, compiled.
func DefaultPack() (*Pack, error) {
	data, err := builtinPacks.ReadFile("packs/arm64-kexec.yaml")
	if err != nil {
		return nil, err
	}
	p, err := ParsePack(DefaultPackFile, data)
	if err != nil {
		return nil, err
	}
	data, err = builtinPacks.ReadFile("packs/arm64-entries.yaml")
	if err != nil {
		return nil, err
	}
	q, err := ParsePack(EntriesPackFile, data)
	if err != nil {
		return nil, err
	}
	p = Merge(p, q)
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// LoadPack reads the default pack and then each file in order; a later file
// adds properties and bindings or overrides them by id (see Merge).
func LoadPack(files ...string) (*Pack, error) {
	p, err := DefaultPack()
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		q, err := ParsePack(f, data)
		if err != nil {
			return nil, err
		}
		p = Merge(p, q)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// maxPackSize bounds a pack file; packs are a few kilobytes.
const maxPackSize = 1 << 20

// ParsePack decodes and compiles one pack file. Unknown keys, bad
// expressions, bad patterns and duplicate ids are errors naming file:line.
func ParsePack(file string, data []byte) (*Pack, error) {
	if len(data) > maxPackSize {
		return nil, &Error{Pos{file, 0}, fmt.Sprintf("pack is larger than %d bytes", maxPackSize)}
	}
	var y packYAML
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&y); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{Pos{file, 0}, "empty rule pack"}
		}
		return nil, yamlError(file, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &Error{Pos{file, extra.Line}, "more than one YAML document in a rule pack"}
	}
	// A second decode into a node tree gives the line of every item, for
	// errors found after decoding.
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlError(file, err)
	}
	c := &compiler{file: file, root: &root}
	p := c.pack(&y)
	if len(c.errs) > 0 {
		return nil, c.errs
	}
	return p, nil
}

var yamlLineRE = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// yamlError turns a yaml.v3 error into file:line errors.
func yamlError(file string, err error) error {
	var te *yaml.TypeError
	msgs := []string{err.Error()}
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	var list ErrorList
	for _, m := range msgs {
		if sm := yamlLineRE.FindStringSubmatch(m); sm != nil {
			n, _ := strconv.Atoi(sm[1])
			list = append(list, &Error{Pos{file, n}, sm[2]})
			continue
		}
		list = append(list, &Error{Pos{file, 0}, strings.TrimPrefix(m, "yaml: ")})
	}
	return list
}

type compiler struct {
	file string
	root *yaml.Node
	errs ErrorList
}

func (c *compiler) errorf(line int, format string, args ...any) {
	c.errs = append(c.errs, &Error{Pos{c.file, line}, fmt.Sprintf(format, args...)})
}

// line returns the line of the node at path (mapping keys and sequence
// indices), or of the deepest node found.
func (c *compiler) line(path ...any) int {
	n := c.root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for _, step := range path {
		switch s := step.(type) {
		case string:
			if n.Kind != yaml.MappingNode {
				return n.Line
			}
			found := false
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == s {
					n = n.Content[i+1]
					found = true
					break
				}
			}
			if !found {
				return n.Line
			}
		case int:
			if n.Kind != yaml.SequenceNode || s >= len(n.Content) {
				return n.Line
			}
			n = n.Content[s]
		}
	}
	return n.Line
}

var (
	idRE       = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*$`)
	severities = []string{"error", "warning", "info"}
	scopes     = []string{"all", "healthy", "faulted"}
	loads      = []string{"idle", "busy"}
	relations  = []string{"less-than", "more-than", "about", "range"}
)

func (c *compiler) pack(y *packYAML) *Pack {
	p := &Pack{Name: y.Pack, Doc: strings.TrimSpace(y.Doc), Sources: []string{c.file}}
	if y.Pack == "" {
		c.errorf(c.line(), "missing pack name (key \"pack\")")
	}
	seen := map[string]int{}
	for i := range y.Properties {
		py := &y.Properties[i]
		line := c.line("properties", i)
		if !idRE.MatchString(py.ID) {
			c.errorf(c.line("properties", i, "id"), "property id %q: want lower-case words separated by '.' or '-'", py.ID)
			continue
		}
		if prev, ok := seen[py.ID]; ok {
			c.errorf(line, "duplicate property id %q (first at line %d)", py.ID, prev)
			continue
		}
		seen[py.ID] = line
		r := &PropertyRule{ID: py.ID, Severity: py.Severity, Doc: strings.TrimSpace(py.Doc), At: py.At,
			Expr: strings.TrimSpace(py.Expr), Message: strings.TrimSpace(py.Message), Scope: py.Scope, Entries: py.Entries, Pos: Pos{c.file, line}}
		if r.Scope == "" {
			r.Scope = "all"
		}
		if !slices.Contains(severities, r.Severity) {
			c.errorf(c.line("properties", i, "severity"), "property %s: severity %q: want one of %s", r.ID, r.Severity, strings.Join(severities, ", "))
		}
		if !slices.Contains(scopes, r.Scope) {
			c.errorf(c.line("properties", i, "scope"), "property %s: scope %q: want one of %s", r.ID, r.Scope, strings.Join(scopes, ", "))
		}
		if !knownEvent(r.At) {
			c.errorf(c.line("properties", i, "at"), "property %s: unknown event %q (known: %s)", r.ID, r.At, eventNames())
		}
		if r.Doc == "" {
			c.errorf(line, "property %s: missing doc", r.ID)
		}
		if r.Expr == "" {
			c.errorf(line, "property %s: missing expr", r.ID)
		} else {
			prog, err := expr.Compile(r.Expr, expr.Env(Env{}), expr.AsBool())
			if err != nil {
				c.errorf(c.line("properties", i, "expr"), "property %s: bad expression: %s", r.ID, oneLine(err.Error()))
			}
			r.prog = prog
			r.masks = readsIRQMasks(r.At, r.Expr)
		}
		p.Properties = append(p.Properties, r)
	}
	p.Entries = c.entries(y.Entries)
	if y.Scenarios != nil {
		c.scenarios(y.Scenarios, &p.Scenarios)
	}
	mseen := map[string]bool{}
	for i, m := range y.Metrics {
		if !idRE.MatchString(strings.ReplaceAll(m.Name, "_", "-")) {
			c.errorf(c.line("metrics", i), "metric name %q: want lower-case words separated by '_'", m.Name)
			continue
		}
		if mseen[m.Name] {
			c.errorf(c.line("metrics", i), "duplicate metric %q", m.Name)
			continue
		}
		mseen[m.Name] = true
		p.Metrics = append(p.Metrics, MetricSpec{m.Name, strings.TrimSpace(m.Doc)})
	}
	if y.Claims != nil {
		c.claims(y.Claims, &p.Claims)
	}
	return p
}

// MaxScenarioList bounds each list of the scenario matrix (CPU counts,
// fault sets, faults of a set): the matrix is their product, each entry an
// exploration or a set of timed runs, so a pack at its limits is still a
// run that ends.
const MaxScenarioList = 16

func (c *compiler) scenarios(y *scenariosYAML, m *ScenarioMatrix) {
	c.scenariosAt([]any{"scenarios"}, y, m)
}

// scenariosAt compiles a matrix found at path (the pack's scenarios, or an
// entry, whose safety matrix sits under its own item).
func (c *compiler) scenariosAt(at []any, y *scenariosYAML, m *ScenarioMatrix) {
	full := func(p ...any) []any { return append(slices.Clone(at), p...) }
	path := func(p ...any) int { return c.line(full(p...)...) }
	long := func(n int, p ...any) {
		if n > MaxScenarioList {
			c.errorf(path(p...), "%d entries: want at most %d", n, MaxScenarioList)
		}
	}
	if s := y.Safety; s != nil {
		long(len(s.CPUs), "safety", "cpus")
		long(len(s.Faults), "safety", "faults")
		for i, set := range s.Faults {
			long(len(set), "safety", "faults", i)
		}
		for i, n := range s.CPUs {
			if n < 1 || n > MaxCPUs {
				c.errorf(path("safety", "cpus", i), "CPU count %d: want 1..%d", n, MaxCPUs)
			}
		}
		for i, l := range s.Load {
			if !slices.Contains(loads, l) {
				c.errorf(path("safety", "load", i), "load %q: want idle or busy", l)
			}
		}
		for i, set := range s.Faults {
			for j, f := range set {
				if _, ok := faultKinds[f]; !ok {
					c.errorf(path("safety", "faults", i, j), "unknown fault %q (known: %s)", f, strings.Join(sortedKeys(faultKinds), ", "))
				}
			}
		}
		m.CPUs, m.Loads, m.Faults = s.CPUs, s.Load, s.Faults
	}
	if t := y.Timing; t != nil {
		long(len(t.CPUs), "timing", "cpus")
		for i, n := range t.CPUs {
			if n < 1 || n > MaxCPUs {
				c.errorf(path("timing", "cpus", i), "CPU count %d: want 1..%d", n, MaxCPUs)
			}
		}
		for i, l := range t.Load {
			if !slices.Contains(loads, l) {
				c.errorf(path("timing", "load", i), "load %q: want idle or busy", l)
			}
		}
		if t.Runs < 0 || t.Runs > 100000 {
			c.errorf(path("timing", "runs"), "runs %d: want 1..100000", t.Runs)
		}
		m.TimingCPUs, m.TimingLoads, m.Runs = t.CPUs, t.Load, t.Runs
	}
}

// MaxCPUs is the largest machine a scenario may ask for.
const MaxCPUs = 512

func (c *compiler) regexp(src string, path ...any) *regexp.Regexp {
	if src == "" {
		return nil
	}
	re, err := regexp.Compile(src)
	if err != nil {
		c.errorf(c.line(path...), "bad pattern %q: %v", src, err)
		return nil
	}
	return re
}

func (c *compiler) claims(y *claimsYAML, r *ClaimRules) {
	if y.AboutTolerance != nil {
		if *y.AboutTolerance <= 0 || *y.AboutTolerance >= 1 {
			c.errorf(c.line("claims", "about_tolerance"), "about_tolerance %v: want a fraction in (0, 1)", *y.AboutTolerance)
		}
		r.AboutTolerance = *y.AboutTolerance
	}
	if y.Relations != nil {
		r.Relations = map[string][]string{}
		for _, k := range sortedKeys(y.Relations) {
			if k != "less-than" && k != "more-than" && k != "about" {
				c.errorf(c.line("claims", "relations", k), "relation %q: want less-than, more-than or about", k)
				continue
			}
			r.Relations[k] = y.Relations[k]
		}
	}
	for i, v := range y.Vague {
		if !strings.Contains(v.Phrase, "{unit}") {
			c.errorf(c.line("claims", "vague", i, "phrase"), "vague phrase %q must contain {unit}", v.Phrase)
			continue
		}
		if !slices.Contains(relations, v.Relation) {
			c.errorf(c.line("claims", "vague", i, "relation"), "relation %q: want one of %s", v.Relation, strings.Join(relations, ", "))
		}
		if v.Low < 0 || v.High < v.Low {
			c.errorf(c.line("claims", "vague", i), "vague phrase %q: want 0 <= low <= high", v.Phrase)
		}
		src := `(?i)\b` + strings.ReplaceAll(v.Phrase, "{unit}", `(?P<unit>`+unitPattern+`)`) + `\b`
		re := c.regexp(src, "claims", "vague", i, "phrase")
		if re != nil {
			r.Vague = append(r.Vague, VagueRule{Pattern: re, Source: v.Phrase, Relation: v.Relation, Low: v.Low, High: v.High})
		}
	}
	if y.PerCPU != "" {
		r.PerCPU = c.regexp(y.PerCPU, "claims", "per_cpu")
	}
	for _, k := range sortedKeys(y.Loads) {
		if !slices.Contains(loads, k) {
			c.errorf(c.line("claims", "loads", k), "load %q: want idle or busy", k)
			continue
		}
		if re := c.regexp(y.Loads[k], "claims", "loads", k); re != nil {
			r.Loads = append(r.Loads, LoadRule{k, re})
		}
	}
	if y.Cues != nil {
		r.Before, r.After = nil, nil
		for i, s := range y.Cues.Before {
			if re := c.regexp(s, "claims", "cues", "before", i); re != nil {
				r.Before = append(r.Before, re)
			}
		}
		for i, s := range y.Cues.After {
			if re := c.regexp(s, "claims", "cues", "after", i); re != nil {
				r.After = append(r.After, re)
			}
		}
	}
	seen := map[string]int{}
	for i := range y.Bindings {
		b := &y.Bindings[i]
		line := c.line("claims", "bindings", i)
		if !idRE.MatchString(b.ID) {
			c.errorf(c.line("claims", "bindings", i, "id"), "binding id %q: want lower-case words separated by '.' or '-'", b.ID)
			continue
		}
		if prev, ok := seen[b.ID]; ok {
			c.errorf(line, "duplicate binding id %q (first at line %d)", b.ID, prev)
			continue
		}
		seen[b.ID] = line
		nb := &Binding{ID: b.ID, Doc: strings.TrimSpace(b.Doc), PerCPU: b.PerCPU, Relation: b.Relation,
			Metric: b.Metric, Unsupported: strings.TrimSpace(b.Unsupported), Pos: Pos{c.file, line}}
		nb.Match = c.regexp(b.Match, "claims", "bindings", i, "match")
		nb.Unless = c.regexp(b.Unless, "claims", "bindings", i, "unless")
		if b.Match == "" {
			c.errorf(line, "binding %s: missing match", b.ID)
		}
		if (b.Metric == "") == (nb.Unsupported == "") {
			c.errorf(line, "binding %s: want exactly one of metric and unsupported", b.ID)
		}
		if b.Relation != "" && !slices.Contains(append(slices.Clone(relations), "speedup"), b.Relation) {
			c.errorf(c.line("claims", "bindings", i, "relation"), "binding %s: relation %q unknown", b.ID, b.Relation)
		}
		for j, a := range b.Also {
			if a.Metric == "" || a.Why == "" {
				c.errorf(c.line("claims", "bindings", i, "also", j), "binding %s: also needs metric and why", b.ID)
			}
			nb.Also = append(nb.Also, AlsoRule{a.Metric, strings.TrimSpace(a.Why)})
		}
		r.Bindings = append(r.Bindings, nb)
	}
	// Every metric a binding names must be declared by some pack; checked
	// in Validate once packs are merged.
}

// Validate checks cross-references after merging: every metric a binding
// names is declared.
func (p *Pack) Validate() error {
	var errs ErrorList
	for _, b := range p.Claims.Bindings {
		for _, m := range append([]string{b.Metric}, alsoMetrics(b)...) {
			if m != "" && !p.hasMetric(m) {
				errs = append(errs, &Error{b.Pos, fmt.Sprintf("binding %s: metric %q is not declared under metrics", b.ID, m)})
			}
		}
	}
	errs = append(errs, p.validateEntries()...)
	if len(errs) > 0 {
		return errs
	}
	return nil
}

func alsoMetrics(b *Binding) []string {
	var out []string
	for _, a := range b.Also {
		out = append(out, a.Metric)
	}
	return out
}

func (p *Pack) hasMetric(name string) bool {
	for _, m := range p.Metrics {
		if m.Name == name {
			return true
		}
	}
	return false
}

// Merge returns base with over applied: properties, bindings and metrics
// with an id already in base replace it in place, new ones are appended;
// scenario lists and claim lexicon entries that over sets replace base's.
func Merge(base, over *Pack) *Pack {
	out := *base
	out.Sources = append(slices.Clone(base.Sources), over.Sources...)
	out.Properties = mergeByID(base.Properties, over.Properties, func(r *PropertyRule) string { return r.ID })
	out.Metrics = mergeByID(base.Metrics, over.Metrics, func(m MetricSpec) string { return m.Name })
	out.Entries = mergeByID(base.Entries, over.Entries, func(e *Entry) string { return e.ID })
	s, o := &out.Scenarios, over.Scenarios
	overrideSlice(&s.CPUs, o.CPUs)
	overrideSlice(&s.Loads, o.Loads)
	overrideSlice(&s.Faults, o.Faults)
	overrideSlice(&s.TimingCPUs, o.TimingCPUs)
	overrideSlice(&s.TimingLoads, o.TimingLoads)
	if o.Runs != 0 {
		s.Runs = o.Runs
	}
	cr, oc := &out.Claims, over.Claims
	if oc.AboutTolerance != 0 {
		cr.AboutTolerance = oc.AboutTolerance
	}
	if oc.Relations != nil {
		cr.Relations = oc.Relations
	}
	overrideSlice(&cr.Vague, oc.Vague)
	if oc.PerCPU != nil {
		cr.PerCPU = oc.PerCPU
	}
	overrideSlice(&cr.Loads, oc.Loads)
	overrideSlice(&cr.Before, oc.Before)
	overrideSlice(&cr.After, oc.After)
	cr.Bindings = mergeByID(base.Claims.Bindings, oc.Bindings, func(b *Binding) string { return b.ID })
	if over.Name != "" && base.Name != over.Name {
		out.Name = base.Name + "+" + over.Name
	}
	return &out
}

func mergeByID[T any](base, over []T, id func(T) string) []T {
	out := slices.Clone(base)
	for _, o := range over {
		i := slices.IndexFunc(out, func(b T) bool { return id(b) == id(o) })
		if i >= 0 {
			out[i] = o
		} else {
			out = append(out, o)
		}
	}
	return out
}

// Property returns the property with the given id, or nil.
func (p *Pack) Property(id string) *PropertyRule {
	for _, r := range p.Properties {
		if r.ID == id {
			return r
		}
	}
	return nil
}

func eventNames() string {
	var names []string
	for _, e := range Events {
		names = append(names, e.Name)
	}
	return strings.Join(names, ", ")
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " | ")
	return strings.Join(strings.Fields(s), " ")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// overrideSlice replaces *dst with src when the overriding pack sets it.
func overrideSlice[T any](dst *[]T, src []T) {
	if src != nil {
		*dst = src
	}
}
