package cfront

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
)

// The pre-pass turns kernel C into text the C grammar accepts, without
// moving any line: every rewrite replaces characters in place (comments and
// inactive preprocessor branches become spaces, attributes become spaces), so
// line numbers of the result are those of the input. The only rewrite that
// inserts characters is the iterator-macro rewrite (for_each_*(...) stmt
// becomes while(for_each_*(...)) stmt); the inserted columns are recorded and
// mapped back, so positions still refer to the input.

// Config is the build configuration the pre-pass evaluates conditionals in.
type Config struct {
	// Kconfig maps CONFIG_ names to their value. A CONFIG_ name that is not
	// in the map is reported as a diagnostic and taken as off.
	Kconfig map[string]bool

	// Macros are object-like macros defined before the text (by a header
	// the text includes, say): #ifdef, #if defined() and IS_ENABLED() see
	// them, and a CONFIG_ name defined here takes its value from the macro.
	Macros map[string]string

	// allBranches keeps the text of every branch of every conditional
	// (used by Extents, which maps lines and must see all of them).
	allBranches bool
}

// insertion records n characters inserted before original column col
// (0-based) of a line.
type insertion struct {
	col, n int
}

// prepared is the output of the pre-pass.
type prepared struct {
	text    []byte
	ins     map[int][]insertion // 0-based line -> insertions, sorted by col
	defines []*Define
	attrs   []attrAt
	percpu  map[string]bool // names declared with DEFINE_PER_CPU / DECLARE_PER_CPU
	diags   []Diag

	cutStart   bool // balance added braces in front of the text
	cutEndLine int  // 1-based line of the braces balance appended, or 0

	inactive []bool // 0-based lines a conditional compiles out
}

type attrAt struct {
	pos  Pos
	name string
}

// origPos maps a 0-based (line, column) of the prepared text back to a 1-based
// position in the input.
func (p *prepared) origPos(line, col int) Pos {
	shift := 0
	for _, in := range p.ins[line] {
		start := in.col + shift
		if col < start {
			break
		}
		if col < start+in.n {
			return Pos{Line: line + 1, Col: in.col + 1}
		}
		shift += in.n
	}
	return Pos{Line: line + 1, Col: col - shift + 1}
}

// attributes are kernel annotations that carry no behaviour the compiler
// needs, except __noreturn which is recorded.
var attributes = map[string]bool{
	"__noreturn": true, "__init": true, "__cpuinit": true, "__exit": true, "__ref": true,
	"notrace": true, "__always_inline": true, "__maybe_unused": true, "asmlinkage": true,
	"__cold": true, "__weak": true, "__visible": true, "__must_check": true,
	"__read_mostly": true, "__initdata": true, "__initconst": true, "__percpu": true,
	"__user": true, "__iomem": true, "__kprobes": true, "__sched": true, "__noinline": true,
	"noinline": true, "__used": true, "__unused": true, "__packed": true, "__aligned_largest": true,
	"__ro_after_init": true, "__nocfi": true, "__noinstr": true, "noinstr": true,
	"__cpuidle": true, "__always_unused": true, "__rcu": true, "__force": true,
	"__latent_entropy": true, "__printf": true, "__section": true, "__aligned": true,
	"__attribute__": true, "__attribute": true, "__noclone": true,
}

// attributesWithArgs take a parenthesised argument list that is removed too.
var attributesWithArgs = map[string]bool{
	"__attribute__": true, "__attribute": true, "__printf": true, "__section": true, "__aligned": true,
}

// statementMacros at file scope declare or register things outside the
// modelled behaviour (EXPORT_SYMBOL(x); early_param(...);); they are blanked.
func isFileScopeMacro(name string) bool {
	return strings.HasPrefix(name, "EXPORT_SYMBOL") || strings.HasSuffix(name, "_initcall") ||
		name == "early_param" || name == "__setup" || name == "module_init" || name == "module_exit" ||
		name == "MODULE_LICENSE" || name == "MODULE_AUTHOR" || name == "MODULE_DESCRIPTION" ||
		name == "NOKPROBE_SYMBOL" || name == "late_initcall" || name == "core_param"
}

