package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/patchcheck/patchcheck/rules"
)

// The pictures of the HTML report are computed here as lists of SVG
// elements; html/template writes them, escaping every text and attribute.

// figure is one SVG picture.
type figure struct {
	ID    string
	Title string // for screen readers and the page's headings
	W, H  float64
	Els   []el
}

// el is one SVG element. Kind is rect, line, text, path or circle; the
// fields a kind does not use stay zero.
type el struct {
	Kind       string
	X, Y, W, H float64
	X2, Y2     float64
	R          float64
	D          string // path data
	Class      string
	Text       string
	Anchor     string // text-anchor: start, middle, end
	Tip        string // <title> tooltip
	Dash       bool
}

func (f *figure) add(e el) { f.Els = append(f.Els, e) }

func (f *figure) text(x, y float64, s, class, anchor string) {
	f.add(el{Kind: "text", X: x, Y: y, Text: s, Class: class, Anchor: anchor})
}

func (f *figure) line(x1, y1, x2, y2 float64, class string) {
	f.add(el{Kind: "line", X: x1, Y: y1, X2: x2, Y2: y2, Class: class})
}

// knownStates are the CPU states the timeline has colours for (those of
// sim/timed, and relocating); others are drawn in a neutral colour with
// their name in the tooltip.
var knownStates = []string{"running", "idle", "ipi", "stopping", "stopper", "firmware", "off", "parked", "relocating"}

func stateClass(s string) string {
	if slices.Contains(knownStates, s) {
		return "st-" + s
	}
	return "st-other"
}

// entryOf names the entry of a timeline: rules.Timeline.Entry, or kexec
// for the reboot, whose timelines name none.
func entryOf(entry string) string {
	if entry == "" {
		return rules.DefaultEntry
	}
	return entry
}

// timelineEnd is the last time a run's timeline shows.
func timelineEnd(tl *rules.Timeline) float64 {
	end := tl.End
	for _, c := range tl.CPUs {
		for _, s := range c.Segments {
			end = math.Max(end, s.End)
		}
	}
	return end
}

// gantt draws one run's per-CPU states over time, with the start of the
// relocation marked, on a time axis from 0 to axisEnd (at least the run's
// own end), which the runs of one scenario share.
func gantt(id string, tl *rules.Timeline, axisEnd float64) *figure {
	const left, right, top, rowH, gap, axisH = 64.0, 24.0, 40.0, 20.0, 6.0, 34.0
	const width = 980.0
	n := float64(len(tl.CPUs))
	f := &figure{ID: id, W: width, H: top + n*(rowH+gap) + axisH,
		Title: fmt.Sprintf("%s, %s, %s: per-CPU states until %s", variant(tl.Variant), entryOf(tl.Entry), scenario(tl.Scenario), seconds(tl.End))}
	end := math.Max(timelineEnd(tl), axisEnd)
	if end <= 0 {
		end = 1e-6
	}
	plotW := width - left - right
	x := func(t float64) float64 { return left + plotW*t/end }
	f.text(left, 14, fmt.Sprintf("%s (seed %d)", variant(tl.Variant), tl.Seed), "fig-title", "start")
	for i, c := range tl.CPUs {
		y := top + float64(i)*(rowH+gap)
		f.text(left-8, y+rowH*0.7, cpuName(c.CPU), "axis-label", "end")
		for _, s := range c.Segments {
			w := math.Max(x(s.End)-x(s.Start), 0.75)
			f.add(el{Kind: "rect", X: x(s.Start), Y: y, W: w, H: rowH, Class: stateClass(s.State),
				Tip: fmt.Sprintf("%s %s from %s to %s (%s)", cpuName(c.CPU), s.State, seconds(s.Start), seconds(s.End), seconds(s.End-s.Start))})
		}
	}
	axisY := top + n*(rowH+gap)
	f.line(left, axisY, left+plotW, axisY, "axis")
	for _, t := range niceTicks(0, end, 6) {
		f.line(x(t), axisY, x(t), axisY+4, "axis")
		f.text(x(t), axisY+16, seconds(t), "tick", "middle")
	}
	if tl.Relocate >= 0 {
		rx := x(tl.Relocate)
		f.add(el{Kind: "line", X: rx, Y: top - 20, X2: rx, Y2: axisY, Class: "reloc", Dash: true,
			Tip: "relocation starts at " + seconds(tl.Relocate)})
		anchor := "start"
		if rx > width-200 {
			anchor = "end"
		}
		lx := rx + 4
		if anchor == "end" {
			lx = rx - 4
		}
		f.text(lx, top-8, "relocation starts "+seconds(tl.Relocate), "reloc-label", anchor)
	}
	return f
}

