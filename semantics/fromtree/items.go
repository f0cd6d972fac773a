package fromtree

import (
	"slices"
	"strings"
)

// item is one top-level definition of a C file: a function, or a
// declaration ending in ";" at depth 0 (an enum, a struct, a variable, an
// ops table).
type item struct {
	names       []string // what it defines: the function, the variable, "enum tag" and its enumerators, "struct tag"
	first, last int      // 1-based lines, inclusive
	text        string   // its lines
	fn          bool
	ids         []string // identifiers(text), once asked for
}

// idents are the identifiers of the item's code. The binding rounds ask
// for them of every taken function in every round: they are computed once.
func (it *item) idents() []string {
	if it.ids == nil {
		it.ids = identifiers(it.text)
		if it.ids == nil {
			it.ids = []string{}
		}
	}
	return it.ids
}

// scanItems splits C text into top-level items. Comments, strings and
// preprocessor lines are skipped; prototypes and declarations that define
// nothing (a bare "struct x;") are dropped. It needs no grammar: only the
// depth of braces and parentheses and where a statement ends.
func scanItems(text string, inactive []bool) []item {
	lines := strings.Split(text, "\n")
	code := strip(text)
	if inactive != nil {
		b := []byte(code)
		ln := 0
		for i, c := range b {
			if c == '\n' {
				ln++
			} else if ln < len(inactive) && inactive[ln] {
				b[i] = ' '
			}
		}
		code = string(b)
	}
	var out []item
	depth, paren := 0, 0
	start := -1 // byte offset where the current item began
	line := 1
	startLine := 0
	sawBrace := false
	for i := 0; i < len(code); i++ {
		c := code[i]
		if c == '\n' {
			line++
			continue
		}
		if start < 0 {
			if c == ' ' || c == '\t' || c == '\r' {
				continue
			}
			start, startLine, sawBrace = i, line, false
		}
		switch c {
		case '(':
			paren++
		case ')':
			paren--
		case '{':
			if depth == 0 && paren == 0 {
				sawBrace = true
			}
			depth++
		case '}':
			depth--
			if depth == 0 && paren == 0 && isFuncHead(code[start:i]) {
				out = append(out, newItem(lines, code[start:i+1], startLine, line, true))
				start = -1
			}
			if depth < 0 {
				depth = 0
			}
		case ';':
			if depth == 0 && paren == 0 {
				if it := newItem(lines, code[start:i+1], startLine, line, false); len(it.names) > 0 && (sawBrace || !isPrototype(code[start:i+1])) {
					out = append(out, it)
				}
				start = -1
			}
		}
	}
	return out
}

// isFuncHead reports whether s, the text before a function body's closing
// brace, starts as a function definition: "name(...) {" at depth 0. An
// "=" before the brace makes it an initialised declaration, as in
// "static DEFINE_PER_CPU(struct s, v) = { ... };".
func isFuncHead(s string) bool {
	b := strings.IndexByte(s, '{')
	p := strings.IndexByte(s, '(')
	return p >= 0 && b > p && !strings.Contains(s[:b], "=")
}

// isPrototype: a declaration whose first parenthesis comes before any "=".
func isPrototype(s string) bool {
	p := strings.IndexByte(s, '(')
	e := strings.IndexByte(s, '=')
	if p < 0 {
		return false
	}
	head := strings.TrimSpace(s[:p])
	if strings.HasPrefix(head, "DEFINE_PER_CPU") || strings.HasPrefix(head, "static DEFINE_PER_CPU") {
		return false
	}
	return e < 0 || p < e
}

func newItem(lines []string, code string, first, last int, fn bool) item {
	it := item{first: first, last: last, fn: fn}
	it.text = strings.Join(lines[first-1:min(last, len(lines))], "\n") + "\n"
	if fn {
		it.names = []string{funcName(code)}
		return it
	}
	it.names = declNames(code)
	return it
}

// funcName is the identifier before the first "(" of a definition.
func funcName(s string) string {
	p := strings.IndexByte(s, '(')
	ids := identifiers(s[:p])
	if len(ids) == 0 {
		return ""
	}
	return ids[len(ids)-1]
}

// declNames are the names a declaration defines.
func declNames(s string) []string {
	s = strings.TrimSpace(s)
	// DEFINE_PER_CPU(type, name) and friends: the last argument.
	if k := strings.Index(s, "DEFINE_PER_CPU"); k >= 0 && k < 8 {
		ids := identifiers(s[:strings.IndexByte(s, ')')])
		return ids[len(ids)-1:]
	}
	if b := strings.IndexByte(s, '{'); b >= 0 {
		head := identifiers(s[:b])
		eq := strings.IndexByte(s[:b], '=')
		if eq < 0 && len(head) >= 1 && (head[0] == "enum" || head[0] == "struct" || head[0] == "union") {
			var out []string
			if len(head) >= 2 {
				out = append(out, head[0]+" "+head[1])
			}
			if head[0] == "enum" {
				out = append(out, enumerators(s[b+1:])...)
			}
			// "enum x { ... } var;" defines var too.
			if e := strings.LastIndexByte(s, '}'); e >= 0 {
				if ids := identifiers(s[e:]); len(ids) > 0 {
					out = append(out, ids[len(ids)-1])
				}
			}
			return out
		}
		if eq >= 0 {
			if strings.IndexByte(s[:eq], '(') >= 0 {
				// DEFINE_SCHED_CLASS(idle) = { ... }: a declaring macro
				// other than DEFINE_PER_CPU, outside the subset.
				return nil
			}
			head := s[:eq]
			if k := strings.IndexByte(head, '['); k >= 0 {
				head = head[:k]
			}
			ids := withoutAttributes(identifiers(head))
			if len(ids) == 0 {
				return nil
			}
			return ids[len(ids)-1:]
		}
		return nil
	}
	end := len(s)
	for _, stop := range []string{"=", "[", ";"} {
		if k := strings.Index(s, stop); k >= 0 && k < end {
			end = k
		}
	}
	ids := withoutAttributes(identifiers(s[:end]))
	if len(ids) < 2 {
		return nil // "struct x;", a bare type
	}
	return ids[len(ids)-1:]
}

