package report

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/patchcheck/patchcheck/rules"
)

// longStepTail ends a step text longer than any box line.
const longStepTail = "a_function_name_no_longer_cut_off_at_the_end"

// featureReport is the sample report with what the HTML features are
// about: timelines of a second scenario, AFTER runs that never turned the
// secondaries OFF (as a patch that parks them gives), and a long step.
func featureReport(t *testing.T) *rules.Report {
	t.Helper()
	r := loadReport(t, "seed-report.json")
	for i := range r.Metrics {
		m := &r.Metrics[i]
		if strings.HasPrefix(m.Name, "secondaries") && m.Variant == "after" && m.Value != nil {
			m.Value = &rules.Distribution{Runs: 200, Never: 200}
		}
	}
	for i := range r.Properties {
		if cx := r.Properties[i].Counterexample; cx != nil && len(cx.Steps) > 0 {
			cx.Steps[0].Func = "a_very_long_helper_name_that_goes_on " + longStepTail
		}
	}
	// timelines of two other entries (their own runs in the real report;
	// the kexec reboot's pair stands in for them here)
	n := len(r.Timelines)
	for _, e := range []struct {
		id  string
		nmi bool
	}{{"kdump", false}, {"panic-stuck-nmi", true}} {
		for _, tl := range r.Timelines[:min(2, n)] {
			tl.Entry = e.id
			tl.Scenario.PseudoNMI = e.nmi
			r.Timelines = append(r.Timelines, tl)
		}
	}
	return r
}

func openGroups(gs []*htmlGroup) int {
	n := 0
	for _, g := range gs {
		if g.Open {
			n++
		}
	}
	return n
}

// TestHTMLSharedTimeAxis: the BEFORE and AFTER charts of a scenario end at
// the same time, the longer run's end.
func TestHTMLSharedTimeAxis(t *testing.T) {
	r := loadReport(t, "seed-report.json")
	lastTick := regexp.MustCompile(`^.+$`)
	for _, sc := range timelineScenarios(r, 0) {
		if len(sc.Charts) != 2 {
			t.Fatalf("%s: %d charts", sc.Label, len(sc.Charts))
		}
		var ends []string
		for _, c := range sc.Charts {
			var ticks []string
			for _, e := range c.Els {
				if e.Kind == "text" && e.Class == "tick" {
					ticks = append(ticks, lastTick.FindString(e.Text)+" at "+strconv.FormatFloat(e.X, 'f', 1, 64))
				}
			}
			ends = append(ends, strings.Join(ticks, ", "))
		}
		if ends[0] != ends[1] {
			t.Errorf("%s: BEFORE ticks %s, AFTER ticks %s: not one axis", sc.Label, ends[0], ends[1])
		}
	}
}

// TestHTMLNeverPoints: a metric no run reached is drawn on the "never"
// row, with how many runs in the tooltip; a measured one as a dot.
func TestHTMLNeverPoints(t *testing.T) {
	r := featureReport(t)
	var never, dots int
	for _, f := range scalingPlots(r) {
		for _, e := range f.Els {
			switch {
			case e.Kind == "circle" && strings.HasPrefix(e.Class, "never "):
				never++
				if !strings.Contains(e.Tip, "never, in all 200 runs") {
					t.Errorf("never point tooltip %q", e.Tip)
				}
			case e.Kind == "circle":
				dots++
			}
		}
	}
	if never == 0 || dots == 0 {
		t.Errorf("%d never points, %d measured points", never, dots)
	}
}

// TestHTMLStepTextWhole: a step's function and code are wrapped, never
// cut.
func TestHTMLStepTextWhole(t *testing.T) {
	r := featureReport(t)
	out := string(render(t, "html", r, Options{}))
	if !strings.Contains(out, longStepTail) {
		t.Error("the long step text is not shown whole")
	}
	if strings.Contains(out, "…") {
		t.Error("a text is cut with an ellipsis")
	}
	for _, l := range wrapLong("kernel/"+strings.Repeat("x", 120)+".c:12 f", 50) {
		if len([]rune(l)) > 50 {
			t.Errorf("line of %d runes", len([]rune(l)))
		}
	}
	if got := strings.Join(wrapLong("ab "+strings.Repeat("c", 7), 3), "|"); got != "ab|ccc|ccc|c" {
		t.Errorf("wrapLong: %q", got)
	}
}

// TestHTMLPropertySections: one folding section per property, open when
// an error-severity property is violated or a result is undecided.
func TestHTMLPropertySections(t *testing.T) {
	r := loadReport(t, "seed-report.json")
	groups := htmlGroups(r.Properties)
	if len(groups) == 0 {
		t.Fatal("no groups")
	}
	for _, g := range groups {
		want := false
		for _, p := range g.Results {
			want = want || p.Verdict == "violated" && p.Severity == "error" || p.Verdict == "inconclusive"
		}
		if g.Open != want {
			t.Errorf("%s: open %v, want %v (%s)", g.ID, g.Open, want, g.Verdicts)
		}
		if !strings.Contains(g.Verdicts, "AFTER: ") {
			t.Errorf("%s: summary %q", g.ID, g.Verdicts)
		}
	}
	out := string(render(t, "html", r, Options{}))
	if got := strings.Count(out, `<details class="property"`); got != len(groups) {
		t.Errorf("%d sections, want %d", got, len(groups))
	}
}
