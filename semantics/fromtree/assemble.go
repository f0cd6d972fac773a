package fromtree

import (
	"fmt"
	"strings"

	"github.com/patchcheck/patchcheck/semantics/cfront"
	"github.com/patchcheck/patchcheck/semantics/models"
)

// treeFile is one kernel file of the path as the tree has it, with the
// bundled model of it.
type treeFile struct {
	path  string
	blob  string
	model *models.ModelFile
	items []item
	defs  map[string]*item // functions by name
	decls map[string]*item // declarations by each name they define
	// Declarations of the model file (outside its functions), in order.
	modelDecls []item
	// lines is the tree's text.
	lines []string
}

func newTreeFile(mf *models.ModelFile, text []byte, blob string, cfg cfront.Config) *treeFile {
	tf := &treeFile{path: mf.Path, blob: blob, model: mf, defs: map[string]*item{}, decls: map[string]*item{}}
	tf.items = scanItems(string(text), cfront.Inactive(text, cfg))
	if text != nil {
		tf.lines = strings.Split(strings.TrimSuffix(string(text), "\n"), "\n")
	}
	for i := range tf.items {
		it := &tf.items[i]
		for _, n := range it.names {
			if it.fn {
				if _, dup := tf.defs[n]; !dup {
					tf.defs[n] = it
				}
			} else if _, dup := tf.decls[n]; !dup {
				tf.decls[n] = it
			}
		}
	}
	// The model's declarations: its lines outside functions, scanned as C
	// (the line index is the scanned line - 1).
	var b strings.Builder
	for i, l := range mf.Lines {
		if mf.FuncAt(i) != nil || l.Kind == models.Comment {
			b.WriteString("\n")
			continue
		}
		b.WriteString(l.Text)
		b.WriteByte('\n')
	}
	for _, it := range scanItems(b.String(), nil) {
		if !it.fn {
			tf.modelDecls = append(tf.modelDecls, it)
		}
	}
	return tf
}

// key names an item for binding: a function by its name, a declaration by
// its file and first name.
func declKey(path string, it *item) string { return "decl " + path + " " + it.names[0] }

// assembly is a library and, for each compiled line, the item it belongs to.
type assembly struct {
	lib   *models.Library
	owner map[string]string // "file:line" -> function name or declKey
}

func lineKey(file string, line int) string { return fmt.Sprintf("%s:%d", file, line) }

