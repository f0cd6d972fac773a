package main

import (
	"fmt"
	"strings"

	"github.com/patchcheck/patchcheck/report"
	"github.com/patchcheck/patchcheck/rules"
)

// progressEngines runs the simulation engines and tells the progress line
// what each call is: every exploration and every set of timed runs is a
// phase of its own, with its own budget and rate.
type progressEngines struct {
	rules.SimEngines
	p *report.Progress
}

func withProgress(p *report.Progress) rules.Engines {
	if p == nil {
		return rules.SimEngines{}
	}
	return progressEngines{rules.SimEngines{Progress: p.Update}, p}
}

func (e progressEngines) Explore(req *rules.ExploreRequest) ([]rules.CheckResult, error) {
	budget := req.Budget.MaxStates
	if budget <= 0 {
		budget = defaultMaxStates
	}
	e.p.Phase("exploring "+scenarioLabel(req.Scenario), budget)
	return e.SimEngines.Explore(req)
}

func (e progressEngines) Measure(req *rules.MeasureRequest) (*rules.MeasureResult, error) {
	e.p.Phase(fmt.Sprintf("timing %s (%d runs)", scenarioLabel(req.Scenario), req.Runs), 0)
	return e.SimEngines.Measure(req)
}

func scenarioLabel(sc rules.Scenario) string {
	s := fmt.Sprintf("%d CPUs %s", sc.CPUs, sc.Load)
	if len(sc.Faults) > 0 {
		s += ", " + strings.Join(sc.Faults, "+")
	}
	return s
}

// defaultMaxStates is the explorer's state budget when --max-states is not
// given.
const defaultMaxStates = 4_000_000
