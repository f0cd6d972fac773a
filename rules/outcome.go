package rules

// What Evaluate makes of the verdicts: the findings a reviewer reads, where
// they are blamed, and the run's verdict and summary.

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/patchcheck/patchcheck/semantics"
)

// findings turns verdicts into what a reviewer reads. A property the AFTER
// program breaks in a scenario where BEFORE did not is the patch's doing and
// carries the rule's severity; one BEFORE breaks too is reported as a note.
func (e *evaluator) findings(r *Report, prefixes [][]Property) []Finding {
	var out []Finding
	before := map[string]Property{}
	for _, p := range r.Properties {
		if p.Variant == "before" {
			before[propertyKey(p)] = p
		}
	}
	// scenarioRef copies a scenario for a finding to point at.
	scenarioRef := func(sc Scenario) *Scenario { return &sc }
	// One finding per property and kind: the first scenario (fault-free
	// first) carries the message and location, the other fault sets are
	// listed.
	type group struct {
		f     Finding
		where []string
	}
	var groups []*group
	index := map[string]*group{}
	add := func(key string, f Finding, where string) {
		if g, ok := index[key]; ok {
			g.where = append(g.where, where)
			return
		}
		g := &group{f: f, where: []string{where}}
		index[key] = g
		groups = append(groups, g)
	}
	for _, p := range r.Properties {
		if p.Variant != "after" {
			continue
		}
		rule := e.in.Pack.Property(p.ID)
		b, hasB := before[propertyKey(p)]
		where := scenarioString(p.Scenario)
		if p.Scenario.CPUs == 0 {
			where = "the program text"
		}
		where = entryName(p.Entry) + where
		// The first patch whose prefix shows the verdict, and its
		// counterexample there. A violation BEFORE had as well (first
		// false) is the patch's only where its counterexample runs the
		// patch's code: it did not first appear after the patch, so no
		// added line stands for it otherwise.
		at := func(first bool, verdicts ...string) *Location {
			k, q := firstPrefix(prefixes, propertyKey(p), verdicts...)
			if q == nil {
				return e.location(p.Counterexample)
			}
			return e.blame(q.Counterexample, e.patchIndex(k), first)
		}
		switch {
		case p.Verdict == "violated" && hasB && b.Verdict == "violated":
			add(p.ID+"\x00old", Finding{ID: p.ID, Variant: p.Variant, Scenario: scenarioRef(p.Scenario), Severity: "note", Property: p.ID,
				Message:  fmt.Sprintf("%s, before the patch as well: %s", rule.Message, p.Reason),
				Location: at(false, "violated")}, where)
		case p.Verdict == "violated":
			add(p.ID+"\x00new", Finding{ID: p.ID, Variant: p.Variant, Scenario: scenarioRef(p.Scenario), Severity: severity(rule.Severity), Property: p.ID,
				Message:  fmt.Sprintf("After the patch, %s.%s", rule.Message, beforeNote(b, hasB)),
				Location: at(true, "violated")}, where)
		case p.Verdict == "holds-if-bounds" && hasB && b.Verdict == "holds":
			add(p.ID+"\x00bounds", Finding{ID: p.ID, Variant: p.Variant, Scenario: scenarioRef(p.Scenario), Severity: "warning", Property: p.ID,
				Message: fmt.Sprintf("After the patch, %s once a bounded wait expires (waits: %s); before the patch it held regardless.",
					rule.Message, strings.Join(p.NeedsExpiry, "; ")),
				Location: at(true, "holds-if-bounds", "violated")}, where)
		case p.Verdict == "inconclusive":
			add(p.ID+"\x00undecided", Finding{ID: p.ID, Variant: p.Variant, Scenario: scenarioRef(p.Scenario), Severity: "note", Property: p.ID,
				Message: p.ID + undecidedSep + p.Reason}, where)
		}
	}
	for _, g := range groups {
		g.f.Message += " Found in: " + strings.Join(g.where, "; ") + "."
		out = append(out, g.f)
	}
	for _, c := range r.Claims {
		if c.Verdict == "inconsistent" {
			msg := fmt.Sprintf("Claim %s %q (%s, %s) is not consistent with the model: %s.",
				c.ID, c.Text, c.Variant, scenarioString(c.Scenario), c.Reason)
			if len(c.Cost) > 0 {
				var parts []string
				for i, s := range c.Cost {
					if i == 4 {
						break
					}
					parts = append(parts, fmt.Sprintf("%s %.1f%%", s.What, s.Share*100))
				}
				msg += " The predicted median goes to " + strings.Join(parts, ", ") + "."
			}
			out = append(out, Finding{ID: "claim.inconsistent", Severity: "warning", Claim: c.ID,
				Message: msg + " Source: " + c.Source + "."})
		}
	}
	return out
}

