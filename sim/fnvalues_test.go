package sim

import (
	"slices"
	"strings"
	"testing"
)

// TestIndirectTargets: function values followed through moves, globals,
// calls and returns to the callee of each indirect call; a value the
// analysis loses leaves the call without a set.
func TestIndirectTargets(t *testing.T) {
	ret := Instr{Op: OpRet, A: -1}
	a := Func{Name: "a", Params: 1, NumRegs: 1, Code: []Instr{ret}}
	b := Func{Name: "b", Params: 1, NumRegs: 1, Code: []Instr{ret}}
	c := Func{Name: "c", Params: 1, NumRegs: 1, Code: []Instr{ret}}
	// pick returns a reference to c
	pick := Func{Name: "pick", NumRegs: 1, Code: []Instr{{Op: OpFuncRef, A: 0, Imm: 6}, {Op: OpRet, A: 0}}}
	p := &Program{
		Globals: []Global{{Name: "ops", Type: Uint}, {Name: "hook", Type: Uint}},
		Funcs: []Func{
			{Name: "boot", NumRegs: 7, Code: []Instr{
				{Op: OpFuncRef, A: 0, Imm: 4}, // a
				{Op: OpStoreG, A: 0, Imm: 0},  // ops = a
				{Op: OpLoadG, A: 1, Imm: 0},
				{Op: OpCallInd, A: -1, B: 1, Args: []int32{2}}, // pc 3: ops(): a
				{Op: OpFuncRef, A: 3, Imm: 5},                  // b
				{Op: OpMov, A: 3, B: 3},
				{Op: OpCallInd, A: -1, B: 3, Args: []int32{2}}, // pc 6: b
				{Op: OpCall, A: 4, Imm: 7},
				{Op: OpCallInd, A: -1, B: 4, Args: []int32{2}}, // pc 8: pick()'s result: c
				{Op: OpBin, Sub: uint8(Add), A: 5, B: 3, C: 2, Type: Uint},
				{Op: OpCallInd, A: -1, B: 5, Args: []int32{2}},                          // pc 10: lost
				{Op: OpAtomic, Sub: uint8(AtomicXchg), A: -1, B: 5, Imm: 1, Type: Uint}, // xchg(&hook, lost), result unused
				{Op: OpLoadG, A: 6, Imm: 1},
				{Op: OpCallInd, A: -1, B: 6, Args: []int32{2}}, // pc 13: lost through the atomic
				ret}},
			{Name: "idle", Code: []Instr{{Op: OpPrim, Sub: uint8(PrimParkLoop), A: -1}}},
			{Name: "irq", Params: 1, NumRegs: 1, Code: []Instr{ret}},
			{Name: "unused", Code: []Instr{ret}},
			a, b, c, pick,
		},
		Entry: Entries{Boot: 0, Secondary: 1, IRQ: 2},
	}
	got := IndirectTargets(p)[0]
	for _, tc := range []struct {
		pc   int
		want []int32 // nil: no set
	}{{3, []int32{4}}, {6, []int32{5}}, {8, []int32{6}}, {10, nil}, {13, nil}} {
		if !slices.Equal(got[tc.pc], tc.want) || (got[tc.pc] == nil) != (tc.want == nil) {
			t.Errorf("call at pc %d: targets %v, want %v", tc.pc, got[tc.pc], tc.want)
		}
	}
}

// TestIndirectTargetGuard: a machine that relies on the targets for
// symmetry ends a run with an error when a call reaches a function outside
// its set, which a correct analysis never lets happen; here the set is
// made wrong on purpose.
func TestIndirectTargetGuard(t *testing.T) {
	ret := Instr{Op: OpRet, A: -1}
	p := &Program{
		Globals: []Global{{Name: "x", Type: Uint}},
		Funcs: []Func{
			{Name: "boot", NumRegs: 2, Code: []Instr{
				{Op: OpStoreG, A: 1, Imm: 0}, // a visible action: the call runs in the first step, not at boot
				{Op: OpFuncRef, A: 0, Imm: 3},
				{Op: OpCallInd, A: -1, B: 0},
				{Op: OpPrim, Sub: uint8(PrimRelocate), A: -1},
				ret}},
			{Name: "idle", Code: []Instr{{Op: OpPrim, Sub: uint8(PrimParkLoop), A: -1}}},
			{Name: "irq", Params: 1, NumRegs: 1, Code: []Instr{ret}},
			{Name: "f", Code: []Instr{ret}},
			{Name: "g", Code: []Instr{ret}},
		},
		Entry: Entries{Boot: 0, Secondary: 1, IRQ: 2},
	}
	for _, tc := range []struct {
		name    string
		targets []int32
		guarded bool
		fails   bool
	}{
		{"analysis", nil, true, false},
		{"wrong set, guarded", []int32{4}, true, true},
		{"wrong set, not guarded", []int32{4}, false, false},
	} {
		m, err := NewMachine(p, Config{CPUs: 3, Merge: true, AtomicWaits: true})
		if err != nil {
			t.Fatal(err)
		}
		if tc.targets != nil {
			m.indirect[0][2] = tc.targets
		}
		if tc.guarded {
			m = m.SymmetryGuarded()
		}
		st := m.Initial()
		var res StepResult
		m.Step(st, Action{CPU: 0, Kind: ActRun}, &res)
		for st.End == Running && len(m.Actions(st, 0, nil)) > 0 {
			m.Step(st, Action{CPU: 0, Kind: ActRun}, &res)
		}
		failed := st.End == Failed
		if failed != tc.fails {
			t.Errorf("%s: run ended %v, want failed %v", tc.name, st.End, tc.fails)
		}
		if failed && !strings.Contains(res.Events[len(res.Events)-1].Msg, "analysis of function values") {
			t.Errorf("%s: error %q", tc.name, res.Events[len(res.Events)-1].Msg)
		}
	}
}
