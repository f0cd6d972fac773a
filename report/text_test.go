package report

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/patchcheck/patchcheck/rules"
)

func TestTextColour(t *testing.T) {
	r := loadReport(t, "seed-report.json")
	plain := string(render(t, "text", r, Options{}))
	if strings.Contains(plain, "\x1b") {
		t.Error("colour codes without Options.Color")
	}
	coloured := string(render(t, "text", r, Options{Color: true}))
	for _, want := range []string{ansiRed + "FAIL" + ansiReset, ansiRed + "error", ansiRed + "inconsistent" + ansiReset} {
		if !strings.Contains(coloured, want) {
			t.Errorf("coloured report lacks %q", want)
		}
	}
	// Without the codes it is the plain report.
	stripped := strings.NewReplacer(ansiRed, "", ansiYellow, "", ansiGreen, "", ansiCyan, "", ansiReset, "").Replace(coloured)
	if stripped != plain {
		t.Error("the coloured report differs from the plain one in more than colour")
	}
}

func TestShortTextFitsAScreen(t *testing.T) {
	r := loadReport(t, "seed-report.json")
	short := string(render(t, "text", r, Options{}))
	long := string(render(t, "text", r, Options{Verbose: true}))
	if n := strings.Count(short, "\n"); n > 50 {
		t.Errorf("the short report is %d lines", n)
	}
	for _, f := range r.Findings {
		if !strings.Contains(short, f.ID) {
			t.Errorf("the short report lacks finding %s", f.ID)
		}
	}
	for _, c := range r.Claims {
		if !strings.Contains(short, c.ID+" ") {
			t.Errorf("the short report lacks claim %s", c.ID)
		}
	}
	// -v has the traces; the short report has none.
	if !strings.Contains(long, "counterexample") || strings.Contains(short, "counterexample,") {
		t.Error("traces are not only in the verbose report")
	}
}

func TestGroupNotices(t *testing.T) {
	var ns []rules.Notice
	for _, l := range []int{52, 53, 54, 57, 58, 60, 82} {
		ns = append(ns, rules.Notice{Kind: "repair", Message: `context line without its leading space: "x"`, File: "in.txt", Line: l})
	}
	ns = append(ns, rules.Notice{Kind: "encoding", Message: "unknown charset", File: "in.txt", Line: 9})
	for _, i := range []int{1, 2, 3, 5, 6, 24} {
		ns = append(ns, rules.Notice{Kind: "series", Message: fmt.Sprintf("patch %d/24 is missing from the input", i)})
	}
	ns = append(ns, rules.Notice{Kind: "series", Message: "patch 2/3 of v2 is missing from the input"}, rules.Notice{Kind: "series", Message: "patch 3/3 of v4 is missing from the input"})
	got := groupNotices(ns)
	want := []string{
		"repair: context line without its leading space (7 times, lines 52-54, 57-58, 60, 82)",
		"encoding: unknown charset (in.txt:9)",
		"series: patch N/24 is missing from the input (6 times: N = 1-3, 5-6, 24)",
		// Two numbers differ: both written #.
		"series: patch #/3 of v# is missing from the input (2 times)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("groupNotices:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestFirstSentence(t *testing.T) {
	for in, want := range map[string]string{
		"One. Two.":                       "One.",
		"Waits in smp.c:848. Then more.":  "Waits in smp.c:848.",
		"e.g. this is one sentence":       "e.g. this is one sentence",
		"Line\nbreaks fold. Second":       "Line breaks fold.",
		"no capital after. the next word": "no capital after. the next word",
	} {
		if got := firstSentence(in); got != want {
			t.Errorf("firstSentence(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestColorFor checks the colour decision: never for a pipe or a file,
// never with NO_COLOR set or TERM=dumb. /dev/null stands for a character
// device, as a terminal is.
func TestColorFor(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	dev, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Skip(err)
	}
	defer dev.Close()
	t.Setenv("TERM", "xterm")
	t.Setenv("NO_COLOR", "")
	if ColorFor(w) {
		t.Error("colour on a pipe")
	}
	if !ColorFor(dev) {
		t.Error("no colour on a character device")
	}
	t.Setenv("NO_COLOR", "1")
	if ColorFor(dev) {
		t.Error("colour with NO_COLOR set")
	}
	t.Setenv("NO_COLOR", "")
	t.Setenv("TERM", "dumb")
	if ColorFor(dev) {
		t.Error("colour with TERM=dumb")
	}
}

// TestUndecidedNotesJoined: the short report says once a reason that
// several undecided properties share, at the place of the first, and keeps
// a note with another reason apart; -v keeps each note.
func TestUndecidedNotesJoined(t *testing.T) {
	r := loadReport(t, "seed-report.json")
	note := func(id, reason, where string) rules.Finding {
		return rules.Finding{ID: id, Property: id, Variant: "after", Severity: "note",
			Message: id + " could not be decided after the patch: " + reason + " Found in: " + where + "."}
	}
	shared := "the AFTER program misses part of the series: patch 1: kernel/kexec_core.c:1178: kernel_kexec: the hunk does not apply"
	r.Findings = []rules.Finding{
		note("kexec.reboot-completes", shared, "2 CPUs idle"),
		note("panic.completes", "the state budget ran out", "3 CPUs idle"),
		note("halt.halts", shared, "halt 2 CPUs idle"),
		note("kernel.no-bug", shared, "3 CPUs busy"),
	}
	for _, f := range r.Findings {
		if _, ok := rules.UndecidedReason(&f); !ok {
			t.Fatalf("%s: not read as an undecided note", f.ID)
		}
	}
	short := string(render(t, "text", r, Options{}))
	if n := strings.Count(short, "3 properties undecided"); n != 1 {
		t.Errorf("the shared reason is said %d times, want once:\n%s", n, short)
	}
	if strings.Count(short, "misses part of the series") != 1 {
		t.Errorf("the shared reason is repeated:\n%s", short)
	}
	if !strings.Contains(short, "panic.completes") || !strings.Contains(short, "the state budget ran out") {
		t.Errorf("the note with its own reason is gone:\n%s", short)
	}
	if i, j := strings.Index(short, "3 properties undecided"), strings.Index(short, "panic.completes could not"); i < 0 || j < 0 || i > j {
		t.Errorf("the joined note is not at the place of the first:\n%s", short)
	}
	long := string(render(t, "text", r, Options{Verbose: true}))
	for _, f := range r.Findings {
		if !strings.Contains(long, f.ID+" could not be decided") {
			t.Errorf("-v lacks the note of %s", f.ID)
		}
	}
}