// undecidedSep joins an undecided property's id and its reason in the
// message of its note.
const undecidedSep = " could not be decided after the patch: "

// UndecidedReason returns why the property of f, a note that an AFTER
// property could not be decided, could not be (without the scenarios it
// was found in), so that a report can name once a reason many properties
// share (a patch that does not apply leaves every property undecided).
func UndecidedReason(f *Finding) (string, bool) {
	rest, ok := strings.CutPrefix(f.Message, f.ID+undecidedSep)
	if !ok || f.Severity != "note" || f.Property != f.ID {
		return "", false
	}
	if i := strings.LastIndex(rest, " Found in: "); i >= 0 {
		rest = rest[:i]
	}
	return rest, true
}

func beforeNote(b Property, ok bool) string {
	if !ok {
		return ""
	}
	return " Before the patch: " + b.Verdict + "."
}

func severity(s string) string {
	if s == "info" {
		return "note"
	}
	return s
}

// location points a finding at the last post-image line of the
// counterexample (the patch's code the trace went through last), else its
// last step.
func (e *evaluator) location(cx *Counterexample) *Location {
	if cx == nil || len(cx.Steps) == 0 {
		return nil
	}
	pick := -1
	for i, s := range cx.Steps {
		if s.Side == "post" {
			pick = i
		}
	}
	if pick < 0 {
		return nil
	}
	s := cx.Steps[pick]
	return &Location{Patch: e.patchOf(s.File), File: s.File, Line: s.Line, Side: s.Side}
}

// patchOf is the last patch of the series that touches file: post-image
// lines are those of the series' final image.
func (e *evaluator) patchOf(file string) int {
	n := 0
	for _, p := range e.in.Series.Patches {
		for _, f := range p.Files {
			if f.NewName == file || f.OldName == file {
				n = p.Index
			}
		}
	}
	return n
}