// niceTicks returns about n round values (1, 2 or 5 times a power of ten)
// from lo to hi.
func niceTicks(lo, hi float64, n int) []float64 {
	span := hi - lo
	if span <= 0 || n < 1 {
		return []float64{lo}
	}
	raw := span / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var ticks []float64
	for t := math.Ceil(lo/step) * step; t <= hi+step*1e-9; t += step {
		ticks = append(ticks, math.Round(t/step)*step)
	}
	return ticks
}

// series is one line of the scaling plot.
type series struct {
	Label, Class string
	Dash         bool
	Points       []point
}

type point struct {
	CPUs            int
	P5, Median, P95 float64
	Source          string
	Scenario        string
	// Never: no run reached the metric's event (the secondaries were never
	// all OFF), so there is no time to plot; NeverRuns of Runs did not.
	Never           bool
	NeverRuns, Runs int
}

// scalingPlots draws, per metric, its median against the CPU count for
// each variant and load, with the p5–p95 band, on a logarithmic time axis.
func scalingPlots(r *rules.Report) []*figure {
	var names []string
	byName := map[string][]*series{}
	for i := range r.Metrics {
		m := &r.Metrics[i]
		if m.Scenario.CPUs <= 0 || len(m.Scenario.Faults) > 0 {
			continue
		}
		if _, ok := byName[m.Name]; !ok {
			names = append(names, m.Name)
		}
		label := fmt.Sprintf("%s, %s", variant(m.Variant), m.Scenario.Load)
		var s *series
		for _, x := range byName[m.Name] {
			if x.Label == label {
				s = x
			}
		}
		if s == nil {
			s = &series{Label: label, Class: "v-" + m.Variant, Dash: m.Scenario.Load != "idle" && m.Scenario.Load != ""}
			byName[m.Name] = append(byName[m.Name], s)
		}
		pt := point{CPUs: m.Scenario.CPUs, Source: m.Source, Scenario: scenario(m.Scenario), Never: m.Value == nil}
		if v := m.Value; v != nil {
			pt.P5, pt.Median, pt.P95 = v.P5, v.Median, v.P95
			pt.NeverRuns, pt.Runs = v.Never, v.Runs
			pt.Never = v.Runs > 0 && v.Never >= v.Runs
		}
		s.Points = append(s.Points, pt)
	}
	var figs []*figure
	for i, name := range names {
		figs = append(figs, plot(fmt.Sprintf("plot-%d", i), name, byName[name]))
	}
	return figs
}

