package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/patchcheck/patchcheck/rules"
)

//go:embed html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"n":        func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) },
	"seconds":  seconds,
	"dist":     distribution,
	"cost":     costText,
	"claimed":  claimed,
	"upper":    variant,
	"scen":     scenario,
	"pverdict": propertyVerdict,
	"explored": exploration,
	"loc":      location,
	"lineClass": func(text string) string {
		switch {
		case strings.HasPrefix(text, "+"):
			return "add"
		case strings.HasPrefix(text, "-"):
			return "del"
		}
		return "ctx"
	},
}).Parse(htmlSource))

// htmlPage is what the template reads: the Report, and the pictures and
// lookups computed from it.
type htmlPage struct {
	R         *rules.Report
	Title     string
	Verdict   string
	Reproduce string
	TargetURL string
	Groups    []*htmlGroup
	Findings  []htmlFinding
	Scenarios []htmlScenario
	Plots     []*figure
}

type htmlFinding struct {
	F        *rules.Finding
	Quote    []string
	QuoteAt  string
	Sequence *figure
	Open     bool // the first counterexample is shown unfolded
}

// htmlScenario is one scenario's timelines, BEFORE above AFTER: the
// kexec reboot's in each timing scenario, then one per other entry that
// ran, labelled by the entry.
type htmlScenario struct {
	Entry    string // "" for the kexec reboot
	Label    string
	Selected bool
	Charts   []*figure
}

// renderHTML writes one self-contained page: summary, claims, properties,
// findings, and pictures (per-CPU timelines of both runs, the scaling
// plot, counterexamples as sequence diagrams). CSS, script and SVG are
// inline; the page loads nothing from the network. html/template escapes
// every value from the Report.
func renderHTML(w io.Writer, r *rules.Report, opts Options) error {
	hunks := numberHunks(r)
	page := htmlPage{
		R:         r,
		Title:     patchTitle(r),
		Verdict:   r.Verdict,
		Reproduce: reproduce(r),
		TargetURL: opts.TargetURL,
		Groups:    htmlGroups(r.Properties),
		Plots:     scalingPlots(r),
		Scenarios: timelineScenarios(r, opts.TimelineCPUs),
	}
	opened := false
	for i := range r.Findings {
		f := &r.Findings[i]
		hf := htmlFinding{F: f}
		if l := f.Location; l != nil {
			if h, idx, ok := findLine(hunks, l.Patch, l.File, l.Line, l.Side); ok {
				for _, dl := range h.Lines[max(0, idx-4) : idx+1] {
					hf.Quote = append(hf.Quote, dl.Text)
				}
				hf.QuoteAt = hunkHeader(h.Hunk)
			}
		}
		if p := violation(r, f); p != nil {
			hf.Sequence = sequence(fmt.Sprintf("seq-%d", i), p, hunks)
			hf.Open = !opened
			opened = true
		}
		page.Findings = append(page.Findings, hf)
	}
	return htmlTemplate.Execute(w, page)
}

// timelineScenarios groups the timelines by entry and scenario, in report
// order, and selects the one to show first: the first of the kexec reboot
// with the CPU count asked for, else the first that has both variants.
func timelineScenarios(r *rules.Report, cpus int) []htmlScenario {
	type key struct {
		entry string
		sc    rules.Scenario
	}
	same := func(k key, tl *rules.Timeline) bool { return k.entry == tl.Entry && sameScenario(k.sc, tl.Scenario) }
	var out []htmlScenario
	var keys []key
	for i := range r.Timelines {
		tl := &r.Timelines[i]
		k := -1
		for j, s := range keys {
			if same(s, tl) {
				k = j
			}
		}
		if k < 0 {
			keys = append(keys, key{tl.Entry, tl.Scenario})
			out = append(out, htmlScenario{Entry: tl.Entry, Label: entryOf(tl.Entry) + ": " + scenario(tl.Scenario)})
			k = len(keys) - 1
		}
	}
	// BEFORE and AFTER of a scenario share one time axis, so that the
	// lengths of the two runs compare at a glance.
	for k, key := range keys {
		end := 0.0
		for i := range r.Timelines {
			if same(key, &r.Timelines[i]) {
				end = math.Max(end, timelineEnd(&r.Timelines[i]))
			}
		}
		for i := range r.Timelines {
			if same(key, &r.Timelines[i]) {
				out[k].Charts = append(out[k].Charts, gantt(fmt.Sprintf("gantt-%d", i), &r.Timelines[i], end))
			}
		}
	}
	pick := -1
	for i, s := range keys {
		if cpus > 0 && s.entry == "" && s.sc.CPUs == cpus {
			pick = i
			break
		}
	}
	for i := range out {
		if pick < 0 && out[i].Entry == "" && len(out[i].Charts) >= 2 {
			pick = i
		}
	}
	for i := range out {
		if pick < 0 && len(out[i].Charts) >= 2 {
			pick = i
		}
	}
	if pick < 0 && len(out) > 0 {
		pick = 0
	}
	if pick >= 0 {
		out[pick].Selected = true
	}
	return out
}

// htmlGroup is one property's section: folded unless it needs a look.
type htmlGroup struct {
	*propertyGroup
	Verdicts string // "AFTER: violated 2, holds 4; BEFORE: holds 6"
	Open     bool   // some row is violated or undecided
}

// htmlGroups folds the properties table into one section per property,
// whose summary line tells the verdicts, so that the page is short and a
// reader opens what matters: sections with a violated or inconclusive row
// start open.
func htmlGroups(ps []rules.Property) []*htmlGroup {
	var out []*htmlGroup
	for _, g := range groupProperties(ps) {
		hg := &htmlGroup{propertyGroup: g}
		var parts []string
		for _, v := range []string{"after", "before"} {
			var verdicts []string
			counts := map[string]int{}
			for _, p := range g.Results {
				if p.Variant != v {
					continue
				}
				if counts[p.Verdict] == 0 {
					verdicts = append(verdicts, p.Verdict)
				}
				counts[p.Verdict]++
				hg.Open = hg.Open || p.Verdict == "violated" && p.Severity == "error" || p.Verdict == "inconclusive"
			}
			if len(verdicts) == 0 {
				continue
			}
			var vs []string
			for _, verdict := range verdicts {
				vs = append(vs, fmt.Sprintf("%s %d", verdict, counts[verdict]))
			}
			parts = append(parts, variant(v)+": "+strings.Join(vs, ", "))
		}
		hg.Verdicts = strings.Join(parts, "; ")
		out = append(out, hg)
	}
	return out
}
