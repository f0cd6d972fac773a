package semantics

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/patchcheck/patchcheck/internal/testtree"
	"github.com/patchcheck/patchcheck/parse"
)

// edit replaces the one occurrence of Old in a tree's file by New.
type edit struct{ Old, New string }

// treePatch makes a patch of path in the tree dir from edits (in file
// order), as git would: one hunk per edit with three lines of context, the
// tree's blob on the index line.
// The patch is made against the tree's text with base applied first: a
// context the tree does not have.
func treePatch(t *testing.T, dir, path string, base []edit, edits ...edit) *parse.Series {
	t.Helper()
	text, err := os.ReadFile(filepath.Join(dir, path))
	if err != nil {
		t.Fatal(err)
	}
	blob := plumbing.ComputeHash(plumbing.BlobObject, text).String()
	s := string(text)
	for _, e := range base {
		if strings.Count(s, e.Old) != 1 {
			t.Fatalf("%s: %q occurs %d times", path, e.Old, strings.Count(s, e.Old))
		}
		s = strings.Replace(s, e.Old, e.New, 1)
	}
	lines := strings.SplitAfter(s, "\n")
	var b strings.Builder
	fmt.Fprintf(&b, "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\nFrom: Test Author <author@example.org>\nDate: Wed, 5 Jan 2022 10:00:00 +0000\nSubject: [PATCH] arm64: smp: file-scope change\n\nA change.\n\nSigned-off-by: Test Author <author@example.org>\n---\n")
	fmt.Fprintf(&b, "diff --git a/%s b/%s\nindex %s..2222222 100644\n--- a/%s\n+++ b/%s\n", path, path, blob[:12], path, path)
	shift := 0
	for _, e := range edits {
		if strings.Count(s, e.Old) != 1 {
			t.Fatalf("%s: %q occurs %d times", path, e.Old, strings.Count(s, e.Old))
		}
		first := strings.Count(s[:strings.Index(s, e.Old)], "\n") // 0-based line of the edit
		old := strings.SplitAfter(strings.TrimSuffix(e.Old, "\n"), "\n")
		nw := strings.SplitAfter(strings.TrimSuffix(e.New, "\n"), "\n")
		if e.New == "" {
			nw = nil
		}
		from, to := max(first-3, 0), min(first+len(old)+3, len(lines))
		nOld := to - from
		nNew := nOld - len(old) + len(nw)
		fmt.Fprintf(&b, "@@ -%d,%d +%d,%d @@\n", from+1, nOld, from+1+shift, nNew)
		for _, l := range lines[from:first] {
			b.WriteString(" " + l)
		}
		for _, l := range old {
			b.WriteString("-" + strings.TrimSuffix(l, "\n") + "\n")
		}
		for _, l := range nw {
			b.WriteString("+" + strings.TrimSuffix(l, "\n") + "\n")
		}
		for _, l := range lines[first+len(old) : to] {
			b.WriteString(" " + l)
		}
		shift += len(nw) - len(old)
	}
	b.WriteString("-- \n2.40.0\n")
	ser, err := parse.Parse("test.patch", strings.NewReader(b.String()), nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	return ser
}

// TestFileScopeHunks: hunks on a tree's file-scope text (declarations
// between functions, tables, declarations the models define) are placed
// in the tree's text and settled: a declaration the model compiles changes
// AFTER; a table nothing compiled reads applies and changes nothing, with
// its why; a declaration the models define themselves is unmodelled; text
// the tree does not have is reported. Expectations from 6.12.118's smp.c
// and kexec_core.c.
func TestFileScopeHunks(t *testing.T) {
	dir := testtree.Dir(t, "6.12")
	const smp = "arch/arm64/kernel/smp.c"
	for _, tc := range []struct {
		name  string
		path  string
		base  []edit // made against the tree's text with these applied
		edits []edit
		// want: the first hunk's fate and (a part of) its why, whether
		// BEFORE and AFTER are the same program, a line AFTER's source
		// has, and a part of the unmodelled reason ("" for none).
		fate, why    string
		identical    bool
		afterHas     string
		unmodelled   string
		inconclusive bool
	}{{
		name:      "declaration-the-model-reads",
		path:      smp,
		edits:     []edit{{"static int cpus_stuck_in_kernel;\n", "static int cpus_stuck_in_kernel = 1;\n"}},
		fate:      "applies",
		afterHas:  "static int cpus_stuck_in_kernel = 1;",
		identical: false,
	}, {
		// A new global among declarations the model does not compile
		// (nr_ipi, ipi_desc[]), read by the changed smp_send_stop().
		name: "new-global-among-uncompiled",
		path: smp,
		edits: []edit{
			{"static int nr_ipi __ro_after_init = NR_IPI;\n", "static int nr_ipi __ro_after_init = NR_IPI;\nstatic unsigned long stop_factor = 2;\n"},
			{"\ttimeout = USEC_PER_SEC;\n", "\ttimeout = USEC_PER_SEC * stop_factor;\n"},
		},
		fate:      "applies",
		afterHas:  "static unsigned long stop_factor = 2;",
		identical: false,
	}, {
		name:      "tracing-string-table",
		path:      smp,
		edits:     []edit{{"\t[IPI_CPU_STOP_NMI]\t= \"CPU stop NMIs\",\n", "\t[IPI_CPU_STOP_NMI]\t= \"CPU stop (NMI) interrupts\",\n"}},
		fate:      "applies",
		why:       "changes file-scope text outside the model: ipi_types[]",
		identical: true,
		afterHas:  `//- [IPI_CPU_STOP_NMI] = "CPU stop (NMI) interrupts",`,
	}, {
		// model.h #defines kexec_image (an image is loaded): the tree's
		// declaration is not compiled, and a change of it cannot reach
		// the programs.
		name:         "declaration-the-models-define",
		path:         "kernel/kexec_core.c",
		edits:        []edit{{"struct kimage *kexec_image;\n", "struct kimage *kexec_image = NULL;\n"}},
		fate:         "applies",
		identical:    true,
		unmodelled:   "the change of kexec_image is to the tree's text of it, which the model does not compile",
		inconclusive: true,
	}, {
		// A declaration between nr_ipi and ipi_desc[] that 6.12 does
		// not have: the hunk applies in neither direction.
		name:         "unknown-file-scope-text",
		path:         smp,
		base:         []edit{{"static int nr_ipi __ro_after_init = NR_IPI;\n", "static int nr_ipi __ro_after_init = NR_IPI;\nstatic int ipi_spare __ro_after_init;\n"}},
		edits:        []edit{{"static int ipi_spare __ro_after_init;\n", "static int ipi_spare __ro_after_init = 1;\n"}},
		fate:         "not-applicable",
		why:          "applies in neither direction",
		identical:    true,
		inconclusive: true,
		unmodelled:   "-",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			tree, err := OpenTree(dir)
			if err != nil {
				t.Fatal(err)
			}
			r, err := Analyze(treePatch(t, dir, tc.path, tc.base, tc.edits...), &Options{Tree: tree})
			if err != nil {
				t.Fatal(err)
			}
			h := r.Patches[0].Hunks[0]
			if h.Fate.String() != tc.fate || !strings.Contains(h.Why, tc.why) {
				t.Errorf("hunk 1: %s (%s), want %s (%s)", h.Fate, h.Why, tc.fate, tc.why)
			}
			if r.Identical != tc.identical {
				t.Errorf("identical %v, want %v", r.Identical, tc.identical)
			}
			var um []string
			for _, p := range r.Unmodelled {
				um = append(um, p.String())
			}
			switch {
			case tc.unmodelled == "-": // not asserted
			case tc.unmodelled == "" && len(um) > 0:
				t.Errorf("unmodelled: %s", strings.Join(um, "; "))
			case tc.unmodelled != "" && !strings.Contains(strings.Join(um, "; "), tc.unmodelled):
				t.Errorf("unmodelled %q, want %q", um, tc.unmodelled)
			}
			if r.Inconclusive() != tc.inconclusive {
				t.Errorf("inconclusive %v, want %v (not applied: %v)", r.Inconclusive(), tc.inconclusive, r.NotApplied)
			}
			if len(r.Unknown) > 0 {
				t.Errorf("unknown callees: %v", r.Unknown)
			}
			if tc.afterHas != "" && !sourceHas(r.After, tc.path, tc.afterHas) {
				t.Errorf("AFTER's %s has no line %q", tc.path, tc.afterHas)
			}
		})
	}
}

// sourceHas reports whether b's source of file has line (white space aside).
func sourceHas(b *Build, file, line string) bool {
	for _, s := range b.Sources {
		if s.Name != file {
			continue
		}
		for _, l := range strings.Split(string(s.Text), "\n") {
			if strings.Join(strings.Fields(l), " ") == strings.Join(strings.Fields(line), " ") {
				return true
			}
		}
	}
	return false
}
