package parse

import (
	"strconv"
	"strings"
	"testing"
)

func TestScanHunks(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		out     string // repaired text; empty when unchanged
		notices string // "kind@line" list
		mangled bool
		err     string
	}{
		{name: "clean", in: "@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n-- \n2.39.5"},
		{name: "blank context", in: "@@ -1,3 +1,3 @@\n a\n-b\n+B\n\n", out: "@@ -1,3 +1,3 @@\n a\n-b\n+B\n \n"},
		{name: "lost spaces", in: "@@ -1,3 +1,3 @@\na\n-b\n+B\nc\n--\n1.8", out: "@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n--\n1.8", notices: "repair@2 repair@5", mangled: true},
		// A context line whose text begins "* " (a comment) is still context.
		{name: "lost spaces, comment", in: "@@ -1,2 +1,2 @@\n* x\n-a\n+b", out: "@@ -1,2 +1,2 @@\n * x\n-a\n+b", notices: "repair@2", mangled: true},
		{name: "no newline marker", in: "@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n\\ No newline at end of file"},
		{name: "undercount", in: "@@ -1,2 +1,2 @@\n a\n-b\n+B\n+C\n c\n-- \n2", out: "@@ -1,3 +1,4 @@\n a\n-b\n+B\n+C\n c\n-- \n2", notices: "hunk-count@1"},
		{name: "overcount before next hunk", in: "@@ -1,4 +1,4 @@\n a\n-b\n+B\n@@ -9,1 +9,1 @@\n-x\n+y", out: "@@ -1,2 +1,2 @@\n a\n-b\n+B\n@@ -9,1 +9,1 @@\n-x\n+y", notices: "hunk-count@1"},
		{name: "overcount before signature", in: "@@ -1,4 +1,4 @@\n a\n-b\n+B\n-- \n2.39.5", out: "@@ -1,2 +1,2 @@\n a\n-b\n+B\n-- \n2.39.5", notices: "hunk-count@1"},
		{name: "truncated", in: "@@ -1,4 +1,4 @@\n a\n-b", err: "t:3: input ends in the middle of hunk @@ -1,4 +1,4 @@ (2 old and 3 new lines missing)"},
		{name: "mangled overflow", in: "@@ -1,2 +1,2 @@\na\n+B\n+C\nc\nd", err: "t:1: hunk @@ -1,2 +1,2 @@: header counts -2 +2 disagree with its body (-2 +4) beyond repair: context lines lost their leading space and the counts do not delimit the hunk"},
		{name: "mangled, line after body", in: "@@ -1,2 +1,2 @@\na\n-b\n+B\n+C\n-- \n2", err: "t:5: hunk @@ -1,2 +1,2 @@: a line follows its counted body (-2 +2); context lines lost their leading space, so the counts cannot be corrected: beyond repair"},
		// An indented list item lost its indentation: "\t- fast" reads as a
		// deletion; the counts say both '-' lines are context.
		{name: "list items", in: "@@ -1,5 +1,6 @@\nOptions:\n\n- fast: go fast\n+ - slow: go slow\n- safe: be safe\n\n--\n2.1",
			out:     "@@ -1,5 +1,6 @@\n Options:\n \n - fast: go fast\n+ - slow: go slow\n - safe: be safe\n \n--\n2.1",
			notices: "repair@2 repair@4 repair@6", mangled: true},
		// One '-' line is a deletion and one a list item, and nothing says which.
		{name: "list items, ambiguous", in: "@@ -1,3 +1,3 @@\nOptions:\n- - old: gone\n+ - new: here\n- keep: kept\n--\n2.1",
			err: "t:1: hunk @@ -1,3 +1,3 @@: context lines lost their leading space; 0 of 1 lines starting with '+' and 1 of 2 starting with '-' would be context lines, and the counts cannot tell which: beyond repair"},
		{name: "no changes", in: "@@ -1,2 +1,2 @@\n a\n b", err: "t:1: hunk @@ -1,2 +1,2 @@ has no added or removed lines"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := strings.Split(tt.in, "\n")
			hs, err := scanHunks(in, func(i int) Pos { return Pos{"t", i + 1} })
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := tt.out
			if want == "" {
				want = tt.in
			}
			if got := strings.Join(hs.lines, "\n"); got != want {
				t.Errorf("repaired:\n%s\nwant:\n%s", got, want)
			}
			var ns []string
			for _, n := range hs.notices {
				ns = append(ns, n.Kind+"@"+strconv.Itoa(n.Pos.Line))
			}
			if got := strings.Join(ns, " "); got != tt.notices {
				t.Errorf("notices %q, want %q", got, tt.notices)
			}
			if hs.mangled != tt.mangled {
				t.Errorf("mangled %v", hs.mangled)
			}
		})
	}
}

func TestSplitMbox(t *testing.T) {
	in := "From a@b Mon Jan  1 00:00:00 2026\nFrom: a\nSubject: one\n\nFrom the start\n>From quoted\n>>From twice\n\nFrom b@c Mon Jan  1 00:00:00 2026\nSubject: two\n\nbody\n"
	cs := splitMbox([]byte(in))
	if len(cs) != 2 {
		t.Fatalf("%d chunks", len(cs))
	}
	if got := string(cs[0].text); got != "From: a\nSubject: one\n\nFrom the start\nFrom quoted\n>From twice\n" || cs[0].line != 2 {
		t.Errorf("chunk 0 at %d: %q", cs[0].line, got)
	}
	if got := string(cs[1].text); got != "Subject: two\n\nbody\n" || cs[1].line != 10 {
		t.Errorf("chunk 1 at %d: %q", cs[1].line, got)
	}
}
