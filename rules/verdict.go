package rules

import (
	"fmt"
	"math"
	"strconv"
)

// Claim verdicts. A claim is compared with the distribution the timed engine
// predicts for its metric and scenario under the profile (the profile's
// parameters are drawn from their ranges run by run, so the distribution
// spans the machines the profile describes). Let [p5, p95] be the predicted
// central 90%, with runs in which the metric's event never happened counted
// as infinitely long.
//
//   - less-than X: a stated upper bound. consistent when p95 <= X;
//     inconsistent otherwise. A bound that more than 5% of the modelled runs
//     break is not what the sentence says, so "at risk" (p5 <= X < p95) is
//     inconsistent, with the fraction reported in the reason.
//   - more-than X: a stated lower bound. consistent when p5 >= X.
//   - about X: the interval [X(1-t), X(1+t)] (t: the pack's about_tolerance)
//     must overlap [p5, p95]. A single measured value comes from one machine;
//     the profile's ranges describe many, so overlap is what can be asked.
//   - range and vague phrases ([low, high]): must overlap [p5, p95].
//   - speedup F: the ratio of the BEFORE and AFTER medians must lie in
//     [F(1-t), F(1+t)].
//
// A distribution with no runs (the engine could not run the scenario) gives
// not-evaluated.

// judge compares a claimed value with a predicted distribution and returns
// the verdict and a reason with the numbers.
func judge(c Claimed, d *Distribution, tol float64) (verdict, reason string) {
	if d == nil || d.Runs == 0 {
		return "not-evaluated", "no prediction for this metric and scenario"
	}
	lo, hi := effective(d)
	pred := "predicted p5-p95 " + span(lo, hi) + " over " + strconv.Itoa(d.Runs) + " runs"
	if d.Never > 0 {
		pred += fmt.Sprintf(" (%d never reached the event)", d.Never)
	}
	switch c.Relation {
	case "less-than":
		if hi <= c.High {
			return "consistent", pred + ", within the claimed bound " + dur(c.High)
		}
		if lo > c.High {
			return "inconsistent", pred + ": the model never meets the claimed bound " + dur(c.High)
		}
		return "inconsistent", pred + ": p95 exceeds the claimed bound " + dur(c.High) + ", so more than 5% of modelled runs break it"
	case "more-than":
		if lo >= c.Low {
			return "consistent", pred + ", above the claimed " + dur(c.Low)
		}
		return "inconsistent", pred + ": p5 is below the claimed " + dur(c.Low)
	case "about", "range":
		a, b := claimedInterval(c, tol)
		if b >= lo && a <= hi {
			return "consistent", pred + " overlaps the claimed " + span(a, b)
		}
		if b < lo {
			return "inconsistent", pred + ": the model is slower than the claimed " + span(a, b)
		}
		return "inconsistent", pred + ": the model is faster than the claimed " + span(a, b)
	}
	return "not-evaluated", "relation " + c.Relation + " cannot be compared with a duration"
}

// judgeSpeedup compares a claimed factor with the ratio of the BEFORE and
// AFTER medians. (The ratio of independent percentiles would be wide even for
// an unchanged program; medians of the same number of runs are stable.)
func judgeSpeedup(c Claimed, before, after *Distribution, tol float64) (verdict, reason string, lo, hi float64) {
	if before == nil || after == nil || before.Runs == 0 || after.Runs == 0 {
		return "not-evaluated", "no prediction for both variants", 0, 0
	}
	if before.Never*2 > before.Runs || after.Never*2 > after.Runs {
		return "not-evaluated", "the metric's event is not reached in most runs of one variant", 0, 0
	}
	f := safeDiv(before.Median, after.Median)
	blo, bhi := effective(before)
	alo, ahi := effective(after)
	pred := fmt.Sprintf("predicted factor %s (median before %s, after %s; p5-p95 %s and %s)", factor(f),
		dur(before.Median), dur(after.Median), span(blo, bhi), span(alo, ahi))
	a, b := c.Low*(1-tol), c.High*(1+tol)
	if f >= a && f <= b {
		return "consistent", pred + ", within the claimed " + factor(a) + "-" + factor(b), f, f
	}
	return "inconsistent", pred + ", outside the claimed " + factor(a) + "-" + factor(b), f, f
}

func safeDiv(a, b float64) float64 {
	if b == 0 {
		return math.Inf(1)
	}
	return a / b
}

func claimedInterval(c Claimed, tol float64) (float64, float64) {
	if c.Relation == "about" {
		return c.Low * (1 - tol), c.High * (1 + tol)
	}
	return c.Low, c.High
}

// effective returns p5 and p95 counting never-reached runs as infinite.
func effective(d *Distribution) (float64, float64) {
	lo, hi := d.P5, d.P95
	if d.Runs > 0 {
		f := float64(d.Never) / float64(d.Runs)
		if f > 0.05 {
			hi = math.Inf(1)
		}
		if f > 0.95 {
			lo = math.Inf(1)
		}
	}
	return lo, hi
}

func span(a, b float64) string {
	if math.IsInf(a, 1) {
		return "never"
	}
	return dur(a) + "-" + dur(b)
}

// dur formats seconds with a unit a reader expects.
func dur(s float64) string {
	switch {
	case math.IsInf(s, 1):
		return "never"
	case s == 0:
		return "0"
	case s < 1e-3:
		return trim(s*1e6) + " us"
	case s < 1:
		return trim(s*1e3) + " ms"
	}
	return trim(s) + " s"
}

func factor(f float64) string {
	if math.IsInf(f, 1) {
		return "unbounded"
	}
	return trim(f) + "x"
}

func trim(v float64) string { return strconv.FormatFloat(v, 'g', 3, 64) }

// scale divides a distribution by n (a per-CPU metric from a total).
func scale(d Distribution, n int) Distribution {
	if n <= 0 {
		return d
	}
	f := float64(n)
	d.P5, d.Median, d.P95, d.Min, d.Max = d.P5/f, d.Median/f, d.P95/f, d.Min/f, d.Max/f
	return d
}
