package report

import (
	"fmt"
	"strings"
	"testing"

	"github.com/patchcheck/patchcheck/rules"
)

func TestMarkdownLimit(t *testing.T) {
	r := loadReport(t, "seed-report.json")
	full := render(t, "markdown", r, Options{})
	tests := []struct {
		limit     int
		truncated bool
		details   bool
	}{
		{0, false, true},
		{len(full), false, true},
		{len(full) - 1, false, false}, // the compact rendering fits
		{2500, true, false},
		{800, true, false},
	}
	for _, tt := range tests {
		out := string(render(t, "markdown", r, Options{MarkdownLimit: tt.limit}))
		limit := tt.limit
		if limit == 0 {
			limit = maxMarkdown
		}
		if len(out) > limit {
			t.Errorf("limit %d: output is %d bytes", tt.limit, len(out))
		}
		if got := strings.Contains(out, "This summary was cut"); got != tt.truncated {
			t.Errorf("limit %d: truncated = %v, want %v", tt.limit, got, tt.truncated)
		}
		if got := strings.Contains(out, "<details>"); got != tt.details {
			t.Errorf("limit %d: details = %v, want %v", tt.limit, got, tt.details)
		}
		if strings.Count(out, "<details>") != strings.Count(out, "</details>") {
			t.Errorf("limit %d: unbalanced <details>", tt.limit)
		}
	}
}

func TestMarkdownHugeReportStaysUnderLimit(t *testing.T) {
	r := loadReport(t, "seed-report.json")
	long := strings.Repeat("a finding message that goes on and on ", 40)
	for i := 0; i < 3000; i++ {
		r.Findings = append(r.Findings, rules.Finding{ID: fmt.Sprintf("x.%d", i), Severity: "note", Message: long,
			Property: "kexec.secondaries-off-at-relocation"})
	}
	out := render(t, "markdown", r, Options{})
	if len(out) > maxMarkdown {
		t.Fatalf("%d bytes, over GitHub's 1 MiB", len(out))
	}
	if !strings.Contains(string(out), "This summary was cut at 1048576 bytes") {
		t.Error("no note about the cut")
	}
}

func TestMarkdownEscapesPatchText(t *testing.T) {
	r := loadReport(t, "seed-report.json")
	r.Findings[0].Message = "<script>alert(1)</script> | [x](javascript:alert(1)) **bold** `tick`"
	r.Claims[0].Text = "a | b"
	r.Series.Patches[0].Files[0].Diff[1].Lines[16] = "+\t/* ``` */ while (num_online_cpus() > 1 && timeout--)"
	out := string(render(t, "markdown", r, Options{}))
	for _, bad := range []string{"<script>", "[x](javascript", "**bold**", "| a | b |"} {
		if strings.Contains(out, bad) {
			t.Errorf("unescaped %q in:\n%s", bad, out)
		}
	}
	if !strings.Contains(out, "````diff") {
		t.Error("a fence inside the patch text did not lengthen the code fence")
	}
}
