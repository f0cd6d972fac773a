package report

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/patchcheck/patchcheck/rules"
)

// TestHTMLSelfContained parses the page and checks that it loads nothing:
// no src, no stylesheet links, one inline script, and links only to the
// target URL given.
func TestHTMLSelfContained(t *testing.T) {
	for _, sample := range samples {
		out := render(t, "html", loadReport(t, sample), Options{TargetURL: "https://ci.example.org/runs/1"})
		doc, err := html.Parse(bytes.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		scripts, svgs := 0, 0
		for n := range doc.Descendants() {
			if n.Type != html.ElementNode {
				continue
			}
			switch n.Data {
			case "script":
				scripts++
			case "svg":
				svgs++
			case "link", "iframe", "img", "object", "embed":
				t.Errorf("%s: <%s> element", sample, n.Data)
			}
			for _, a := range n.Attr {
				switch a.Key {
				case "src", "srcset", "xlink:href":
					t.Errorf("%s: <%s %s=%q>", sample, n.Data, a.Key, a.Val)
				case "href":
					if a.Val != "https://ci.example.org/runs/1" {
						t.Errorf("%s: link to %q", sample, a.Val)
					}
				}
			}
		}
		if scripts != 1 {
			t.Errorf("%s: %d scripts, want the one inline script", sample, scripts)
		}
		if sample == "seed-report.json" && svgs < 4+2+3 {
			t.Errorf("%s: %d pictures, want 4 timelines, 2 plots and 3 sequence diagrams", sample, svgs)
		}
	}
}

func TestHTMLEscapes(t *testing.T) {
	const evil = `<script>alert(1)</script>"'&`
	r := loadReport(t, "seed-report.json")
	r.Summary = evil
	r.Findings[0].Message = evil
	r.Claims[0].Text = evil
	r.Properties[3].Counterexample.Steps[0].Action = evil
	r.Timelines[0].CPUs[0].Segments[0].State = evil
	r.Series.Patches[0].Files[0].Diff[1].Lines[16] = "+" + evil
	out := string(render(t, "html", r, Options{}))
	if strings.Contains(out, "<script>alert") {
		t.Error("report text reached the page unescaped")
	}
	if !strings.Contains(out, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("escaped text missing: was the value dropped?")
	}
}

func TestTimelineSelection(t *testing.T) {
	r := loadReport(t, "seed-report.json")
	busy := rules.Scenario{CPUs: 4, Load: "busy"}
	tests := []struct {
		cpus int
		want string
	}{
		{0, "4 CPUs, idle"},
		{4, "4 CPUs, idle"},
		{64, "4 CPUs, idle"},
	}
	for _, tt := range tests {
		var got string
		for _, s := range timelineScenarios(r, tt.cpus) {
			if s.Selected {
				got = s.Label
			}
		}
		if got != tt.want {
			t.Errorf("TimelineCPUs %d: selected %q, want %q", tt.cpus, got, tt.want)
		}
	}
	// Only the busy pair left: it is the one shown.
	r.Timelines = r.Timelines[2:]
	if s := timelineScenarios(r, 0); len(s) != 1 || !s[0].Selected || s[0].Label != scenario(busy) {
		t.Errorf("busy only: %+v", s)
	}
}

func TestNiceTicks(t *testing.T) {
	tests := []struct {
		lo, hi float64
		n      int
		want   []float64
	}{
		{0, 0.0714, 6, []float64{0, 0.02, 0.04, 0.06}},
		{0, 1, 5, []float64{0, 0.2, 0.4, 0.6, 0.8, 1}},
		{0, 0.00125, 6, []float64{0, 0.0005, 0.001}},
		{0, 0, 6, []float64{0}},
	}
	for _, tt := range tests {
		got := niceTicks(tt.lo, tt.hi, tt.n)
		if len(got) != len(tt.want) {
			t.Errorf("niceTicks(%g, %g) = %v, want %v", tt.lo, tt.hi, got, tt.want)
			continue
		}
		for i := range got {
			if d := got[i] - tt.want[i]; d > 1e-12 || d < -1e-12 {
				t.Errorf("niceTicks(%g, %g) = %v, want %v", tt.lo, tt.hi, got, tt.want)
				break
			}
		}
	}
}

// TestMachineStep renders a counterexample ending in a step of the whole
// machine (CPU -1), as the explorer reports a hang.
func TestMachineStep(t *testing.T) {
	r := loadReport(t, "seed-report.json")
	cx := r.Properties[3].Counterexample
	cx.Steps = append(cx.Steps, rules.Step{CPU: -1, Action: "hang", Event: "hang", Text: "no CPU can make progress"})
	for _, f := range formats {
		out := string(render(t, f.name, r, Options{}))
		if strings.Contains(out, "CPU-1") {
			t.Errorf("%s: the machine step is shown as CPU-1", f.name)
		}
	}
	if out := string(render(t, "text", r, Options{Verbose: true})); !strings.Contains(out, "10. machine: hang [hang]") {
		t.Errorf("text: machine step missing")
	}
}
