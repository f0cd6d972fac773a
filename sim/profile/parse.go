package profile

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Error is a problem in a profile file, at a position.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// ErrorList is every problem found in a profile, in file order.
type ErrorList []*Error

func (l ErrorList) Error() string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// DefaultName is the builtin profile used when none is given.
const DefaultName = "generic-arm64-server"

//go:embed builtin/*.yaml
var builtinFS embed.FS

// Builtins lists the names of the builtin profiles.
func Builtins() []string {
	ents, _ := builtinFS.ReadDir("builtin")
	var names []string
	for _, e := range ents {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	return names
}

// Builtin returns the named builtin profile.
func Builtin(name string) (*Profile, error) {
	return builtin(name, 0)
}

func builtin(name string, depth int) (*Profile, error) {
	data, err := builtinFS.ReadFile("builtin/" + name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("no builtin profile %q (builtin: %s)", name, strings.Join(Builtins(), ", "))
	}
	return parse("builtin:"+name, data, depth)
}

// Default returns the default builtin profile.
func Default() *Profile {
	p, err := Builtin(DefaultName)
	if err != nil {
		panic("builtin profile " + DefaultName + " is invalid: " + err.Error())
	}
	return p
}

// Load reads a profile file, or a builtin profile when path names one.
func Load(path string) (*Profile, error) {
	if slices.Contains(Builtins(), path) {
		return Builtin(path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// maxSize bounds a profile file; real ones are a few kilobytes.
const maxSize = 1 << 20

// Parse reads a profile from data; file names it in errors. The error is an
// ErrorList when the file is readable YAML with problems in it.
func Parse(file string, data []byte) (*Profile, error) {
	return parse(file, data, 0)
}

type fileYAML struct {
	Name         string                `yaml:"name"`
	Description  string                `yaml:"description"`
	Extends      string                `yaml:"extends"`
	CalibratedOn []string              `yaml:"calibrated_on"`
	Params       map[string]*paramYAML `yaml:"params"`
}

type paramYAML struct {
	Unit       string    `yaml:"unit"`
	Min        *float64  `yaml:"min"`
	Typical    *float64  `yaml:"typical"`
	Max        *float64  `yaml:"max"`
	Value      *float64  `yaml:"value"`
	Values     []float64 `yaml:"values"`
	Shape      string    `yaml:"shape"`
	Vary       string    `yaml:"vary"`
	Source     string    `yaml:"source"`
	Assumption bool      `yaml:"assumption"`
	Reason     string    `yaml:"reason"`
	Note       string    `yaml:"note"`
}

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
var unknownField = regexp.MustCompile(`^field (\S+) not found in type \S+$`)

// yamlErrors turns a yaml.v3 error into positioned errors.
func yamlErrors(file string, err error) ErrorList {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	var l ErrorList
	for _, m := range msgs {
		e := &Error{Pos: Pos{File: file}, Msg: strings.TrimPrefix(m, "yaml: ")}
		if sm := yamlLine.FindStringSubmatch(m); sm != nil {
			e.Pos.Line, _ = strconv.Atoi(sm[1])
			e.Msg = sm[2]
			if f := unknownField.FindStringSubmatch(e.Msg); f != nil {
				e.Msg = "unknown key " + strconv.Quote(f[1])
			}
		}
		l = append(l, e)
	}
	return l
}

func parse(file string, data []byte, depth int) (*Profile, error) {
	if len(data) > maxSize {
		return nil, ErrorList{{Pos{File: file}, fmt.Sprintf("profile is %d bytes, more than the %d a profile may have", len(data), maxSize)}}
	}
	var doc fileYAML
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, ErrorList{{Pos{File: file, Line: 1}, "empty profile"}}
		}
		return nil, yamlErrors(file, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		line := extra.Line
		if err != nil {
			return nil, yamlErrors(file, err)
		}
		return nil, ErrorList{{Pos{File: file, Line: line}, "more than one YAML document; a profile is one document"}}
	}
	// A second pass over the node tree finds the lines of keys, which
	// decoding into structs forgets.
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlErrors(file, err)
	}
	lines := keyLines(&root)

	var errs ErrorList
	at := func(line int, format string, args ...any) {
		errs = append(errs, &Error{Pos{File: file, Line: line}, fmt.Sprintf(format, args...)})
	}
	p := &Profile{Name: doc.Name, Description: doc.Description, File: file, Extends: doc.Extends}
	if strings.TrimSpace(doc.Name) == "" {
		at(1, "missing name")
	}
	for i, c := range doc.CalibratedOn {
		if strings.TrimSpace(c) == "" {
			at(lines.item("calibrated_on", i), "empty calibrated_on entry")
		}
	}
	var set [NumParams]bool
	baseFailed := false
	if doc.Extends != "" {
		if depth > 4 {
			at(lines.key("extends"), "extends chain too deep at %q", doc.Extends)
			baseFailed = true
		} else if base, err := builtin(doc.Extends, depth+1); err != nil {
			at(lines.key("extends"), "extends: %v", err)
			baseFailed = true
		} else {
			p.Params = base.Params
			for i := range p.Params {
				set[i] = true
			}
			p.CalibratedOn = slices.Clone(base.CalibratedOn)
		}
	}
	for _, c := range doc.CalibratedOn {
		if !slices.Contains(p.CalibratedOn, c) {
			p.CalibratedOn = append(p.CalibratedOn, c)
		}
	}

	names := make([]string, 0, len(doc.Params))
	for name := range doc.Params {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		y := doc.Params[name]
		line := lines.param(name)
		id, ok := Lookup(name)
		if !ok {
			at(line, "unknown parameter %q%s", name, suggest(name))
			continue
		}
		if y == nil {
			at(line, "%s: empty parameter", name)
			continue
		}
		prm, msgs := y.param(id, Pos{File: file, Line: line})
		prm.From = doc.Name
		for _, m := range msgs {
			at(line, "%s", m)
		}
		if len(msgs) == 0 {
			for _, m := range prm.check() {
				at(line, "%s", m)
			}
		}
		p.Params[id] = prm
		set[id] = true
	}
	var missing []string
	for id := range NumParams {
		if !set[id] {
			missing = append(missing, Specs[id].Name)
		}
	}
	if len(missing) > 0 && !baseFailed {
		line := lines.key("params")
		if line == 0 {
			line = 1
		}
		at(line, "missing parameters: %s", strings.Join(missing, ", "))
	}
	if len(errs) > 0 {
		sort.SliceStable(errs, func(i, j int) bool { return errs[i].Pos.Line < errs[j].Pos.Line })
		return nil, errs
	}
	return p, nil
}

// param converts the YAML form; the messages are shape errors that make
// further checks meaningless.
func (y *paramYAML) param(id ID, pos Pos) (Param, []string) {
	name := Specs[id].Name
	p := Param{ID: id, Unit: y.Unit, Source: strings.TrimSpace(y.Source), Assumption: y.Assumption,
		Reason: strings.TrimSpace(y.Reason), Note: strings.TrimSpace(y.Note), Pos: pos}
	var errs []string
	switch y.Vary {
	case "", "run":
	case "event":
		p.PerEvent = true
	default:
		errs = append(errs, fmt.Sprintf("%s: vary is %q; want run (one value per run) or event (a draw at every use)", name, y.Vary))
	}
	if y.Typical != nil {
		p.HasTypical, p.Typical = true, *y.Typical
	}
	ranged := y.Min != nil || y.Max != nil
	switch {
	case y.Value != nil && (ranged || y.Values != nil):
		errs = append(errs, name+": give either value, values, or min and max")
	case y.Values != nil && ranged:
		errs = append(errs, name+": give either values or min and max")
	case y.Value != nil:
		p.Min, p.Max = *y.Value, *y.Value
		p.Shape = Fixed
	case y.Values != nil:
		p.Values = y.Values
		p.Shape = Choice
		if len(y.Values) > 0 {
			p.Min, p.Max = slices.Min(y.Values), slices.Max(y.Values)
		}
	case y.Min == nil || y.Max == nil:
		errs = append(errs, name+": a range needs both min and max (or a single value)")
	default:
		p.Min, p.Max = *y.Min, *y.Max
		switch {
		case p.Min == p.Max:
			p.Shape = Fixed
		case p.HasTypical:
			p.Shape = Triangular
		default:
			p.Shape = Uniform
		}
	}
	if y.Shape != "" {
		i := slices.Index(shapeNames[:], y.Shape)
		switch {
		case i < 0:
			errs = append(errs, fmt.Sprintf("%s: unknown shape %q (one of %s)", name, y.Shape, strings.Join(shapeNames[:], ", ")))
		case (Shape(i) == Choice) != (y.Values != nil):
			errs = append(errs, fmt.Sprintf("%s: shape %s goes with values lists only", name, y.Shape))
		default:
			p.Shape = Shape(i)
		}
	}
	return p, errs
}

// suggest names a known parameter close to an unknown one.
func suggest(name string) string {
	best, bestD := "", 4
	for _, s := range Specs {
		if d := editDistance(name, s.Name); d < bestD {
			best, bestD = s.Name, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// lineIndex records the lines of the keys the checks point at.
type lineIndex struct {
	top    map[string]int
	params map[string]int
	items  map[string][]int
}

func keyLines(root *yaml.Node) lineIndex {
	li := lineIndex{top: map[string]int{}, params: map[string]int{}, items: map[string][]int{}}
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return li
	}
	m := root.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		li.top[k.Value] = k.Line
		switch {
		case k.Value == "params" && v.Kind == yaml.MappingNode:
			for j := 0; j+1 < len(v.Content); j += 2 {
				li.params[v.Content[j].Value] = v.Content[j].Line
			}
		case v.Kind == yaml.SequenceNode:
			for _, it := range v.Content {
				li.items[k.Value] = append(li.items[k.Value], it.Line)
			}
		}
	}
	return li
}

func (li lineIndex) key(k string) int   { return li.top[k] }
func (li lineIndex) param(k string) int { return li.params[k] }
func (li lineIndex) item(k string, i int) int {
	if i < len(li.items[k]) {
		return li.items[k][i]
	}
	return li.top[k]
}
