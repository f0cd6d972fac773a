package rules

import (
	"fmt"
	"slices"
)

// Bounds of the work a commit message can ask for. The message is written
// by the patch's author: without bounds, a message with many claims for
// large machines makes the timed engine run until the whole run's
// --timeout, and the properties would not be checked. The properties are
// evaluated before the claims (see Evaluate), and claims past these bounds
// are not evaluated, with the reason, so they cannot lower a verdict: a
// violated property fails the run whatever the message says.
const (
	// MaxClaimsPerPatch is the number of claims of one patch that are
	// evaluated; a commit message states a handful.
	MaxClaimsPerPatch = 16
	// MaxClaimCPUCounts is the number of CPU counts, besides the rule
	// pack's timing CPU counts, that the claims of one run may ask the
	// timed engine for.
	MaxClaimCPUCounts = 4
)

// boundClaims marks the claims past MaxClaimsPerPatch of their patch, and
// those that would need a CPU count beyond the first MaxClaimCPUCounts new
// ones, as not evaluated.
func boundClaims(claims []Claim, packCPUs []int) {
	perPatch := map[int]int{}
	var extra []int
	for i := range claims {
		c := &claims[i]
		if c.Verdict != "" {
			continue
		}
		perPatch[c.Patch]++
		if perPatch[c.Patch] > MaxClaimsPerPatch {
			c.Verdict = "not-evaluated"
			c.Reason = fmt.Sprintf("claim budget: only the first %d claims of a patch are evaluated", MaxClaimsPerPatch)
			continue
		}
		n := c.Scenario.CPUs
		if slices.Contains(packCPUs, n) || slices.Contains(extra, n) {
			continue
		}
		if len(extra) >= MaxClaimCPUCounts {
			c.Verdict = "not-evaluated"
			c.Reason = fmt.Sprintf("claim budget: the claims of a run may ask for %d CPU counts besides the rule pack's (%v), and %d would be one more",
				MaxClaimCPUCounts, extra, n)
			continue
		}
		extra = append(extra, n)
	}
}

// partial hands a copy of what is decided so far to EvalInput.Partial: the
// properties explored and the claims judged, with the verdict they give.
// A run stopped later (by --timeout) reports it, so that a violation found
// before the stop is never lost.
func (e *evaluator) partial(r *Report, props []Property, v Variants) {
	if e.in.Partial == nil {
		return
	}
	p := *r
	p.Properties = slices.Clone(props)
	p.Claims = slices.Clone(r.Claims)
	for i := range p.Claims {
		c := &p.Claims[i]
		c.Also = slices.Clone(c.Also) // the evaluation still fills the original's
		if c.Verdict == "" {
			c.Verdict, c.Reason = "not-evaluated", "the run stopped before this claim was evaluated"
		}
	}
	p.Metrics, p.Timelines, p.Steps = slices.Clone(r.Metrics), slices.Clone(r.Timelines), nil
	// The prefixes of a series are not explored yet: a finding is placed
	// on the whole series (its last patch), not blamed on an earlier one.
	prefixes := append(make([][]Property, len(e.in.Steps)), p.Properties)
	p.Findings = append(slices.Clone(r.Findings), e.findings(&p, prefixes)...)
	p.Verdict, p.Summary = verdict(&p, v)
	e.in.Partial(&p)
}