// assemble builds the library: for each path file, the tree's declarations
// and functions that are taken and not bound, and the library's
// restatements of what is bound, in a file of their own named PATH@VERSION
// so that no line of a restatement is shown as the tree's.
//
// With elide, the rest of each file's text is kept as elided lines (see
// below); the binding rounds leave it out, since it compiles to nothing
// and parsing it in every round costs more than the rounds themselves.
func assemble(base *models.Library, files map[string]*treeFile, paths []string, take map[string]bool, bound map[string]string, version string, macros map[string]bool, definedIn map[string]string, elide bool) (*assembly, error) {
	as := &assembly{owner: map[string]string{}}
	var out []*models.ModelFile
	if p := base.File(models.PreludePath); p != nil {
		out = append(out, preludeFor(p, take, bound))
	}
	for _, p := range paths {
		tf := files[p]
		mf := tf.model
		tm := &models.ModelFile{Path: p, Embedded: mf.Embedded, Blob: abbrev(tf.blob), Version: version}
		bm := &models.ModelFile{Path: p + "@" + base.Version, Embedded: mf.Embedded, Blob: mf.Blob, Version: base.Version}

		// Names the taken functions of this file use.
		used := map[string]bool{}
		for name, d := range tf.defs {
			if take[name] && bound[name] == "" {
				for _, id := range d.idents() {
					used[id] = true
				}
				for _, td := range threadDecls[name] {
					used[td] = true
				}
			}
		}
		// What the machine's start sets (afterBoot), and the names it
		// needs declared.
		var boot []string
		for _, ab := range afterBoot {
			if _, b := bound[ab.when]; ab.file == p && take[ab.when] && !b && definedIn[ab.when] == p {
				boot = append(boot, ab.text)
				for _, id := range identifiers(ab.text) {
					used[id] = true
				}
			}
		}
		// Declarations: the tree's text of every declaration the model
		// has or the taken functions use; the model's where the tree has
		// none or its text is bound.
		done := map[*item]bool{}
		for _, md := range tf.modelDecls {
			var ti *item
			for _, n := range md.names {
				if d := tf.decls[n]; d != nil {
					ti = d
					break
				}
			}
			if ti != nil && bound[declKey(p, ti)] == "" {
				continue // taken below, in the tree's order
			}
			// The model's lines, at their model origin.
			for k := md.first; k <= md.last; k++ {
				l := mf.Lines[k-1]
				if l.Kind == models.Code {
					l.Kind = models.Restated
				}
				l.KLine = 0
				tm.Lines = append(tm.Lines, l)
			}
		}
		want := map[*item]bool{}
		for _, md := range tf.modelDecls {
			for _, n := range md.names {
				if d := tf.decls[n]; d != nil {
					want[d] = true
				}
			}
		}
		for n := range used {
			if d := tf.decls[n]; d != nil && !macros[n] {
				// The step table is the model's (core.go); the tree's
				// declaration ahead of its uses is taken, not its
				// definition.
				if !(p == stepFile && n == stepTable && strings.Contains(d.text, "=")) {
					want[d] = true
				}
			}
			// The definition of a struct type the functions name (the
			// fields of a per-CPU struct are its slots).
			if d := tf.decls["struct "+n]; d != nil {
				want[d] = true
			}
		}
		// The text between what is taken (the declarations nothing on the
		// path uses, tables, prototypes, preprocessor lines, comments, the
		// functions not taken or bound) is kept as elided lines, matched
		// against a patch's context but compiled as comments: a hunk among
		// them is placed where the tree has it.
		next := 1
		filler := func(upto int) {
			for ; next < upto && next <= len(tf.lines); next++ {
				if elide {
					appendElided(tm, tf.lines[next-1], next)
				}
			}
		}
		for i := range tf.items {
			it := &tf.items[i]
			if it.fn {
				if !take[it.names[0]] || bound[it.names[0]] != "" || tf.defs[it.names[0]] != it {
					continue
				}
				filler(it.first)
				next = max(next, it.last+1)
				f := &models.Func{Name: it.names[0], File: p, Line: it.first, EndLine: it.last, Blob: tm.Blob, Version: version, Source: it.text, Model: tm}
				f.First = len(tm.Lines)
				appendTreeLines(tm, it)
				f.Last = len(tm.Lines) - 1
				tm.Funcs = append(tm.Funcs, f)
				for k := it.first; k <= it.last; k++ {
					as.owner[lineKey(p, k)] = f.Name
				}
				as.owner["func "+f.Name] = p
				continue
			}
			if !want[it] || done[it] || bound[declKey(p, it)] != "" {
				continue
			}
			done[it] = true
			filler(it.first)
			next = max(next, it.last+1)
			appendTreeLines(tm, it)
			for k := it.first; k <= it.last; k++ {
				as.owner[lineKey(p, k)] = declKey(p, it)
			}
		}
		filler(len(tf.lines) + 1)
		for _, ab := range boot {
			tm.Lines = append(tm.Lines, models.Line{Text: ab, Kind: models.Restated})
		}
		// Restatements of the library's functions that are bound or that
		// the tree's file does not define.
		for _, f := range mf.Funcs {
			// The tree's definition, in this file or one it moved to.
			if _, inTree := definedIn[f.Name]; inTree && take[f.Name] && bound[f.Name] == "" {
				continue
			}
			g := *f
			g.File, g.Model = bm.Path, bm
			g.First = len(bm.Lines)
			for _, l := range f.Lines() {
				if l.Kind == models.Code {
					l.Kind = models.Restated
				}
				bm.Lines = append(bm.Lines, l)
			}
			g.Last = len(bm.Lines) - 1
			bm.Funcs = append(bm.Funcs, &g)
		}
		out = append(out, tm)
		if p == stepFile && used[stepTable] {
			out = append(out, stepBindingFile(version))
		}
		if len(bm.Funcs) > 0 {
			out = append(out, bm)
		}
	}
	lib, err := models.NewLibrary(version, out)
	if err != nil {
		return nil, err
	}
	as.lib = lib
	return as, nil
}

// appendTreeLines appends the lines of a tree item as kernel text.
func appendTreeLines(mf *models.ModelFile, it *item) {
	for k, text := range strings.Split(strings.TrimSuffix(it.text, "\n"), "\n") {
		l := models.Line{Text: text, Kernel: text, KLine: it.first + k, Pos: it.first + k, Kind: models.Code}
		switch t := strings.TrimSpace(text); {
		case t == "":
			l.Kind, l.Kernel = models.Blank, ""
		case strings.HasPrefix(t, "//"):
			l.Kind, l.Kernel = models.Comment, ""
		}
		mf.Lines = append(mf.Lines, l)
	}
}

// appendElided appends line k of the tree's text as an elided line: kernel
// text for matching, a comment for the compiler (a trailing backslash is
// dropped from the comment, so that it does not continue onto the next
// line).
func appendElided(mf *models.ModelFile, text string, k int) {
	l := models.Line{Text: "//- " + strings.TrimRight(text, "\\"), Kernel: text, KLine: k, Pos: k, Kind: models.Elided}
	if strings.TrimSpace(text) == "" {
		l = models.Line{KLine: k, Pos: k, Kind: models.Blank}
	}
	mf.Lines = append(mf.Lines, l)
}

func abbrev(blob string) string {
	if len(blob) > 12 {
		return blob[:12]
	}
	return blob
}