// prepass runs the pre-pass over src.
func prepass(src []byte, cfg Config) *prepared {
	p, b := conditionals(src, cfg)
	p.text = p.rewrite(b)
	return p
}

// conditionals is the pre-pass up to the evaluation of the preprocessor
// directives: the text with comments and inactive branches blanked.
func conditionals(src []byte, cfg Config) (*prepared, []byte) {
	p := &prepared{ins: map[int][]insertion{}, percpu: map[string]bool{}}
	b := make([]byte, len(src))
	copy(b, src)
	for i, c := range b {
		if c == '\r' || c == 0 {
			b[i] = ' '
		}
	}
	stripComments(b)
	p.directives(b, cfg)
	return p, b
}

// Inactive reports, for each line of src (0-based), whether the
// configuration compiles it out: it is in a branch of #if, #ifdef, #ifndef,
// #elif or #else that cfg does not take. Directive lines themselves are not
// inactive.
func Inactive(src []byte, cfg Config) []bool {
	// The rewrites that make the text parse come after and move no line.
	p, _ := conditionals(src, cfg)
	return p.inactive
}

// stripComments replaces comments with spaces, keeping newlines. Text that
// starts inside a block comment (a hunk cut in the middle of one: its first
// "*/" comes before any "/*") is treated as comment up to that "*/"; an
// unterminated block comment runs to the end of the text.
func stripComments(b []byte) {
	const (
		code = iota
		block
		line
		str
		chr
	)
	state := code
	if end := bytes.Index(b, []byte("*/")); end >= 0 {
		if start := bytes.Index(b, []byte("/*")); start < 0 || start > end {
			state = block
		}
	}
	blank := func(i int) {
		if b[i] != '\n' {
			b[i] = ' '
		}
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch state {
		case code:
			switch {
			case c == '/' && i+1 < len(b) && b[i+1] == '*':
				state = block
				b[i], b[i+1] = ' ', ' '
				i++
			case c == '/' && i+1 < len(b) && b[i+1] == '/':
				state = line
				b[i] = ' '
			case c == '"':
				state = str
			case c == '\'':
				state = chr
			}
		case block:
			if c == '*' && i+1 < len(b) && b[i+1] == '/' {
				b[i], b[i+1] = ' ', ' '
				i++
				state = code
				continue
			}
			blank(i)
		case line:
			if c == '\n' {
				// A line comment continued with a backslash is rare; ignore.
				state = code
				continue
			}
			blank(i)
		case str, chr:
			q := byte('"')
			if state == chr {
				q = '\''
			}
			switch {
			case c == '\\' && i+1 < len(b) && b[i+1] != '\n':
				i++
			case c == q || c == '\n':
				// An unterminated literal ends at the line end.
				state = code
			}
		}
	}
}

// lines returns the [start, end) byte offsets of each line of b.
func lineSpans(b []byte) [][2]int {
	var spans [][2]int
	start := 0
	for i, c := range b {
		if c == '\n' {
			spans = append(spans, [2]int{start, i})
			start = i + 1
		}
	}
	spans = append(spans, [2]int{start, len(b)})
	return spans
}

func blankRange(b []byte, from, to int) {
	for i := from; i < to; i++ {
		if b[i] != '\n' {
			b[i] = ' '
		}
	}
}

// condFrame is one level of #if nesting.
type condFrame struct {
	parentActive bool // the enclosing text is active
	taken        bool // some branch of this #if was active
	active       bool // the current branch is active
}

