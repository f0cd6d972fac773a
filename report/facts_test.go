package report

import (
	"math"
	"strings"
	"testing"

	"github.com/patchcheck/patchcheck/rules"
)

func TestSeconds(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0 s"},
		{8.4e-5, "84 µs"},
		{7.42e-6, "7.42 µs"},
		{0.0009996, "1 ms"},
		{0.0165, "16.5 ms"},
		{0.58, "580 ms"},
		{0.99996, "1 s"},
		{7.4, "7.4 s"},
		{123.456, "123 s"},
		{-0.002, "-2 ms"},
		{math.Inf(1), "+Inf"},
	}
	for _, tt := range tests {
		if got := seconds(tt.in); got != tt.want {
			t.Errorf("seconds(%g) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := secondsRange(0.0151, 0.0185); got != "15.1-18.5 ms" {
		t.Errorf("secondsRange same unit = %q", got)
	}
	if got := secondsRange(8.4e-5, 0.0079); got != "84 µs-7.9 ms" {
		t.Errorf("secondsRange two units = %q", got)
	}
}

func TestClaimed(t *testing.T) {
	tests := []struct {
		in   rules.Claimed
		want string
	}{
		{rules.Claimed{Relation: "about", Low: 0.65, High: 0.65}, "about 650 ms"},
		{rules.Claimed{Relation: "less-than", High: 0.005}, "less than 5 ms"},
		{rules.Claimed{Relation: "more-than", Low: 2}, "more than 2 s"},
		{rules.Claimed{Relation: "range", Low: 0.02, High: 0.03, PerCPU: true}, "20 ms to 30 ms per CPU"},
		{rules.Claimed{Relation: "several", Low: 2, High: 9}, "several (2 s to 9 s)"},
	}
	for _, tt := range tests {
		if got := claimed(tt.in); got != tt.want {
			t.Errorf("claimed(%+v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestReproduce(t *testing.T) {
	tests := []struct {
		tool rules.Tool
		want string
	}{
		{rules.Tool{Name: "patchcheck", Args: []string{"--seed", "3", "a.mbox"}, Seed: 3}, "patchcheck --seed 3 a.mbox"},
		{rules.Tool{Args: []string{"my series.mbox"}, Seed: 7}, "patchcheck --seed 7 'my series.mbox'"},
		{rules.Tool{Args: []string{"--seed=2", "it's.mbox"}, Seed: 2}, `patchcheck --seed=2 'it'\''s.mbox'`},
		{rules.Tool{Args: []string{"--git", "/src/linux", "v5.10..HEAD", ""}}, "patchcheck --seed 0 --git /src/linux v5.10..HEAD ''"},
	}
	for _, tt := range tests {
		if got := reproduce(&rules.Report{Tool: tt.tool}); got != tt.want {
			t.Errorf("reproduce(%+v) = %q, want %q", tt.tool, got, tt.want)
		}
	}
}

func TestWrapAndColumns(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  []string
	}{
		{"a b c", 3, []string{"a b", "c"}},
		{"", 10, nil},
		{"averyveryverylongword x", 5, []string{"averyveryverylongword", "x"}},
		{"µs µs µs", 5, []string{"µs µs", "µs"}},
	}
	for _, tt := range tests {
		if got := wrap(tt.in, tt.width); strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("wrap(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
	}
	if got := columns("> +\tx"); got != 9 {
		t.Errorf("columns with a tab = %d, want 9", got)
	}
	if got := truncColumns("> +\t"+strings.Repeat("x", 80), 72); columns(got) > 72 || !strings.HasSuffix(got, "...") {
		t.Errorf("truncColumns = %q (%d columns)", got, columns(got))
	}
}
