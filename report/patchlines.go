package report

import "github.com/patchcheck/patchcheck/rules"

// diffLine is one line of a hunk with its numbers in the pre- and post-image
// (0 when the line is not in that image).
type diffLine struct {
	Text     string // with its ' ', '+' or '-' marker
	Old, New int
}

// hunkLines is a hunk of one file of one patch, numbered.
type hunkLines struct {
	Patch int
	File  string
	Hunk  *rules.Hunk
	Lines []diffLine
}

// numberHunks numbers every hunk of every patch in the report, in patch and
// file order.
func numberHunks(r *rules.Report) []*hunkLines {
	var all []*hunkLines
	for pi := range r.Series.Patches {
		p := &r.Series.Patches[pi]
		for fi := range p.Files {
			f := &p.Files[fi]
			for hi := range f.Diff {
				h := &f.Diff[hi]
				hl := &hunkLines{Patch: p.Index, File: f.Path, Hunk: h}
				old, nw := h.OldStart, h.NewStart
				for _, t := range h.Lines {
					l := diffLine{Text: t}
					switch {
					case len(t) > 0 && t[0] == '+':
						l.New = nw
						nw++
					case len(t) > 0 && t[0] == '-':
						l.Old = old
						old++
					default: // context; a blank context line may have lost its space
						l.Old, l.New = old, nw
						old++
						nw++
					}
					hl.Lines = append(hl.Lines, l)
				}
				all = append(all, hl)
			}
		}
	}
	return all
}

// findLine finds the diff line at file:line on the given side ("post" or
// "pre"). patch restricts the search to one patch when it is not 0;
// otherwise the last patch that has the line wins, as later patches of a
// series describe the newer code.
func findLine(hunks []*hunkLines, patch int, file string, line int, side string) (*hunkLines, int, bool) {
	if line <= 0 || (side != "post" && side != "pre") {
		return nil, 0, false
	}
	for hi := len(hunks) - 1; hi >= 0; hi-- {
		h := hunks[hi]
		if h.File != file || (patch != 0 && h.Patch != patch) {
			continue
		}
		for i, l := range h.Lines {
			if (side == "post" && l.New == line) || (side == "pre" && l.Old == line) {
				return h, i, true
			}
		}
	}
	return nil, 0, false
}

// stepLine is the text to show for a counterexample step: the patch line
// with its marker when the step points into the patch, else the source line
// the step recorded.
func stepLine(hunks []*hunkLines, s rules.Step) string {
	if h, i, ok := findLine(hunks, 0, s.File, s.Line, s.Side); ok {
		return h.Lines[i].Text
	}
	if s.Text != "" {
		return " " + s.Text
	}
	return ""
}

// propertyGroup is every result of one property, in report order.
type propertyGroup struct {
	ID, Severity, Doc string
	Results           []*rules.Property
}

func groupProperties(ps []rules.Property) []*propertyGroup {
	var groups []*propertyGroup
	byID := map[string]*propertyGroup{}
	for i := range ps {
		p := &ps[i]
		g := byID[p.ID]
		if g == nil {
			g = &propertyGroup{ID: p.ID, Severity: p.Severity, Doc: p.Doc}
			byID[p.ID] = g
			groups = append(groups, g)
		}
		g.Results = append(g.Results, p)
	}
	return groups
}

// violation returns the result that illustrates a finding: a violated
// result with a counterexample of the property the finding reports on,
// AFTER preferred, fewest CPUs first. It returns nil when there is none.
func violation(r *rules.Report, f *rules.Finding) *rules.Property {
	id := f.Property
	if id == "" {
		id = f.ID
	}
	var best *rules.Property
	for i := range r.Properties {
		p := &r.Properties[i]
		if p.ID != id || p.Counterexample == nil {
			continue
		}
		if f.Scenario != nil {
			// The finding names its row: show that row's trace, whatever
			// its verdict (a holds-if-bounds row has one too).
			if p.Variant == f.Variant && sameScenario(p.Scenario, *f.Scenario) {
				return p
			}
			continue
		}
		if p.Verdict != "violated" {
			continue
		}
		if best == nil || better(p, best) {
			best = p
		}
	}
	return best
}

func better(p, q *rules.Property) bool {
	if (p.Variant == "after") != (q.Variant == "after") {
		return p.Variant == "after"
	}
	return p.Counterexample.CPUs < q.Counterexample.CPUs
}

// claimByID finds a claim by its id.
func claimByID(r *rules.Report, id string) *rules.Claim {
	for i := range r.Claims {
		if r.Claims[i].ID == id {
			return &r.Claims[i]
		}
	}
	return nil
}