func plot(id, metric string, ss []*series) *figure {
	const width, height = 480.0, 320.0
	const left, right, top, bottom = 64.0, 16.0, 42.0, 74.0 // the "never" row is at top-12
	f := &figure{ID: id, W: width, H: height, Title: fmt.Sprintf("%s against the number of CPUs (median, p5–p95 band, log scale)", metric)}
	minX, maxX := math.MaxInt, 0
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range ss {
		// Points in CPU order, whatever order the report lists them in.
		slices.SortStableFunc(s.Points, func(a, b point) int { return cmp.Compare(a.CPUs, b.CPUs) })
		for _, p := range s.Points {
			minX, maxX = min(minX, p.CPUs), max(maxX, p.CPUs)
			for _, v := range []float64{p.P5, p.Median, p.P95} {
				if v > 0 {
					lo, hi = math.Min(lo, v), math.Max(hi, v)
				}
			}
		}
	}
	if math.IsInf(lo, 0) {
		lo, hi = 1e-6, 1
	}
	dlo, dhi := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	if dhi == dlo {
		dhi++
	}
	if maxX == minX {
		maxX = minX + 1
	}
	pw, ph := width-left-right, height-top-bottom
	x := func(c int) float64 { return left + pw*float64(c-minX)/float64(maxX-minX) }
	y := func(v float64) float64 {
		v = math.Max(v, math.Pow(10, dlo))
		return top + ph*(dhi-math.Log10(v))/(dhi-dlo)
	}
	f.text(left, 16, metric, "fig-title", "start")
	for d := dlo; d <= dhi; d++ {
		yy := y(math.Pow(10, d))
		f.line(left, yy, left+pw, yy, "grid")
		f.text(left-6, yy+4, seconds(math.Pow(10, d)), "tick", "end")
	}
	var cpus []int
	for _, s := range ss {
		for _, p := range s.Points {
			if !slices.Contains(cpus, p.CPUs) {
				cpus = append(cpus, p.CPUs)
			}
		}
	}
	f.line(left, top+ph, left+pw, top+ph, "axis")
	for _, c := range cpus {
		f.line(x(c), top+ph, x(c), top+ph+4, "axis")
		f.text(x(c), top+ph+16, fmt.Sprint(c), "tick", "middle")
	}
	f.text(left+pw/2, top+ph+32, "CPUs", "axis-label", "middle")
	anyNever := false
	for _, s := range ss {
		// The measured points as a band and a line, split where a run
		// never reached the metric; those are marked on the "never" row
		// above the plot instead, so that they are seen, not left out.
		var runs [][]point
		var cur []point
		for _, p := range s.Points {
			if p.Never {
				if len(cur) > 0 {
					runs = append(runs, cur)
				}
				cur = nil
				continue
			}
			cur = append(cur, p)
		}
		if len(cur) > 0 {
			runs = append(runs, cur)
		}
		for _, pts := range runs {
			var band, med strings.Builder
			for i, p := range pts {
				fmt.Fprintf(&band, "%s%.1f,%.1f", cmdLetter(i), x(p.CPUs), y(p.P5))
				fmt.Fprintf(&med, "%s%.1f,%.1f", cmdLetter(i), x(p.CPUs), y(p.Median))
			}
			for i := len(pts) - 1; i >= 0; i-- {
				p := pts[i]
				fmt.Fprintf(&band, "L%.1f,%.1f", x(p.CPUs), y(p.P95))
			}
			band.WriteString("Z")
			f.add(el{Kind: "path", D: band.String(), Class: "band " + s.Class, Tip: s.Label + ": p5–p95"})
			f.add(el{Kind: "path", D: med.String(), Class: "median " + s.Class, Dash: s.Dash, Tip: s.Label + ": median"})
		}
		for _, p := range s.Points {
			if p.Never || p.NeverRuns > 0 {
				anyNever = true
				tip := fmt.Sprintf("%s, %s: never, in all %d runs (%s)", s.Label, p.Scenario, p.Runs, p.Source)
				if !p.Never {
					tip = fmt.Sprintf("%s, %s: never in %d of %d runs (%s)", s.Label, p.Scenario, p.NeverRuns, p.Runs, p.Source)
				}
				f.add(el{Kind: "circle", X: x(p.CPUs), Y: top - 12, R: 4, Class: "never " + s.Class, Tip: tip})
			}
			if p.Never {
				continue
			}
			f.add(el{Kind: "circle", X: x(p.CPUs), Y: y(p.Median), R: 3, Class: "dot " + s.Class,
				Tip: fmt.Sprintf("%s, %s: median %s, p5 %s, p95 %s (%s)", s.Label, p.Scenario, seconds(p.Median), seconds(p.P5), seconds(p.P95), p.Source)})
		}
	}
	if anyNever {
		f.line(left, top-12, left+pw, top-12, "grid dash")
		f.text(left-6, top-8, "never", "tick never-label", "end")
	}
	// Legend below the axis label.
	lx, ly := 16.0, top+ph+50
	for _, s := range ss {
		f.add(el{Kind: "line", X: lx, Y: ly, X2: lx + 22, Y2: ly, Class: "median " + s.Class, Dash: s.Dash})
		f.text(lx+26, ly+4, s.Label, "legend", "start")
		lx += 114
	}
	return f
}

func cmdLetter(i int) string {
	if i == 0 {
		return "M"
	}
	return "L"
}

