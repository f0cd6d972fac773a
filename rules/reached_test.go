package rules

import (
	"testing"

	"github.com/patchcheck/patchcheck/parse"
	"github.com/patchcheck/patchcheck/sim"
)

// TestSameReachedCode: a patch leaves the modelled behaviour as it is when
// the instructions its entries reach are the same.
func TestSameReachedCode(t *testing.T) {
	pack := defaultPack(t)
	for _, tt := range []struct {
		file                     string
		same, unreached, changed bool
	}{
		{"../fixtures/seed/arm64-kexec-smp-send-stop.mbox", false, false, true},
		{"../fixtures/variants/comment-only.mbox", true, false, false},
		{"../fixtures/variants/unreached-can-disable.mbox", true, true, false},
		{"../fixtures/variants/halt-message.mbox", false, false, true},
		{"../fixtures/variants/psci-kill-poll.mbox", false, false, true},
	} {
		s, err := parse.ParseFiles([]string{tt.file}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		v, _, _, err := Analyze(s, nil)
		if err != nil {
			t.Fatal(err)
		}
		e := &evaluator{}
		for _, en := range pack.EntryList() {
			if en.Boot != "" {
				e.roots = append(e.roots, en.Boot)
			}
		}
		v = e.settle(v)
		if got := sameReachedCode(v.Before, v.After, e.roots); got != tt.same {
			t.Errorf("%s: same reached code %v, want %v", tt.file, got, tt.same)
		}
		if v.Unreached != tt.unreached || (v.Covered && !v.Identical) != tt.changed {
			t.Errorf("%s: unreached %v, behaviour changed %v; want %v, %v", tt.file, v.Unreached, v.Covered && !v.Identical, tt.unreached, tt.changed)
		}
		if !sameReachedCode(v.Before, v.Before, e.roots) {
			t.Errorf("%s: BEFORE differs from itself", tt.file)
		}
	}
}

// TestSameReachedCodeNMIEntry: the NMI entry (ipi_should_be_nmi(), which
// the machine asks at construction) is reached code even when nothing
// calls it, as in v6.7-v6.11 where only ipi_setup() does: a patch that
// changes what it answers changes behaviour.
func TestSameReachedCodeNMIEntry(t *testing.T) {
	prog := func(nmiAnswer int64, withNMI bool) *sim.Program {
		p := &sim.Program{Funcs: []sim.Func{
			{Name: "boot", NumRegs: 1, Code: []sim.Instr{{Op: sim.OpRet, A: -1}}},
			{Name: "ipi_should_be_nmi", Params: 1, NumRegs: 2, Code: []sim.Instr{{Op: sim.OpConst, A: 1, Imm: nmiAnswer}, {Op: sim.OpRet, A: 1}}},
		}}
		p.Entry = sim.Entries{Boot: 0, Secondary: -1, IRQ: -1}
		if withNMI {
			p.Entry.NMI = 2
		}
		return p
	}
	for _, tt := range []struct {
		name string
		a, b *sim.Program
		same bool
	}{
		{"same answer", prog(1, true), prog(1, true), true},
		{"another answer", prog(0, true), prog(1, true), false},
		{"no NMI entry in either", prog(0, false), prog(1, false), true},
		{"an NMI entry in one", prog(1, false), prog(1, true), false},
	} {
		if got := sameReachedCode(tt.a, tt.b, nil); got != tt.same {
			t.Errorf("%s: same reached code %v, want %v", tt.name, got, tt.same)
		}
		if got := reachable(tt.b)[1]; got != (tt.b.Entry.NMI != 0) {
			t.Errorf("%s: ipi_should_be_nmi reachable %v", tt.name, got)
		}
	}
}
