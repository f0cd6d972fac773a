package main

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/patchcheck/patchcheck/rules"
)

// TestPseudoNMIFlag: --pseudo-nmi boots every machine with pseudo-NMI, and
// the report says so in every scenario; on the bundled v5.10 models, which
// request no IPI as an NMI, the verdicts are those without it.
func TestPseudoNMIFlag(t *testing.T) {
	run := func(args ...string) *rules.Report {
		t.Helper()
		var stdout, stderr bytes.Buffer
		code := execute(context.Background(), append(args, "--format", "json", "--runs", "10", seedMbox), nil, &stdout, &stderr)
		if code != exitFindings {
			t.Fatalf("%v: exit %d, want 1: %s", args, code, stderr.String())
		}
		var r rules.Report
		if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		return &r
	}
	off, on := run(), run("--pseudo-nmi")
	if len(off.Properties) != len(on.Properties) || len(off.Properties) == 0 {
		t.Fatalf("%d property rows without the flag, %d with it", len(off.Properties), len(on.Properties))
	}
	for i, p := range on.Properties {
		q := off.Properties[i]
		if p.Scenario.CPUs > 0 && !p.Scenario.PseudoNMI {
			t.Errorf("%s %s %s: scenario %+v without pseudo-NMI", p.ID, p.Entry, p.Variant, p.Scenario)
		}
		if q.Scenario.PseudoNMI {
			t.Errorf("%s %s %s: pseudo-NMI without the flag", q.ID, q.Entry, q.Variant)
		}
		if p.ID != q.ID || p.Entry != q.Entry || p.Variant != q.Variant || p.Verdict != q.Verdict {
			t.Errorf("row %d: %s %s %s %s with the flag, %s %s %s %s without", i, p.ID, p.Entry, p.Variant, p.Verdict, q.ID, q.Entry, q.Variant, q.Verdict)
		}
	}
	if on.Verdict != off.Verdict {
		t.Errorf("verdict %s with the flag, %s without", on.Verdict, off.Verdict)
	}
}