// directives evaluates preprocessor lines: #define constants are recorded,
// conditionals are evaluated against cfg, and every directive line (with its
// continuation lines) and every inactive line becomes blank.
func (p *prepared) directives(b []byte, cfg Config) {
	spans := lineSpans(b)
	p.inactive = make([]bool, len(spans))
	var stack []condFrame
	active := true
	unknown := map[string]bool{}
	for li := 0; li < len(spans); li++ {
		s, e := spans[li][0], spans[li][1]
		trim := bytes.TrimLeft(b[s:e], " \t\f\v")
		if len(trim) == 0 || trim[0] != '#' {
			if !active {
				p.inactive[li] = true
				if !cfg.allBranches {
					blankRange(b, s, e)
				}
			}
			continue
		}
		// Gather continuation lines.
		last := li
		var full []byte
		for {
			ls, le := spans[last][0], spans[last][1]
			seg := bytes.TrimRight(b[ls:le], " \t")
			if len(seg) > 0 && seg[len(seg)-1] == '\\' && last+1 < len(spans) {
				full = append(full, seg[:len(seg)-1]...)
				full = append(full, ' ')
				last++
				continue
			}
			full = append(full, seg...)
			break
		}
		col := s + (len(b[s:e]) - len(trim)) - s
		pos := Pos{Line: li + 1, Col: col + 1}
		d := strings.TrimSpace(string(full))
		d = strings.TrimSpace(strings.TrimPrefix(d, "#"))
		word, rest := splitWord(d)
		switch word {
		case "if", "ifdef", "ifndef":
			val := false
			if active {
				switch word {
				case "ifdef", "ifndef":
					name, _ := splitWord(rest)
					val = p.defined(name, cfg, pos, unknown)
					if word == "ifndef" {
						val = !val
					}
				default:
					val = p.evalCond(rest, cfg, pos, unknown)
				}
			}
			stack = append(stack, condFrame{parentActive: active, taken: val, active: val})
			active = active && val
		case "elif":
			if len(stack) == 0 {
				p.diag(pos, "preprocessor", "#elif without #if (text starts inside a conditional); branch kept")
				break
			}
			f := &stack[len(stack)-1]
			val := false
			if f.parentActive && !f.taken {
				val = p.evalCond(rest, cfg, pos, unknown)
			}
			f.active = val
			f.taken = f.taken || val
			active = f.parentActive && val
		case "else":
			if len(stack) == 0 {
				// The text starts inside a conditional whose #if we do not
				// see; keep both branches' text as it is.
				p.diag(pos, "preprocessor", "#else without #if (text starts inside a conditional); branch kept")
				break
			}
			f := &stack[len(stack)-1]
			f.active = !f.taken
			f.taken = true
			active = f.parentActive && f.active
		case "endif":
			if len(stack) == 0 {
				p.diag(pos, "preprocessor", "#endif without #if (text starts inside a conditional)")
				break
			}
			active = stack[len(stack)-1].parentActive
			stack = stack[:len(stack)-1]
		case "define":
			if active {
				p.define(rest, pos)
			}
		case "include", "undef", "pragma", "error", "warning", "line", "":
		default:
			p.diag(pos, "preprocessor", fmt.Sprintf("directive #%s ignored", word))
		}
		blankRange(b, s, spans[last][1])
		for k := li + 1; k <= last; k++ {
			if !active && !cfg.allBranches {
				blankRange(b, spans[k][0], spans[k][1])
			}
		}
		li = last
	}
	if len(stack) > 0 {
		p.diag(Pos{Line: len(spans), Col: 1}, "preprocessor", "#if without #endif (text ends inside a conditional)")
	}
}

