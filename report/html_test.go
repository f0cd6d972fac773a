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
		{0, "kexec: 4 CPUs, idle"},
		{4, "kexec: 4 CPUs, idle"},
		{64, "kexec: 4 CPUs, idle"},
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
	if s := timelineScenarios(r, 0); len(s) != 1 || !s[0].Selected || s[0].Label != "kexec: "+scenario(busy) {
		t.Errorf("busy only: %+v", s)
	}
}

// TestTimelinesPerEntry: every entry's timelines are a scenario of their
// own, labelled by the entry, BEFORE above AFTER on one time axis; two
// entries in the same machine are not merged, nor are runs with and
// without pseudo-NMI; the kexec reboot's stays the one shown first.
func TestTimelinesPerEntry(t *testing.T) {
	r := loadReport(t, "seed-report.json")
	kexec := len(timelineScenarios(r, 0))
	base := r.Timelines[0]
	three := rules.Scenario{CPUs: 3, Load: "idle", Faults: []string{}}
	stuck := rules.Scenario{CPUs: 3, Load: "idle", Faults: []string{"stuck-irqs-masked"}}
	nmi := stuck
	nmi.PseudoNMI = true
	add := func(entry string, sc rules.Scenario, end float64) {
		for _, v := range []string{"before", "after"} {
			tl := base
			tl.Entry, tl.Scenario, tl.Variant, tl.End = entry, sc, v, end
			if v == "after" {
				tl.End = end / 2
			}
			r.Timelines = append(r.Timelines, tl)
		}
	}
	add("kdump", three, 0.002)
	add("panic", three, 0.003)
	add("panic-stuck", stuck, 1.2)
	add("panic-stuck-nmi", nmi, 1.1)
	got := timelineScenarios(r, 0)
	want := []string{"kdump: 3 CPUs, idle", "panic: 3 CPUs, idle", "panic-stuck: 3 CPUs, idle, faults stuck-irqs-masked",
		"panic-stuck-nmi: 3 CPUs, idle, faults stuck-irqs-masked, pseudo-NMI"}
	if len(got) != kexec+len(want) {
		t.Fatalf("%d scenarios, want %d of kexec and %d entries", len(got), kexec, len(want))
	}
	for i, w := range want {
		s := got[kexec+i]
		if s.Label != w || len(s.Charts) != 2 || s.Selected {
			t.Errorf("scenario %d: %q with %d charts (selected %v), want %q with BEFORE and AFTER", kexec+i, s.Label, len(s.Charts), s.Selected, w)
			continue
		}
		if !strings.Contains(s.Charts[0].Title, "BEFORE, "+s.Entry+", ") || !strings.Contains(s.Charts[1].Title, "AFTER, "+s.Entry+", ") {
			t.Errorf("%s: titles %q, %q do not name the entry", w, s.Charts[0].Title, s.Charts[1].Title)
		}
	}
	if !got[0].Selected || got[0].Entry != "" {
		t.Errorf("first shown: %+v, want the kexec reboot's", got[0])
	}
	out := string(render(t, "html", r, Options{}))
	for _, w := range want {
		if !strings.Contains(out, ">"+w+"</option>") {
			t.Errorf("the page has no choice %q", w)
		}
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
