package parse

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite golden files")

// formSources turns a txtar bundle's files into parse sources. Every file
// but "want" is an input, in order. Two name suffixes let a bundle stay
// readable UTF-8 text while exercising other bytes: ".crlf" turns line
// ends into CRLF, ".latin1" encodes the text as ISO-8859-1.
func formSources(t *testing.T, a *txtar.Archive) (srcs []Source, want string) {
	for _, f := range a.Files {
		if f.Name == "want" {
			want = string(f.Data)
			continue
		}
		data := f.Data
		name := f.Name
		if n, ok := strings.CutSuffix(name, ".crlf"); ok {
			data, name = bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n")), n
		}
		if n, ok := strings.CutSuffix(name, ".latin1"); ok {
			enc, err := charmap.ISO8859_1.NewEncoder().Bytes(data)
			if err != nil {
				t.Fatalf("%s: %v", f.Name, err)
			}
			data, name = enc, n
		}
		srcs = append(srcs, Source{name, bytes.NewReader(data)})
	}
	return srcs, want
}

// TestForms parses each bundle of fixtures/forms, compares the full
// description with a golden file, and checks the bundle's own "want"
// lines (the facts the case is about) appear in it.
func TestForms(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("..", "fixtures", "forms", "*.txtar"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, path := range paths {
		name := strings.TrimSuffix(filepath.Base(path), ".txtar")
		t.Run(name, func(t *testing.T) {
			a, err := txtar.ParseFile(path)
			if err != nil {
				t.Fatal(err)
			}
			srcs, want := formSources(t, a)
			var got string
			s, err := ParseSources(srcs, nil)
			if err != nil {
				got = "error: " + err.Error() + "\n"
			} else {
				got = describe(s)
			}
			golden := filepath.Join("testdata", "forms", name+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			exp, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if got != string(exp) {
				t.Errorf("output differs from %s (run with -update and review the diff):\n%s", golden, got)
			}
			gotLines := map[string]bool{}
			for _, l := range strings.Split(got, "\n") {
				gotLines[strings.TrimSpace(l)] = true
			}
			if strings.TrimSpace(want) == "" {
				t.Fatalf("%s has no want section", path)
			}
			for _, l := range strings.Split(want, "\n") {
				if l = strings.TrimSpace(l); l != "" && !gotLines[l] {
					t.Errorf("missing wanted line %q", l)
				}
			}
		})
	}
}

// describe renders everything parsed about a series, one fact a line.
func describe(s *Series) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	for _, in := range s.Inputs {
		p("input: %s %s", in.Name, in.Kind)
	}
	if c := s.Cover; c != nil {
		p("cover: %s", c.Subject)
		p("cover message-id: %s", c.MessageID)
		p("cover at: %s:%d", c.Pos.File, c.Pos.Line)
	}
	p("patches: %d", len(s.Patches))
	for _, n := range s.Notices {
		p("series notice: %s %s:%d %s", n.Kind, n.Pos.File, n.Pos.Line, n.Message)
	}
	for _, pa := range s.Patches {
		p("")
		p("patch %d/%d v%d: %s", pa.Index, pa.Total, pa.Version, pa.Subject)
		p("prefix: %s", pa.Prefix)
		p("raw subject: %s", pa.RawSubject)
		p("message-id: %s", pa.MessageID)
		p("in-reply-to: %s", pa.InReplyTo)
		p("references: %s", strings.Join(pa.References, " "))
		p("author: %s", pa.Author)
		p("date: %s", pa.Date.Format(time.RFC3339))
		p("at: %s:%d diff at: %s:%d", pa.Pos.File, pa.Pos.Line, pa.DiffPos.File, pa.DiffPos.Line)
		p("base-commit: %s", pa.BaseCommit)
		p("change-id: %s", pa.ChangeID)
		p("mangled: %v", pa.Mangled)
		for _, l := range strings.Split(pa.Message, "\n") {
			p("message| %s", l)
		}
		for _, t := range pa.Trailers {
			p("trailer: %s: %s [%s]", t.Key, t.Value, t.Source)
		}
		if d := pa.Diffstat; d != nil {
			p("diffstat: %d files, +%d -%d at line %d", d.Changed, d.Insertions, d.Deletions, d.Pos.Line)
			for _, f := range d.Files {
				p("diffstat file: %s %d binary=%v", f.Path, f.Changes, f.Binary)
			}
		}
		for _, f := range pa.Files {
			p("file: %s -> %s new=%v delete=%v rename=%v copy=%v binary=%v mode=%o->%o", f.OldName, f.NewName, f.IsNew, f.IsDelete, f.IsRename, f.IsCopy, f.IsBinary, f.OldMode, f.NewMode)
			if f.BinaryFragment != nil {
				p("binary fragment: method=%v size=%d", f.BinaryFragment.Method, f.BinaryFragment.Size)
			}
			for _, fr := range f.TextFragments {
				p("hunk: %s", strings.TrimSpace(fr.Header()))
				for _, l := range fr.Lines {
					p("| %s", strings.TrimSuffix(l.String(), "\n"))
				}
			}
		}
		for _, n := range pa.Notices {
			p("notice: %s %s:%d %s", n.Kind, n.Pos.File, n.Pos.Line, n.Message)
		}
	}
	return b.String()
}