func splitWord(s string) (string, string) {
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && isIdent(s[i]) {
		i++
	}
	return s[:i], strings.TrimSpace(s[i:])
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func (p *prepared) diag(pos Pos, kind, msg string) {
	p.diags = append(p.diags, Diag{Pos: pos, Kind: kind, Msg: msg})
}

// defined reports whether name is defined: CONFIG_ names from cfg (unknown
// ones are reported once and taken as off), other names from the #defines
// seen so far.
func (p *prepared) defined(name string, cfg Config, pos Pos, unknown map[string]bool) bool {
	if val, ok := cfg.Macros[name]; ok {
		return !strings.HasPrefix(name, "CONFIG_") || strings.TrimSpace(val) != "0"
	}
	for _, d := range p.defines {
		if d.Name == name {
			return !strings.HasPrefix(name, "CONFIG_") || strings.TrimSpace(d.Text) != "0"
		}
	}
	if strings.HasPrefix(name, "CONFIG_") {
		v, ok := cfg.Kconfig[name]
		if !ok {
			// CONFIG_FOO_MODULE is what IS_ENABLED also tests; report the base name.
			if !unknown[name] {
				unknown[name] = true
				p.diag(pos, "unknown-config", fmt.Sprintf("%s is not in the configuration; assumed off", name))
			}
		}
		return v
	}
	return false
}

// evalCond evaluates a #if expression: IS_ENABLED(X), IS_BUILTIN(X),
// IS_REACHABLE(X), defined(X), defined X, integer literals, !, &&, || and
// parentheses. Anything else is reported and taken as false.
func (p *prepared) evalCond(expr string, cfg Config, pos Pos, unknown map[string]bool) bool {
	c := &condParser{s: expr, p: p, cfg: cfg, pos: pos, unknown: unknown}
	v := c.or()
	c.skip()
	if c.bad || c.i < len(c.s) {
		p.diag(pos, "preprocessor", fmt.Sprintf("cannot evaluate #if %s; taken as false", strings.TrimSpace(expr)))
		return false
	}
	return v
}

type condParser struct {
	s       string
	i       int
	bad     bool
	p       *prepared
	cfg     Config
	pos     Pos
	unknown map[string]bool
}

func (c *condParser) skip() {
	for c.i < len(c.s) && (c.s[c.i] == ' ' || c.s[c.i] == '\t') {
		c.i++
	}
}

func (c *condParser) eat(tok string) bool {
	c.skip()
	if strings.HasPrefix(c.s[c.i:], tok) {
		c.i += len(tok)
		return true
	}
	return false
}

func (c *condParser) or() bool {
	v := c.and()
	for c.eat("||") {
		w := c.and()
		v = v || w
	}
	return v
}

func (c *condParser) and() bool {
	v := c.unary()
	for c.eat("&&") {
		w := c.unary()
		v = v && w
	}
	return v
}

func (c *condParser) unary() bool {
	if c.eat("!") {
		return !c.unary()
	}
	if c.eat("(") {
		v := c.or()
		if !c.eat(")") {
			c.bad = true
		}
		return v
	}
	c.skip()
	start := c.i
	for c.i < len(c.s) && isIdent(c.s[c.i]) {
		c.i++
	}
	word := c.s[start:c.i]
	switch {
	case word == "":
		c.bad = true
		return false
	case word[0] >= '0' && word[0] <= '9':
		return strings.TrimLeft(word, "0ULul") != "" || false
	case word == "defined" || word == "IS_ENABLED" || word == "IS_BUILTIN" || word == "IS_REACHABLE" || word == "IS_MODULE":
		paren := c.eat("(")
		c.skip()
		s := c.i
		for c.i < len(c.s) && isIdent(c.s[c.i]) {
			c.i++
		}
		name := c.s[s:c.i]
		if paren && !c.eat(")") || name == "" {
			c.bad = true
			return false
		}
		if word == "IS_MODULE" {
			return false
		}
		return c.p.defined(name, c.cfg, c.pos, c.unknown)
	case strings.HasPrefix(word, "CONFIG_"):
		return c.p.defined(word, c.cfg, c.pos, c.unknown)
	}
	c.bad = true
	return false
}

// define records an object-like macro. Function-like macros are reported:
// the subset has no macro expansion.
func (p *prepared) define(rest string, pos Pos) {
	name, value := splitWord(rest)
	if name == "" {
		p.diag(pos, "preprocessor", "#define without a name")
		return
	}
	if strings.HasPrefix(rest[len(name):], "(") {
		// Not an error by itself: a use of it is a call of a function
		// nobody defines, which the compiler reports where it happens.
		p.diag(pos, "preprocessor", fmt.Sprintf("function-like macro %s is not expanded", name))
		return
	}
	p.defines = append(p.defines, &Define{Pos: pos, Name: name, Text: value})
}

// rewrite strips attributes, blanks file-scope registration macros, turns
// DEFINE_PER_CPU(type, name) into "type name" and iterator macros into while
// loops.
func (p *prepared) rewrite(b []byte) []byte {
	type edit struct {
		off int
		ins string
	}
	var edits []edit
	var starts []int // byte offset of each line start
	starts = append(starts, 0)
	for i, c := range b {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	lineOf := func(off int) (int, int) {
		l := sort.SearchInts(starts, off+1) - 1
		return l, off - starts[l]
	}
	depth := 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '"' || c == '\'':
			i = skipLiteral(b, i)
			continue
		case c == '{':
			depth++
			continue
		case c == '}':
			depth--
			continue
		case !isIdent(c) || (i > 0 && isIdent(b[i-1])):
			continue
		}
		j := i
		for j < len(b) && isIdent(b[j]) {
			j++
		}
		word := string(b[i:j])
		if word[0] >= '0' && word[0] <= '9' {
			i = j - 1
			continue
		}
		switch {
		case attributes[word]:
			end := j
			if attributesWithArgs[word] {
				if k := skipSpace(b, j); k < len(b) && b[k] == '(' {
					end = matchParen(b, k)
				}
			}
			l, col := lineOf(i)
			name := word
			if end > j {
				name = strings.Join(strings.Fields(string(b[i:end])), "")
			}
			p.attrs = append(p.attrs, attrAt{pos: Pos{Line: l + 1, Col: col + 1}, name: name})
			blankRange(b, i, end)
			i = end - 1
			continue
		case word == "DEFINE_PER_CPU" || word == "DECLARE_PER_CPU" || word == "DEFINE_PER_CPU_READ_MOSTLY" || word == "DEFINE_PER_CPU_ALIGNED":
			k := skipSpace(b, j)
			if k >= len(b) || b[k] != '(' {
				break
			}
			end := matchParen(b, k)
			if end > len(b) || b[end-1] != ')' {
				break
			}
			comma := bytes.LastIndexByte(b[k:end], ',')
			if comma < 0 {
				break
			}
			name, _ := splitWord(string(b[k+comma+1 : end-1]))
			p.percpu[name] = true
			blankRange(b, i, k+1)
			b[k+comma] = ' '
			b[end-1] = ' '
			if word == "DECLARE_PER_CPU" {
				// "extern" fits in the blanked macro name.
				copy(b[i:], "extern")
			}
			i = end - 1
			continue
		case depth <= 0 && isFileScopeMacro(word):
			k := skipSpace(b, j)
			if k < len(b) && b[k] == '(' {
				end := matchParen(b, k)
				if e := skipSpace(b, end); e < len(b) && b[e] == ';' {
					end = e + 1
				}
				blankRange(b, i, end)
				i = end - 1
				continue
			}
		case strings.Contains(word, "for_each"):
			k := skipSpace(b, j)
			if k >= len(b) || b[k] != '(' {
				break
			}
			end := matchParen(b, k)
			if end > len(b) || b[end-1] != ')' {
				break
			}
			// An iterator macro is followed by a statement, not by ';' or
			// an operator.
			n := skipSpace(b, end)
			if n < len(b) && (b[n] == ';' || b[n] == ')' || b[n] == ',' || b[n] == '=' || b[n] == '&' || b[n] == '|' || b[n] == '?') {
				break
			}
			edits = append(edits, edit{i, "while("}, edit{end, ")"})
			i = end - 1
			continue
		}
		i = j - 1
	}
	if len(edits) == 0 {
		return b
	}
	sort.SliceStable(edits, func(x, y int) bool { return edits[x].off < edits[y].off })
	var out []byte
	prev := 0
	for _, e := range edits {
		out = append(out, b[prev:e.off]...)
		out = append(out, e.ins...)
		prev = e.off
		l, col := lineOf(e.off)
		p.ins[l] = append(p.ins[l], insertion{col: col, n: len(e.ins)})
	}
	out = append(out, b[prev:]...)
	return out
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\f' || b[i] == '\v') {
		i++
	}
	return i
}

// skipLiteral returns the index of the closing quote of the literal at i.
func skipLiteral(b []byte, i int) int {
	q := b[i]
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case q, '\n':
			return j
		}
	}
	return len(b) - 1
}

// matchParen returns the index after the parenthesis matching the one at i,
// or len(b) when it is not closed.
func matchParen(b []byte, i int) int {
	depth := 0
	for j := i; j < len(b); j++ {
		switch b[j] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return j + 1
			}
		case '"', '\'':
			j = skipLiteral(b, j)
		case ';', '{', '}':
			return len(b)
		}
	}
	return len(b)
}