// attributes are the kernel's section and attribute macros that follow a
// declared name ("static int nr_ipi __ro_after_init = NR_IPI;"): not the
// name.
var attributes = map[string]bool{
	"__ro_after_init": true, "__read_mostly": true, "__initdata": true, "__initconst": true,
	"__tracepoint_string": true, "__maybe_unused": true, "__cacheline_aligned": true,
	"__cacheline_aligned_in_smp": true, "__refdata": true, "__used": true, "__weak": true,
	"__percpu": true, "__init": true, "__exitdata": true, "__page_aligned_bss": true,
}

// withoutAttributes drops the attribute macros after the last name.
func withoutAttributes(ids []string) []string {
	for len(ids) > 0 && attributes[ids[len(ids)-1]] {
		ids = ids[:len(ids)-1]
	}
	return ids
}

// enumerators are the names of an enum body (the text after "{").
func enumerators(body string) []string {
	var out []string
	if e := strings.IndexByte(body, '}'); e >= 0 {
		body = body[:e]
	}
	for _, part := range strings.Split(body, ",") {
		if name, _, _ := strings.Cut(part, "="); strings.TrimSpace(name) != "" {
			if ids := identifiers(name); len(ids) > 0 {
				out = append(out, ids[0])
			}
		}
	}
	return out
}

// strip replaces comments, string and character literals and preprocessor
// lines (with their continuations) by spaces, keeping every newline, so that
// offsets and line numbers stay those of text.
func strip(text string) string {
	b := []byte(text)
	const (
		code = iota
		line
		block
		str
		chr
		cpp
	)
	st := code
	bol := true // only white space since the last newline
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == '\n' {
			switch st {
			case line, str, chr:
				st = code
			case cpp:
				if i > 0 && b[i-1] == ' ' && text[i-1] == '\\' {
					break // a continued directive
				}
				st = code
			}
			bol = true
			continue
		}
		switch st {
		case code:
			switch {
			case c == '#' && bol:
				st = cpp
				b[i] = ' '
			case c == '/' && i+1 < len(b) && b[i+1] == '/':
				st = line
				b[i] = ' '
			case c == '/' && i+1 < len(b) && b[i+1] == '*':
				st = block
				b[i], b[i+1] = ' ', ' '
				i++
			case c == '"':
				st = str
			case c == '\'':
				st = chr
			}
			if c != ' ' && c != '\t' && c != '\r' {
				bol = false
			}
		case line, cpp:
			b[i] = ' '
		case block:
			if c == '*' && i+1 < len(b) && b[i+1] == '/' {
				b[i], b[i+1] = ' ', ' '
				i++
				st = code
				continue
			}
			b[i] = ' '
		case str, chr:
			q := byte('"')
			if st == chr {
				q = '\''
			}
			switch {
			case c == '\\':
				b[i] = ' '
				if i+1 < len(b) && b[i+1] != '\n' {
					b[i+1] = ' '
					i++
				}
			case c == q:
				st = code
			default:
				b[i] = ' '
			}
		}
	}
	return string(b)
}

// Decl is a top-level declaration of a C file, outside functions: what it
// defines and where. A "#define" is one too, named by its macro.
type Decl struct {
	Names       []string
	First, Last int  // 1-based lines, inclusive
	Array       bool // an array: "ipi_types[]"
	Func        bool // a function (for callers that list them with the declarations)
}

// Name is how a report names the declaration: its first name, with "[]"
// for an array.
func (d Decl) Name() string {
	if len(d.Names) == 0 {
		return ""
	}
	switch {
	case d.Array:
		return d.Names[0] + "[]"
	case d.Func:
		return d.Names[0] + "()"
	}
	return d.Names[0]
}

// Decls lists the top-level declarations of C text that are not
// functions, and its "#define" directives (with their continuation
// lines), in line order.
func Decls(text []byte) []Decl {
	var out []Decl
	for _, it := range scanItems(string(text), nil) {
		if it.fn {
			continue
		}
		d := Decl{Names: it.names, First: it.first, Last: it.last}
		if b := strings.IndexByte(it.text, '['); b >= 0 {
			e := strings.IndexAny(it.text, "={;")
			d.Array = e < 0 || b < e
		}
		out = append(out, d)
	}
	lines := strings.Split(string(text), "\n")
	for i := 0; i < len(lines); i++ {
		t := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(t, "#") {
			continue
		}
		first := i
		for i+1 < len(lines) && strings.HasSuffix(strings.TrimRight(lines[i], " \t"), "\\") {
			i++
		}
		d := strings.TrimSpace(strings.TrimPrefix(t, "#"))
		if !strings.HasPrefix(d, "define") {
			continue
		}
		if ids := identifiers(strings.TrimPrefix(d, "define")); len(ids) > 0 {
			out = append(out, Decl{Names: ids[:1], First: first + 1, Last: i + 1})
		}
	}
	slices.SortStableFunc(out, func(a, b Decl) int { return a.First - b.First })
	return out
}
