package parse

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/tools/txtar"
)

// fuzzSeeds adds the seed patch and every fixture input to a corpus.
func fuzzSeeds(f *testing.F) {
	for _, p := range []string{"arm64-kexec-smp-send-stop.mbox", "arm64-kexec-smp-send-stop.lkml.txt"} {
		if data, err := os.ReadFile(filepath.Join(seedDir, p)); err == nil {
			f.Add(data)
		}
	}
	for _, dir := range []string{"forms", "bad"} {
		paths, _ := filepath.Glob(filepath.Join("..", "fixtures", dir, "*.txtar"))
		for _, p := range paths {
			a, err := txtar.ParseFile(p)
			if err != nil {
				continue
			}
			for _, file := range a.Files {
				if file.Name != "want" && file.Name != "error" && file.Name != "args" {
					f.Add(file.Data)
				}
			}
		}
	}
}

// FuzzSplitMbox checks the splitter never panics, numbers chunks in
// increasing line order, and never returns more messages than there are
// "From " lines.
func FuzzSplitMbox(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		cs := splitMbox(data)
		froms := bytes.Count(data, []byte("From ")) // upper bound
		if len(cs) > froms {
			t.Fatalf("%d chunks from %d From lines", len(cs), froms)
		}
		last := 0
		for _, c := range cs {
			if c.line <= last {
				t.Fatalf("chunk at line %d after %d", c.line, last)
			}
			last = c.line
		}
	})
}

// FuzzMIME checks that decoding a mail never panics and yields valid
// UTF-8 text, or an *Error with a position.
func FuzzMIME(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := parseMail("f", chunk{data, 1})
		if err != nil {
			if pe, ok := err.(*Error); !ok || pe.Pos.File != "f" {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		if !utf8.ValidString(m.body) || !utf8.ValidString(m.subject) || !utf8.ValidString(m.from) {
			t.Fatalf("invalid UTF-8 out of the decoder")
		}
	})
}

// FuzzRepair checks the hunk scan: same number of lines out as in, and
// when it succeeds every hunk's body agrees with its (possibly rewritten)
// header, so go-gitdiff will not reject the counts.
func FuzzRepair(f *testing.F) {
	fuzzSeeds(f)
	f.Add([]byte("@@ -1,3 +1,3 @@\na\n-b\n+B\nc\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		in := strings.Split(string(data), "\n")
		hs, err := scanHunks(in, func(i int) Pos { return Pos{"f", i + 1} })
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		if len(hs.lines) != len(in) {
			t.Fatalf("%d lines out, %d in", len(hs.lines), len(in))
		}
		for i := 0; i < len(hs.lines); i++ {
			mm := hunkHeader.FindStringSubmatch(hs.lines[i])
			if mm == nil || !hs.inHunk[i] {
				continue
			}
			oldN, newN := atoiDefault(mm[2], 1), atoiDefault(mm[4], 1)
			j := i + 1
			for j < len(hs.lines) && hs.inHunk[j] && !hunkHeader.MatchString(hs.lines[j]) {
				j++
			}
			o, n := 0, 0
			for _, l := range hs.lines[i+1 : j] {
				switch {
				case l == "":
					t.Fatalf("empty line left in hunk at %d", i+1)
				case l[0] == ' ':
					o++
					n++
				case l[0] == '-':
					o++
				case l[0] == '+':
					n++
				}
			}
			if o != oldN || n != newN {
				t.Fatalf("hunk at line %d: header -%d +%d, body -%d +%d\n%q", i+1, oldN, newN, o, n, hs.lines[i:j])
			}
			i = j - 1
		}
	})
}

// FuzzParse runs whole inputs through every stage (form detection, mbox,
// MIME, web-archive, body, hunk scan, go-gitdiff, series assembly): no
// panic, and either a series with at least one patch or a positioned
// *Error.
func FuzzParse(f *testing.F) {
	fuzzSeeds(f)
	// Compressed forms of the seed, so that the decoders are explored too.
	if seed, err := os.ReadFile(seedPath); err == nil {
		f.Add(gzipped(f, seed))
		f.Add(xzed(f, seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("f", bytes.NewReader(data), &Options{MaxSize: 1 << 20, MaxLine: 4096})
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		if len(s.Patches) == 0 {
			t.Fatal("no error and no patch")
		}
		for _, p := range s.Patches {
			if len(p.Files) == 0 {
				t.Fatalf("patch %d without files", p.Index)
			}
		}
	})
}