// verdict is the overall verdict: fail when the AFTER program breaks an
// error-severity property that BEFORE kept in the same fault set, or a claim
// is inconsistent; inconclusive when nothing failed but an AFTER property or
// a bound claim could not be decided; pass otherwise.
func verdict(r *Report, v Variants) (string, string) {
	before := map[string]string{}
	for _, p := range r.Properties {
		if p.Variant == "before" {
			before[propertyKey(p)] = p.Verdict
		}
	}
	var violated, undecided []string
	where := map[string][]string{}
	unknownBefore := map[string]bool{} // violated after, not decided before
	for _, p := range r.Properties {
		if p.Variant != "after" {
			continue
		}
		switch {
		case p.Verdict == "violated" && p.Severity == "error" && before[propertyKey(p)] != "violated":
			if where[p.ID] == nil {
				violated = append(violated, p.ID)
			}
			if b := before[propertyKey(p)]; b == "" || b == "inconclusive" {
				unknownBefore[p.ID] = true
			}
			f := strings.Join(p.Scenario.Faults, "+")
			if f == "" {
				f = "healthy"
			}
			f = entryName(p.Entry) + f
			where[p.ID] = append(where[p.ID], f)
		case p.Verdict == "inconclusive":
			undecided = append(undecided, p.ID)
		}
	}
	for i, id := range violated {
		violated[i] = id + " (" + strings.Join(where[id], ", ") + ")"
		if unknownBefore[id] {
			// The patch may not be what brings it: say so rather than
			// leave the reader to assume the baseline holds.
			violated[i] += " (not decided before the patch)"
		}
	}
	counts := map[string]int{}
	for _, c := range r.Claims {
		counts[c.Verdict]++
	}
	var parts []string
	if len(violated) > 0 {
		parts = append(parts, "violated after the patch: "+strings.Join(violated, ", "))
	}
	if len(undecided) > 0 {
		parts = append(parts, undecidedPart(dedup(undecided)))
	}
	if len(r.Claims) > 0 {
		var cs []string
		for _, k := range []string{"consistent", "inconsistent", "unsupported", "not-evaluated"} {
			if counts[k] > 0 {
				cs = append(cs, fmt.Sprintf("%d %s", counts[k], k))
			}
		}
		parts = append(parts, "claims: "+strings.Join(cs, ", "))
	}
	if !v.Covered && !v.OnPath {
		return "inconclusive", "no modelled function changed; nothing was executed"
	}
	if v.Unreached {
		parts = append([]string{"the patch changes code no modelled scenario runs"}, parts...)
	} else if v.Identical && len(v.NotApplied) > 0 {
		// AFTER is BEFORE because a patch was not applied: saying the
		// patch changes nothing would read as a finding about its code.
		if someApplied(r) {
			parts = append([]string{"nothing that applies changes the modelled behaviour"}, parts...)
		}
	} else if v.Identical {
		parts = append([]string{"the patch does not change the modelled behaviour"}, parts...)
	}
	if len(v.NotApplied) > 0 {
		parts = append([]string{listSome(v.NotApplied)}, parts...)
	}
	sum := strings.Join(parts, "; ")
	switch {
	case len(violated) > 0 || counts["inconsistent"] > 0:
		return "fail", sum
	case len(undecided) > 0 || len(v.Incomplete) > 0 || len(v.NotApplied) > 0 || counts["not-evaluated"] > 0 || v.Unreached:
		return "inconclusive", sum
	}
	if sum == "" {
		sum = "every property holds"
		// Violations the baseline has too are notes, not the patch's:
		// saying every property holds would hide them.
		kept := map[string]bool{}
		for _, p := range r.Properties {
			if p.Variant == "after" && p.Verdict == "violated" && before[propertyKey(p)] == "violated" {
				kept[p.ID] = true
			}
		}
		if len(kept) > 0 {
			sum = fmt.Sprintf("the patch violates no property; violated before it as well: %s (see the notes)",
				strings.Join(slices.Sorted(maps.Keys(kept)), ", "))
		}
	}
	return "pass", sum
}

// noAnswer is a metric the timed engine could not measure, with why.
type noAnswer struct{ why string }

func (e *noAnswer) Error() string { return e.why }

// someApplied reports whether a patch of the series applies, wholly or
// in part, to the baseline.
func someApplied(r *Report) bool {
	for _, p := range r.Series.Patches {
		if p.Applies == semantics.PatchApplies || p.Applies == semantics.PatchPartly {
			return true
		}
	}
	return false
}

// undecidedPart names the undecided properties, the first few of a long
// list: the verdict line is one line of a CI log, and the report names
// each property with its reason.
func undecidedPart(ids []string) string {
	const all, some = 6, 3 // a short list in full, of a long one the first few
	if len(ids) <= all {
		return "undecided: " + strings.Join(ids, ", ")
	}
	return fmt.Sprintf("%d properties undecided: %s and %d more", len(ids), strings.Join(ids[:some], ", "), len(ids)-some)
}

// listSome joins the first few items of a long list.
func listSome(items []string) string {
	const max = 3
	if len(items) <= max {
		return strings.Join(items, "; ")
	}
	return strings.Join(items[:max], "; ") + fmt.Sprintf("; and %d more", len(items)-max)
}

func dedup(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

// ExitCode maps an overall verdict to the command's exit status.
func ExitCode(verdict string) int {
	switch verdict {
	case "pass":
		return 0
	case "fail":
		return 1
	}
	return 3
}
