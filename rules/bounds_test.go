package rules

import (
	"fmt"
	"strings"
	"testing"

	"github.com/patchcheck/patchcheck/sim"
	"github.com/patchcheck/patchcheck/sim/profile"
)

// hostileMessage states n claims, each for its own CPU count from 423 up.
func hostileMessage(n int) string {
	var b strings.Builder
	for k := range n {
		fmt.Fprintf(&b, "This patch reduces the shutdown time for %d CPUs from about .65 seconds to less than 5 msecs. ", 423+k)
	}
	return b.String()
}

// countingEngine is scripted, and records the CPU counts the timed engine
// was asked for.
type countingEngine struct {
	scripted
	cpus map[int]bool
}

func (c *countingEngine) Measure(req *MeasureRequest) (*MeasureResult, error) {
	c.mu.Lock()
	if c.cpus == nil {
		c.cpus = map[int]bool{}
	}
	c.cpus[req.Scenario.CPUs] = true
	c.mu.Unlock()
	return c.scripted.Measure(req)
}

// TestClaimBounds: a message with 90 claims for 423..512 CPUs gets at most
// MaxClaimsPerPatch claims judged and the timed engine asked for at most
// MaxClaimCPUCounts CPU counts besides the pack's; the rest are not
// evaluated, with the reason, and the violated property still fails the run.
func TestClaimBounds(t *testing.T) {
	pack := defaultPack(t)
	before, after := &sim.Program{}, &sim.Program{}
	eng := &countingEngine{scripted: scripted{
		verdicts: map[*sim.Program]map[string]string{after: {"kexec.secondaries-off-at-relocation": "violated"}},
		shutdown: map[*sim.Program]Distribution{before: {P5: 0.4, Median: 0.5, P95: 0.6}, after: {P5: 0.001, Median: 0.002, P95: 0.003}}}}
	r, err := Evaluate(&EvalInput{Series: testSeries(hostileMessage(90)), Programs: Variants{Before: before, After: after, Covered: true},
		Pack: pack, Profile: profile.Default(), Seed: 1, Budget: Budget{Runs: 5}, Engines: eng})
	if err != nil {
		t.Fatal(err)
	}
	if r.Verdict != "fail" {
		t.Errorf("verdict %s (%s), want fail", r.Verdict, r.Summary)
	}
	if len(r.Claims) < 90 {
		t.Fatalf("%d claims extracted, want at least 90", len(r.Claims))
	}
	judged, budget := 0, 0
	for _, c := range r.Claims {
		switch {
		case strings.HasPrefix(c.Reason, "claim budget:"):
			budget++
			if c.Verdict != "not-evaluated" {
				t.Errorf("claim %s past the budget has verdict %s", c.ID, c.Verdict)
			}
		case c.Verdict == "consistent" || c.Verdict == "inconsistent":
			judged++
		}
	}
	if judged > MaxClaimsPerPatch || budget < len(r.Claims)-MaxClaimsPerPatch {
		t.Errorf("%d claims judged and %d refused of %d", judged, budget, len(r.Claims))
	}
	extra := 0
	for n := range eng.cpus {
		if !containsInt(pack.Scenarios.TimingCPUs, n) {
			extra++
		}
	}
	if extra > MaxClaimCPUCounts {
		t.Errorf("timed engine asked for %d CPU counts besides the pack's, want at most %d", extra, MaxClaimCPUCounts)
	}
}

// TestPartialKeepsViolations: the reports handed to EvalInput.Partial are
// monotone in what they decide: once a violation of AFTER is found, every
// later partial report fails, so a run stopped at any later point (by
// --timeout) reports the failure.
func TestPartialKeepsViolations(t *testing.T) {
	pack := defaultPack(t)
	before, after := &sim.Program{}, &sim.Program{}
	eng := &scripted{
		verdicts: map[*sim.Program]map[string]string{after: {"kexec.reboot-completes": "violated"}},
		shutdown: map[*sim.Program]Distribution{before: {P5: 0.4, Median: 0.5, P95: 0.6}, after: {P5: 0.001, Median: 0.002, P95: 0.003}}}
	var verdicts []string
	r, err := Evaluate(&EvalInput{Series: testSeries(hostileMessage(3)), Programs: Variants{Before: before, After: after, Covered: true},
		Pack: pack, Profile: profile.Default(), Seed: 1, Budget: Budget{Runs: 5}, Engines: eng,
		Partial: func(p *Report) { verdicts = append(verdicts, p.Verdict) }})
	if err != nil {
		t.Fatal(err)
	}
	first := -1
	for i, v := range verdicts {
		if v == "fail" && first < 0 {
			first = i
		}
		if first >= 0 && v != "fail" {
			t.Errorf("partial report %d: verdict %s after a fail at %d", i, v, first)
		}
	}
	if first < 0 || r.Verdict != "fail" {
		t.Errorf("no partial report failed (%v); final %s", verdicts, r.Verdict)
	}
	if first == len(verdicts)-1 {
		t.Errorf("the violation is known only at the end (%d partial reports)", len(verdicts))
	}
}
