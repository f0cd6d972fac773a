package report

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/patchcheck/patchcheck/rules"
)

func TestEscapeWorkflowCommands(t *testing.T) {
	tests := []struct{ in, data, prop string }{
		{"plain", "plain", "plain"},
		{"100%", "100%25", "100%25"},
		{"a\nb\r\nc", "a%0Ab%0D%0Ac", "a%0Ab%0D%0Ac"},
		{"file:1,2", "file:1,2", "file%3A1%2C2"},
		{"%0A", "%250A", "%250A"},
		{"::error::x\n::stop-commands::t", "::error::x%0A::stop-commands::t", "%3A%3Aerror%3A%3Ax%0A%3A%3Astop-commands%3A%3At"},
	}
	for _, tt := range tests {
		if got := escapeData(tt.in); got != tt.data {
			t.Errorf("escapeData(%q) = %q, want %q", tt.in, got, tt.data)
		}
		if got := escapeProperty(tt.in); got != tt.prop {
			t.Errorf("escapeProperty(%q) = %q, want %q", tt.in, got, tt.prop)
		}
	}
}

// TestAnnotationsAreOneCommandPerLine feeds hostile finding text through
// and checks that every output line is exactly one well-formed command.
func TestAnnotationsAreOneCommandPerLine(t *testing.T) {
	r := loadReport(t, "seed-report.json")
	r.Findings[0].Message = "line one\n::error file=evil.c,line=1::injected\r\n%0A"
	r.Findings[0].Location.File = "dir,with:odd.c"
	// The CR is shown as ␍ (every format but JSON replaces control
	// characters); the LF is escaped as %0A.
	out := string(render(t, "annotations", r, Options{}))
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(r.Findings) {
		t.Fatalf("%d lines for %d findings:\n%s", len(lines), len(r.Findings), out)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "::error ") && !strings.HasPrefix(l, "::warning ") && !strings.HasPrefix(l, "::notice ") {
			t.Errorf("not a workflow command: %q", l)
		}
	}
	if !strings.HasPrefix(lines[0], "::error file=dir%2Cwith%3Aodd.c,line=159,title=kexec.secondaries-off-at-relocation::line one%0A::error file=evil.c,line=1::injected␍%0A%250A") {
		t.Errorf("first command: %q", lines[0])
	}
}

func TestAnnotationLimits(t *testing.T) {
	for _, n := range []int{0, 9, 10, 11, 25} {
		r := loadReport(t, "minimal-report.json")
		r.Findings = nil
		for i := 0; i < n; i++ {
			r.Findings = append(r.Findings, rules.Finding{ID: fmt.Sprintf("e%d", i), Severity: "error", Message: "m"})
			r.Findings = append(r.Findings, rules.Finding{ID: fmt.Sprintf("w%d", i), Severity: "warning", Message: "m"})
		}
		out := string(render(t, "annotations", r, Options{}))
		for _, level := range []string{"error", "warning"} {
			got := strings.Count(out, "::"+level+" ")
			if want := min(n, annotationLimit); got != want {
				t.Errorf("n=%d: %d %s commands, want %d", n, got, level, want)
			}
			note := fmt.Sprintf("%d more %s annotations are not shown", n-(annotationLimit-1), level)
			if dropped := n > annotationLimit; strings.Contains(out, note) != dropped {
				t.Errorf("n=%d: note %q present = %v, want %v", n, note, !dropped, dropped)
			}
		}
	}
}

func TestPatchworkChecks(t *testing.T) {
	r := loadReport(t, "seed-report.json")
	second := r.Series.Patches[0]
	second.Index, second.MessageID = 2, "<second@example.org>"
	r.Series.Patches = append(r.Series.Patches, second)
	for i := range r.Series.Patches {
		r.Series.Patches[i].Total = 2
	}
	r.Steps = []rules.SeriesStep{
		{Upto: 1, Verdict: "pass", Summary: "nothing breaks yet"},
		{Upto: 2, Verdict: "fail", Summary: "the stop path no longer waits for CPU_OFF"},
	}
	out := string(render(t, "patchwork", r, Options{TargetURL: "https://ci.example.org/1", Context: "patchcheck-arm64"}))
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d checks for 2 patches", len(lines))
	}
	want := []struct{ msgid, state string }{{"<1604705148-1831-1-git-send-email-henry.willard@xxxxxxxxxx>", "success"}, {"<second@example.org>", "fail"}}
	for i, l := range lines {
		var c map[string]string
		if err := json.Unmarshal([]byte(l), &c); err != nil {
			t.Fatal(err)
		}
		if c["msgid"] != want[i].msgid || c["state"] != want[i].state || c["context"] != "patchcheck-arm64" || c["target_url"] != "https://ci.example.org/1" || c["description"] == "" {
			t.Errorf("check %d: %v", i, c)
		}
	}
	var sink strings.Builder
	if err := Render(&sink, "patchwork", r, Options{Context: "patch check"}); err == nil {
		t.Error("a context with a space is accepted")
	}
}
