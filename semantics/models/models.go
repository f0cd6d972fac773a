// Package models is the baseline model library: executable restatements of
// the Linux v5.10 arm64 kernel functions on the kexec, stop and CPU hotplug
// paths, written in the kernel-C subset the compiler interprets.
//
// The models are embedded C files under src/, one per kernel file, at the
// kernel path they restate (src/arch/arm64/kernel/smp.c models
// arch/arm64/kernel/smp.c), plus src/model.h with the shared declarations.
// Their lines are the kernel's own lines with comments dropped, so that a
// patch's context and removed lines can be found in them; each line knows the
// kernel line it stands for, so that traces show kernel line numbers.
//
// Line markers in the embedded files:
//
//	// file: PATH         the kernel file the model file restates
//	// blob: HASH         the git blob (abbreviated) it restates, or "unknown"
//	// version: V         the kernel version
//	// model: PATH BLOB line N   precedes each function definition
//	#line N               the next line stands for kernel line N; later lines count on
//	//- TEXT              a kernel line with no effect in the model (kept for matching)
//	... //~ NOTE          a line that is our restatement, not kernel text
//
// Lines with neither marker are kernel text (whitespace aside). Other "//"
// comment lines are the model's own and stand for no kernel line.
package models

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

//go:embed src
var srcFS embed.FS

// Names of the entry functions: what the machine starts its CPUs in.
const (
	// EntryBoot is run by the boot CPU: the kexec reboot from kernel_kexec()'s
	// kexec_mutex on.
	EntryBoot = "kernel_kexec"
	// EntrySecondary is run by every secondary CPU: its idle loop.
	EntrySecondary = "cpu_startup_entry"
	// EntryIRQ is called on IRQ entry with the IPI number.
	EntryIRQ = "do_handle_IPI"
	// EntryNMI, when the sources define it (v6.7+), says for an IPI number
	// whether ipi_setup() requests that IPI as a pseudo-NMI.
	EntryNMI = "ipi_should_be_nmi"
)

// PreludePath is the Path of the model file holding shared declarations.
const PreludePath = "model.h"

// LineKind says what a model line stands for.
type LineKind uint8

const (
	// Code is kernel text, compiled as written.
	Code LineKind = iota
	// Elided is a kernel line with no effect in the model ("//-"): it is
	// matched against patch context but compiled as a comment.
	Elided
	// Restated is our restatement of a kernel line ("//~"): compiled, but
	// never matched against a patch, since its text is not the kernel's.
	Restated
	// Blank is an empty line.
	Blank
	// Comment is a comment of the model's own.
	Comment
)

func (k LineKind) String() string {
	switch k {
	case Code:
		return "code"
	case Elided:
		return "elided"
	case Restated:
		return "restated"
	case Blank:
		return "blank"
	}
	return "comment"
}

// Line is one line of a model file, directives removed.
type Line struct {
	Text   string // the line as handed to the compiler (an Elided line keeps its "//-" prefix)
	Kernel string // for Code and Elided lines: the kernel text it stands for
	KLine  int    // the kernel line it stands for; 0 for the model's own lines
	Kind   LineKind
	Pos    int // 1-based line in the embedded file
}

// Matchable reports whether a patch's context or removed line may be
// matched against l.
func (l Line) Matchable() bool { return l.Kind == Code || l.Kind == Elided }

// ModelFile is one embedded model file.
type ModelFile struct {
	Path     string // kernel path it restates, or PreludePath
	Embedded string // path of the embedded source, e.g. "src/arch/arm64/kernel/smp.c"
	Blob     string // abbreviated git blob of the kernel file it restates, "" when unknown
	Version  string
	Text     []byte // the embedded source as written
	Lines    []Line
	Funcs    []*Func
}

// Func is a modelled kernel function.
type Func struct {
	Name    string
	File    string // kernel path
	Line    int    // kernel line of the definition
	EndLine int    // kernel line of the closing brace
	Blob    string // abbreviated blob of the kernel file, "" when unknown
	Version string
	// Source is the function's model text (as compiled, directives removed).
	Source string
	// First and Last index the function's lines in Model.Lines (inclusive).
	First, Last int
	Model       *ModelFile
}

