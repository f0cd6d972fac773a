package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/patchcheck/patchcheck/parse"
	"github.com/patchcheck/patchcheck/rules"
)

// TestTimeout: a run that outlives --timeout ends with an explicit
// inconclusive report (exit 3) in the requested format, not a hang or a
// partial result.
func TestTimeout(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := execute(context.Background(), []string{"--timeout", "1ms", "--format", "json", seedMbox}, nil, &stdout, &stderr)
	if code != exitInconclusive {
		t.Fatalf("exit %d, want %d (stderr %q)", code, exitInconclusive, stderr.String())
	}
	var rep rules.Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	// Whether the first scenarios were decided within 1ms depends on the
	// machine: the report is the stopped one either way.
	if len(rep.Findings) == 0 {
		t.Fatalf("no findings; summary %q", rep.Summary)
	}
	last := rep.Findings[len(rep.Findings)-1]
	if rep.Verdict != "inconclusive" || last.ID != "budget.timeout" || !strings.Contains(last.Message, "did not finish within 1ms") ||
		!strings.Contains(rep.Summary, "1ms") || len(rep.Series.Patches) != 1 {
		t.Errorf("report: verdict %q, summary %q, findings %+v", rep.Verdict, rep.Summary, rep.Findings)
	}
}

// TestMaxStates: an exploration budget too small for the seed's state space
// makes the properties it cuts short inconclusive, never holds.
func TestMaxStates(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := execute(context.Background(), []string{"--max-states", "10", "--runs", "5", "--format", "json", seedMbox}, nil, &stdout, &stderr)
	if code == exitUsage {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var rep rules.Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	cut := 0
	for _, p := range rep.Properties {
		if p.Explored.Mode == "exhaustive" && p.Explored.States > 0 && !p.Explored.Complete {
			cut++
			if p.Verdict == "holds" || p.Verdict == "holds-if-bounds" {
				t.Errorf("%s %s: verdict %s from an incomplete exploration", p.ID, p.Variant, p.Verdict)
			}
		}
	}
	if cut == 0 {
		t.Error("no exploration was cut short by --max-states 10")
	}
}

// TestTimeoutKeepsViolations: a run stopped by --timeout after a violation
// was found reports it and fails; what was decided but not failed stays
// inconclusive, never pass.
func TestTimeoutKeepsViolations(t *testing.T) {
	o := &options{Seed: 1}
	s := &parse.Series{}
	for _, tt := range []struct{ partial, want string }{{"fail", "fail"}, {"pass", "inconclusive"}, {"inconclusive", "inconclusive"}} {
		partial := &rules.Report{Verdict: tt.partial, Summary: "violated after the patch: x",
			Properties: []rules.Property{{ID: "x", Variant: "after", Verdict: "violated"}},
			Findings:   []rules.Finding{{ID: "x", Severity: "error"}}}
		rep := timedOut(o, s, 7*time.Second, partial)
		if rep.Verdict != tt.want || len(rep.Properties) != 1 || len(rep.Findings) != 2 || rep.Findings[1].ID != "budget.timeout" ||
			!strings.Contains(rep.Summary, "stopped by --timeout after 7s") {
			t.Errorf("partial %s: verdict %s, summary %q, findings %+v", tt.partial, rep.Verdict, rep.Summary, rep.Findings)
		}
		if len(partial.Findings) != 1 {
			t.Error("timedOut changed the partial report")
		}
	}
}