// sequence draws a counterexample as a sequence diagram: a lifeline per
// CPU, the steps top to bottom in the order they interleave, and a dashed
// arrow wherever control passes to another CPU.
func sequence(id string, p *rules.Property, hunks []*hunkLines) *figure {
	cx := p.Counterexample
	cpus := []int{}
	for _, s := range cx.Steps {
		if !slices.Contains(cpus, s.CPU) {
			cpus = append(cpus, s.CPU)
		}
	}
	slices.Sort(cpus) // lifelines in CPU order
	const colW, boxW, top, lineH, pad = 340.0, 316.0, 44.0, 14.0, 8.0
	col := func(cpu int) float64 {
		for i, c := range cpus {
			if c == cpu {
				return 12 + float64(i)*colW
			}
		}
		return 12
	}
	f := &figure{ID: id, W: 24 + float64(len(cpus))*colW,
		Title: fmt.Sprintf("Counterexample to %s, %s, %s", p.ID, variant(p.Variant), scenario(p.Scenario))}
	for _, c := range cpus {
		f.text(col(c)+boxW/2, 20, cpuName(c), "lifeline-label", "middle")
	}
	y := top
	type box struct{ x, y, h float64 }
	var boxes []box
	for i, s := range cx.Steps {
		// Every word of a step is shown, wrapped in the box: a cut step
		// hides what the trace says.
		lines := wrap(fmt.Sprintf("%d. %s", i+1, s.Action), 46)
		where := wrapLong(joinNonEmpty(stepWhere(s), s.Func), 52)
		code := wrapLong(strings.TrimSpace(strings.ReplaceAll(stepLine(hunks, s), "\t", " ")), 50)
		h := pad*2 + lineH*float64(len(lines)+len(where)+len(code))
		bx := col(s.CPU)
		class := "step"
		switch s.Event {
		case "violation", "panic":
			class = "step bad"
		case "relocation-start":
			class = "step mark"
		}
		f.add(el{Kind: "rect", X: bx, Y: y, W: boxW, H: h, Class: class, Tip: fmt.Sprintf("%s at %s: %s", cpuName(s.CPU), where, s.Action)})
		ty := y + pad + 11
		for _, l := range lines {
			f.text(bx+8, ty, l, "step-text", "start")
			ty += lineH
		}
		for _, l := range where {
			f.text(bx+8, ty, l, "step-where", "start")
			ty += lineH
		}
		for _, l := range code {
			f.text(bx+8, ty, l, "step-code", "start")
			ty += lineH
		}
		boxes = append(boxes, box{bx, y, h})
		if i > 0 && cx.Steps[i-1].CPU != s.CPU {
			prev := boxes[i-1]
			x1, x2 := prev.x+boxW, bx // left to right
			if x1 > x2 {              // right to left
				x1, x2 = prev.x, bx+boxW
			}
			y1, y2 := prev.y+prev.h/2, y+10 // from the previous step to this one
			f.add(el{Kind: "line", X: x1, Y: y1, X2: x2, Y2: y2, Class: "handoff", Dash: true})
			f.add(el{Kind: "path", D: arrowHead(x1, y1, x2, y2), Class: "arrow"})
		}
		y += h + 10
	}
	f.H = y + 4
	// Lifelines behind the boxes: drawn first.
	var lifelines []el
	for _, c := range cpus {
		lifelines = append(lifelines, el{Kind: "line", X: col(c) + boxW/2, Y: 28, X2: col(c) + boxW/2, Y2: y, Class: "lifeline"})
	}
	f.Els = append(lifelines, f.Els...)
	return f
}

// arrowHead is a small triangle at (x2, y2) pointing along the line from
// (x1, y1).
func arrowHead(x1, y1, x2, y2 float64) string {
	const size = 7.0
	dx, dy := x2-x1, y2-y1
	l := math.Hypot(dx, dy)
	if l == 0 {
		return ""
	}
	ux, uy := dx/l, dy/l
	bx, by := x2-ux*size, y2-uy*size
	return fmt.Sprintf("M%.1f,%.1fL%.1f,%.1fL%.1f,%.1fZ", x2, y2, bx-uy*size/2, by+ux*size/2, bx+uy*size/2, by-ux*size/2)
}

// wrapLong wraps s at spaces into lines of at most n runes, and breaks a
// word longer than a line (a path, a long identifier) where it must;
// nothing is dropped. An empty s gives no lines.
func wrapLong(s string, n int) []string {
	var out []string
	for _, l := range wrap(s, n) {
		r := []rune(l)
		for len(r) > n {
			out = append(out, string(r[:n]))
			r = r[n:]
		}
		out = append(out, string(r))
	}
	return out
}
