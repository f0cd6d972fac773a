package rules

import (
	"strings"
	"testing"
)

func TestJudge(t *testing.T) {
	d := func(p5, p95 float64, never int) *Distribution {
		return &Distribution{P5: p5, Median: (p5 + p95) / 2, P95: p95, Min: p5, Max: p95, Runs: 100, Never: never}
	}
	tests := []struct {
		name    string
		c       Claimed
		d       *Distribution
		want    string
		contain string
	}{
		{"less-than met", Claimed{Relation: "less-than", High: 0.005}, d(0.0001, 0.002, 0), "consistent", "within"},
		{"less-than at risk", Claimed{Relation: "less-than", High: 0.005}, d(0.001, 0.008, 0), "inconsistent", "p95 exceeds"},
		{"less-than never met", Claimed{Relation: "less-than", High: 0.005}, d(0.01, 0.02, 0), "inconsistent", "never meets"},
		{"less-than with never-reached runs", Claimed{Relation: "less-than", High: 0.005}, d(0.001, 0.002, 10), "inconsistent", "never reached"},
		{"more-than met", Claimed{Relation: "more-than", Low: 2}, d(2.5, 6, 0), "consistent", "above"},
		{"more-than missed", Claimed{Relation: "more-than", Low: 2}, d(1, 6, 0), "inconsistent", "below"},
		{"about overlaps", Claimed{Relation: "about", Low: 0.65, High: 0.65}, d(0.4, 0.5, 0), "consistent", "overlaps"},
		{"about too fast", Claimed{Relation: "about", Low: 0.65, High: 0.65}, d(0.1, 0.2, 0), "inconsistent", "faster"},
		{"range slower", Claimed{Relation: "range", Low: 0.02, High: 0.03}, d(0.05, 0.06, 0), "inconsistent", "slower"},
		{"range overlaps", Claimed{Relation: "range", Low: 2, High: 10}, d(3, 12, 0), "consistent", "overlaps"},
		{"no runs", Claimed{Relation: "range", Low: 2, High: 10}, &Distribution{}, "not-evaluated", "no prediction"},
		{"nil", Claimed{Relation: "about", Low: 1, High: 1}, nil, "not-evaluated", "no prediction"},
	}
	for _, tt := range tests {
		got, reason := judge(tt.c, tt.d, 0.3)
		if got != tt.want || !strings.Contains(reason, tt.contain) {
			t.Errorf("%s: judge = %s, %q; want %s containing %q", tt.name, got, reason, tt.want, tt.contain)
		}
	}
}

func TestJudgeSpeedup(t *testing.T) {
	before := &Distribution{P5: 0.5, Median: 0.6, P95: 0.7, Runs: 10}
	after := &Distribution{P5: 0.001, Median: 0.0015, P95: 0.002, Runs: 10}
	if v, r, _, _ := judgeSpeedup(Claimed{Relation: "speedup", Low: 2, High: 2}, before, after, 0.3); v != "inconsistent" {
		t.Errorf("2x against a 250-700x prediction: %s (%s)", v, r)
	}
	same := &Distribution{P5: 0.5, Median: 0.6, P95: 0.7, Runs: 10}
	if v, r, _, _ := judgeSpeedup(Claimed{Relation: "speedup", Low: 1.2, High: 1.2}, same, same, 0.3); v != "consistent" {
		t.Errorf("1.2x (+-30%%) against 1x: %s (%s)", v, r)
	}
	if v, _, _, _ := judgeSpeedup(Claimed{Relation: "speedup", Low: 2, High: 2}, same, same, 0.3); v != "inconsistent" {
		t.Errorf("2x against an unchanged program: %s", v)
	}
}

func TestDur(t *testing.T) {
	for in, want := range map[float64]string{0.005: "5 ms", 0.65: "650 ms", 2: "2 s", 0.0003: "300 us", 0: "0"} {
		if got := dur(in); got != want {
			t.Errorf("dur(%v) = %q, want %q", in, got, want)
		}
	}
}

// TestPassNamesBaselineViolations: a pass whose baseline violates
// properties (halt-message leaves the kexec path's cpu-off-denied BUG and
// its unbounded hotplug wait as they are) names them instead of saying
// that every property holds.
func TestPassNamesBaselineViolations(t *testing.T) {
	pack := defaultPack(t)
	for _, tt := range []struct {
		file, want string
	}{
		{"../fixtures/variants/halt-message.mbox", "the patch violates no property; violated before it as well: kernel.no-bug, kexec.reboot-completes, kexec.waits-bounded (see the notes)"},
	} {
		r := evaluateFile(t, tt.file, pack)
		if r.Verdict != "pass" || r.Summary != tt.want {
			t.Errorf("%s: %s: %s, want pass: %s", tt.file, r.Verdict, r.Summary, tt.want)
		}
	}
}
