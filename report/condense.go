package report

import (
	"fmt"
	"strings"

	"github.com/patchcheck/patchcheck/rules"
)

// minRun is the shortest run of steps that condense folds into one line.
const minRun = 4

// traceItem is one line of a condensed counterexample: a single step, or a
// run of steps folded into a summary.
type traceItem struct {
	First, Last int // 0-based step indices, inclusive; First == Last for a single step
	Step        rules.Step
	Summary     string // set for a folded run
}

// condense folds runs of a counterexample that a reader need not follow
// step by step: at least minRun consecutive steps of one CPU in model code
// (no patch line), with no event on any of them. Such a run is the CPU
// walking through code the patch did not touch while no other CPU acts, so
// the interleaving is the same whichever of its steps one looks at. The
// step numbers of the remaining lines are those of the full trace, which
// the JSON output keeps for replay.
func condense(cx *rules.Counterexample) []traceItem {
	var items []traceItem
	steps := cx.Steps
	foldable := func(s rules.Step) bool { return s.Side == "model" && s.Event == "" }
	for i := 0; i < len(steps); {
		j := i
		for j < len(steps) && foldable(steps[j]) && steps[j].CPU == steps[i].CPU {
			j++
		}
		if j-i >= minRun {
			items = append(items, traceItem{First: i, Last: j - 1, Step: steps[i], Summary: runSummary(steps[i:j])})
			i = j
			continue
		}
		items = append(items, traceItem{First: i, Last: i, Step: steps[i]})
		i++
	}
	return items
}

// runSummary says what a folded run does: its CPU and the functions it
// passes through, in order, each named once per visit.
func runSummary(run []rules.Step) string {
	var funcs []string
	for _, s := range run {
		if s.Func != "" && (len(funcs) == 0 || funcs[len(funcs)-1] != s.Func) {
			funcs = append(funcs, s.Func)
		}
	}
	const most = 6
	if len(funcs) > most {
		funcs = append(funcs[:most-1], "...", funcs[len(funcs)-1])
	}
	return fmt.Sprintf("%s runs model code through %s (%d steps, no other CPU acts, no patch line)",
		cpuName(run[0].CPU), strings.Join(funcs, " > "), len(run))
}

// number is an item's step number or range, 1-based, as in the full trace.
func (it traceItem) number() string {
	if it.First == it.Last {
		return fmt.Sprintf("%d.", it.First+1)
	}
	return fmt.Sprintf("%d-%d.", it.First+1, it.Last+1)
}
