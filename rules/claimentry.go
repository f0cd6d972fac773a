package rules

import (
	"slices"
	"strings"

	"github.com/patchcheck/patchcheck/sim"
)

// Claims about a function that only another entry runs: a sentence naming
// crash_smp_send_stop() describes the crash dump, not the kexec reboot. An
// entry lists, under functions, the functions whose claims it measures;
// a claim whose call:F metric names one of them, when the kexec programs do
// not reach F, is measured on that entry's programs (the first such entry).
// Every other claim is the kexec entry's, as before entries.

// functionOf is F of a call:F or cpu:F metric.
func functionOf(metric string) (string, bool) {
	if f, ok := strings.CutPrefix(metric, "call:"); ok {
		return f, true
	}
	return strings.CutPrefix(metric, "cpu:")
}

// claimEntry is the entry a claim on metric is measured on; nil for the
// program's own (kexec).
func (e *evaluator) claimEntry(v Variants, metric string) *Entry {
	f, ok := functionOf(metric)
	if !ok {
		return nil
	}
	if reaches(v.Before, f) || reaches(v.After, f) {
		return nil
	}
	for _, en := range e.in.Pack.EntryList() {
		if en.Boot != "" && en.AlsoBoot == 0 && slices.Contains(en.Functions, f) {
			return en
		}
	}
	return nil
}

func reaches(p *sim.Program, f string) bool {
	if p == nil {
		return false
	}
	i := p.FuncIndex(f)
	return i >= 0 && reachable(p)[i]
}

// entryFunctions adds to code the functions the entries measure claims of
// that the kexec programs do not reach, where the entry's programs reach
// them: a claim naming one is bound, and measured on its entry. A function
// the kexec programs reach keeps their view (which of BEFORE and AFTER
// calls it says which code a sentence describes).
func (e *evaluator) entryFunctions(code *CodeTerms, v Variants) {
	for _, en := range e.in.Pack.EntryList() {
		for _, f := range en.Functions {
			if reaches(v.Before, f) || reaches(v.After, f) {
				continue
			}
			for _, side := range []struct {
				prog *sim.Program
				set  map[string]bool
			}{{v.Before, code.Before}, {v.After, code.After}} {
				if p, err := e.entryProgram(side.prog, en); err == nil && reaches(p, f) {
					side.set[f] = true
				}
			}
		}
	}
}

// claimMeasure is the program and cache variant a metric of variant is
// measured with: the entry's program for a claim the entry measures.
func (e *evaluator) claimMeasure(v Variants, variant, metric string, prog *sim.Program) (*sim.Program, string) {
	en := e.claimEntry(v, metric)
	if en == nil {
		return prog, variant
	}
	if p, err := e.entryProgram(prog, en); err == nil {
		return p, variant + "@" + en.ID
	}
	return prog, variant
}

// claimSource names the entry a metric was measured on, for the claim's
// source ("" for the kexec entry).
func (e *evaluator) claimSource(v Variants, metric string) string {
	if en := e.claimEntry(v, metric); en != nil {
		return ", entry " + en.ID
	}
	return ""
}