// Lines returns the function's model lines.
func (f *Func) Lines() []Line { return f.Model.Lines[f.First : f.Last+1] }

// Library is the set of model files.
type Library struct {
	Version string
	Funcs   []*Func // sorted by File, then Line
	Files   []*ModelFile
	byName  map[string]*Func
	byPath  map[string]*ModelFile
}

var (
	defaultOnce sync.Once
	defaultLib  *Library
	defaultErr  error
)

// Default returns the embedded library, parsed once. The embedded files are
// checked by the package's tests, so an error here is a build defect.
func Default() *Library {
	defaultOnce.Do(func() {
		defaultLib, defaultErr = Load(srcFS)
	})
	if defaultErr != nil {
		panic("models: embedded library: " + defaultErr.Error())
	}
	return defaultLib
}

// Load parses every .c and .h file under src/ of fsys.
func Load(fsys fs.FS) (*Library, error) {
	lib := &Library{Version: "v5.10", byName: map[string]*Func{}, byPath: map[string]*ModelFile{}}
	err := fs.WalkDir(fsys, "src", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if ext := path.Ext(p); ext != ".c" && ext != ".h" {
			return nil
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		mf, err := ParseFile(p, b)
		if err != nil {
			return err
		}
		if mf.Path != strings.TrimPrefix(p, "src/") {
			return fmt.Errorf("%s:1: file header names %q", p, mf.Path)
		}
		lib.Files = append(lib.Files, mf)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return NewLibrary(lib.Version, lib.Files)
}

// NewLibrary makes a library of files (the prelude first, then kernel files
// by path, which is the compile order). A function defined twice is an error.
func NewLibrary(version string, files []*ModelFile) (*Library, error) {
	lib := &Library{Version: version, Files: slices.Clone(files), byName: map[string]*Func{}, byPath: map[string]*ModelFile{}}
	sort.SliceStable(lib.Files, func(i, j int) bool {
		a, b := lib.Files[i], lib.Files[j]
		if (a.Path == PreludePath) != (b.Path == PreludePath) {
			return a.Path == PreludePath
		}
		return a.Path < b.Path
	})
	for _, mf := range lib.Files {
		lib.byPath[mf.Path] = mf
		for _, f := range mf.Funcs {
			if g, dup := lib.byName[f.Name]; dup {
				return nil, fmt.Errorf("%s:%d: function %s already modelled in %s", mf.Embedded, mf.Lines[f.First].Pos, f.Name, g.Model.Embedded)
			}
			lib.byName[f.Name] = f
			lib.Funcs = append(lib.Funcs, f)
		}
	}
	return lib, nil
}

// Lookup returns the model of the named function, or nil.
func (l *Library) Lookup(name string) *Func { return l.byName[name] }

// File returns the model file restating the kernel file at path, or nil.
func (l *Library) File(path string) *ModelFile { return l.byPath[path] }

// FuncAt returns the function of mf whose lines include index i of
// mf.Lines, or nil.
func (mf *ModelFile) FuncAt(i int) *Func {
	for _, f := range mf.Funcs {
		if f.First <= i && i <= f.Last {
			return f
		}
	}
	return nil
}

// Normalize is the form in which lines are compared: all white space
// removed, since mail and web archives change it.
func Normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch r {
		case ' ', '\t', '\r', '\n', '\f', '\v', '\u00a0':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Key is the form in which a line of C is compared with another: comments
// removed (a kernel line may carry a trailing comment the model drops) and
// white space removed.
func Key(s string) string { return Normalize(StripComments(s)) }

// StripComments removes the comments of one line of C: "//" to the end of
// the line, and "/* ... */" (to the end of the line when it is not closed on
// it). String and character literals are kept.
func StripComments(s string) string {
	var c CommentState
	return c.Strip(s)
}

// CommentState strips comments line by line from text whose block
// comments may span lines: In says a "/*" is open at the start of the next
// line.
type CommentState struct{ In bool }

// Strip removes the comment text of line, given the state at its start, and
// updates the state for the next line. A closed block comment becomes one
// space. String and character literals are kept.
func (c *CommentState) Strip(line string) string {
	var b strings.Builder
	for i := 0; i < len(line); i++ {
		if c.In {
			end := strings.Index(line[i:], "*/")
			if end < 0 {
				return b.String()
			}
			c.In = false
			i += end + 1
			b.WriteByte(' ')
			continue
		}
		ch := line[i]
		switch {
		case ch == '"' || ch == '\'':
			j := i + 1
			for j < len(line) && line[j] != ch {
				if line[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(line) {
				j = len(line) - 1
			}
			b.WriteString(line[i : j+1])
			i = j
		case ch == '/' && i+1 < len(line) && line[i+1] == '/':
			return b.String()
		case ch == '/' && i+1 < len(line) && line[i+1] == '*':
			c.In = true
			i++
		default:
			b.WriteByte(ch)
		}
	}
	return b.String()
}

// ParseFile parses one model file; name is its embedded path.
func ParseFile(name string, src []byte) (*ModelFile, error) {
	mf := &ModelFile{Embedded: name, Text: src}
	errf := func(pos int, format string, args ...any) error {
		return fmt.Errorf("%s:%d: %s", name, pos, fmt.Sprintf(format, args...))
	}
	type pending struct {
		file, blob string
		line, pos  int
	}
	var (
		next    int // kernel line of the next line; 0 when the lines are the model's own
		fn      *pending
		cur     *Func
		inHead  = true
		scanner = bufio.NewScanner(bytes.NewReader(src))
		pos     int
	)
	scanner.Buffer(make([]byte, 64*1024), 1<<20)
	for scanner.Scan() {
		pos++
		raw := strings.TrimRight(scanner.Text(), " \t\r")
		trim := strings.TrimSpace(raw)
		if inHead && strings.HasPrefix(trim, "// ") {
			k, v, ok := strings.Cut(strings.TrimPrefix(trim, "// "), ": ")
			if ok || strings.HasSuffix(trim, ":") {
				switch strings.TrimSuffix(k, ":") {
				case "file":
					mf.Path = v
					continue
				case "blob":
					if v != "unknown" {
						mf.Blob = v
					}
					continue
				case "version":
					mf.Version = v
					continue
				}
			}
		}
		if trim != "" && !strings.HasPrefix(trim, "//") {
			inHead = false
		}
		if strings.HasPrefix(trim, "#line ") {
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(trim, "#line ")))
			if err != nil || n <= 0 {
				return nil, errf(pos, "bad #line directive %q", trim)
			}
			next = n
			continue
		}
		if strings.HasPrefix(trim, "// model: ") {
			f := strings.Fields(strings.TrimPrefix(trim, "// model: "))
			if len(f) != 4 || f[2] != "line" {
				return nil, errf(pos, "want \"// model: PATH BLOB line N\", have %q", trim)
			}
			n, err := strconv.Atoi(f[3])
			if err != nil {
				return nil, errf(pos, "bad line number in %q", trim)
			}
			if f[0] != mf.Path {
				return nil, errf(pos, "model of %s in the model file of %s", f[0], mf.Path)
			}
			blob := f[1]
			if blob == "unknown" {
				blob = ""
			}
			if blob != mf.Blob {
				return nil, errf(pos, "blob %s differs from the file's %s", f[1], mf.Blob)
			}
			fn = &pending{file: f[0], blob: blob, line: n, pos: pos}
			continue
		}
		l := Line{Pos: pos}
		switch {
		case trim == "":
			l.Kind = Blank
		case strings.HasPrefix(trim, "//-"):
			l.Kind = Elided
			l.Kernel = strings.TrimPrefix(trim, "//-")
		case strings.HasPrefix(trim, "//"):
			l.Kind = Comment
		case strings.Contains(raw, "//~"):
			l.Kind = Restated
		default:
			l.Kind = Code
			l.Kernel = raw
		}
		l.Text = raw
		if l.Kind != Comment && next > 0 {
			l.KLine = next
			next++
		}
		idx := len(mf.Lines)
		mf.Lines = append(mf.Lines, l)
		if fn != nil && l.Kind != Comment && l.Kind != Blank {
			if l.KLine != fn.line {
				return nil, errf(pos, "definition stands for kernel line %d, the model comment says %d", l.KLine, fn.line)
			}
			cur = &Func{Name: funcName(trim), File: fn.file, Line: fn.line, Blob: fn.blob, Version: mf.Version, First: idx, Model: mf}
			if cur.Name == "" {
				return nil, errf(pos, "no function name in %q", trim)
			}
			fn = nil
		}
		if cur != nil && raw == "}" {
			cur.Last = idx
			cur.EndLine = l.KLine
			var b strings.Builder
			for _, x := range mf.Lines[cur.First : idx+1] {
				b.WriteString(x.Text)
				b.WriteByte('\n')
			}
			cur.Source = b.String()
			mf.Funcs = append(mf.Funcs, cur)
			cur = nil
		}
	}
	if err := scanner.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	if mf.Path == "" {
		return nil, errf(1, "no \"// file:\" header")
	}
	if cur != nil {
		return nil, errf(mf.Lines[cur.First].Pos, "function %s has no closing brace at column 0", cur.Name)
	}
	if fn != nil {
		return nil, errf(fn.pos, "model comment without a function")
	}
	return mf, nil
}

// funcName is the identifier before the first "(" of a definition line.
func funcName(s string) string {
	i := strings.IndexByte(s, '(')
	if i < 0 {
		return ""
	}
	s = strings.TrimSpace(s[:i])
	j := len(s)
	for j > 0 && isIdent(s[j-1]) {
		j--
	}
	return s[j:]
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// Mismatch is a model line whose kernel text differs from the kernel file's
// line it stands for.
type Mismatch struct {
	Func   string // enclosing function, "" outside functions
	Line   Line
	Actual string // the kernel file's text at Line.KLine ("" past its end)
}

func (m Mismatch) String() string {
	return fmt.Sprintf("%d: model %q, kernel %q (%s)", m.Line.KLine, strings.TrimSpace(m.Line.Kernel), strings.TrimSpace(m.Actual), m.Func)
}

// Verify compares every kernel-text line of mf (Code and Elided) with the
// line of kernel it stands for, white space ignored. kernel must be the
// text of the blob mf names.
func (mf *ModelFile) Verify(kernel []byte) []Mismatch {
	klines := strings.Split(string(kernel), "\n")
	var out []Mismatch
	for i, l := range mf.Lines {
		if !l.Matchable() || l.KLine == 0 {
			continue
		}
		actual := ""
		if l.KLine <= len(klines) {
			actual = klines[l.KLine-1]
		}
		if Key(actual) != Key(l.Kernel) {
			name := ""
			if f := mf.FuncAt(i); f != nil {
				name = f.Name
			}
			out = append(out, Mismatch{Func: name, Line: l, Actual: actual})
		}
	}
	return out
}

// Identifiers returns the distinct C identifiers of code, in order of first
// appearance, keywords included; string and character literals are skipped.
// code should have its comments removed.
func Identifiers(code string) []string {
	var out []string
	seen := map[string]bool{}
	for i := 0; i < len(code); {
		ch := code[i]
		if ch == '"' || ch == '\'' {
			j := i + 1
			for j < len(code) && code[j] != ch {
				if code[j] == '\\' {
					j++
				}
				j++
			}
			i = j + 1
			continue
		}
		if ch == '_' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' {
			j := i
			for j < len(code) && isIdent(code[j]) {
				j++
			}
			if w := code[i:j]; (ch < '0' || ch > '9') && !seen[w] {
				seen[w] = true
				out = append(out, w)
			}
			i = j
			continue
		}
		i++
	}
	return out
}
