package sim

import (
	"strings"
	"testing"
)

// symProgram wraps boot code (registers r0..r3, r0 and r1 CPU ids) into a
// program with an idle secondary, plus extra functions.
func symProgram(boot []Instr, extra ...Func) *Program {
	p := &Program{
		Funcs: []Func{
			{Name: "boot", NumRegs: 4, CPUReg: []bool{true, true, false, false}, Code: append(boot, Instr{Op: OpRet, A: -1})},
			{Name: "idle", Code: []Instr{{Op: OpPrim, Sub: uint8(PrimParkLoop), A: -1}}},
			{Name: "irq", Params: 1, NumRegs: 1, Code: []Instr{{Op: OpRet, A: -1}}},
		},
		Entry: Entries{Boot: 0, Secondary: 1, IRQ: 2},
	}
	p.Funcs = append(p.Funcs, extra...)
	return p
}

func TestSymmetryBreakers(t *testing.T) {
	self := Instr{Op: OpPrim, Sub: uint8(PrimSelf), A: 0}
	cpuParam := Func{Name: "takes_cpu", Params: 1, NumRegs: 2, CPUReg: []bool{true, false}, Code: []Instr{
		{Op: OpPrim, Sub: uint8(PrimCPUOnline), A: 1, Args: []int32{0}}, {Op: OpRet, A: -1}}}
	plainParam := Func{Name: "takes_int", Params: 1, NumRegs: 1, Code: []Instr{{Op: OpRet, A: -1}}}
	ordering := Func{Name: "unused", Params: 1, NumRegs: 2, CPUReg: []bool{true, false}, Code: []Instr{
		{Op: OpConst, A: 1, Imm: 2, Type: Uint},
		{Op: OpBin, Sub: uint8(Lt), A: 1, B: 0, C: 1, Type: Uint},
		{Op: OpRet, A: -1}}}
	for _, tc := range []struct {
		name  string
		prog  *Program
		wants string // "" for symmetric, else a substring of a reason
	}{
		{"range check against nr_cpu_ids", symProgram([]Instr{self,
			{Op: OpPrim, Sub: uint8(PrimNrCPUs), A: 2},
			{Op: OpBin, Sub: uint8(Lt), A: 3, B: 0, C: 2, Type: Uint}}), ""},
		{"ordering against a secondary's id", symProgram([]Instr{self,
			{Op: OpConst, A: 2, Imm: 2, Type: Uint},
			{Op: OpBin, Sub: uint8(Lt), A: 3, B: 0, C: 2, Type: Uint}}), "ordering on CPU ids"},
		{"ordering against nr_cpu_ids - 1", symProgram([]Instr{self,
			{Op: OpPrim, Sub: uint8(PrimNrCPUs), A: 2},
			{Op: OpConst, A: 3, Imm: 1, Type: Uint},
			{Op: OpBin, Sub: uint8(Sub), A: 2, B: 2, C: 3, Type: Uint},
			{Op: OpBin, Sub: uint8(Lt), A: 3, B: 0, C: 2, Type: Uint}}), "ordering on CPU ids"},
		{"ordering in a function no run enters", symProgram([]Instr{self}, ordering), ""},
		{"ordering in a function a run calls", symProgram([]Instr{self,
			{Op: OpCall, Imm: 3, A: -1, Args: []int32{0}}}, ordering), "ordering on CPU ids"},
		{"CPU id through a function pointer to a CPU parameter", symProgram([]Instr{self,
			{Op: OpFuncRef, A: 2, Imm: 3},
			{Op: OpCallInd, A: -1, B: 2, Args: []int32{0}}}, cpuParam), ""},
		{"CPU id through a function pointer to a plain parameter", symProgram([]Instr{self,
			{Op: OpFuncRef, A: 2, Imm: 3},
			{Op: OpFuncRef, A: 2, Imm: 4},
			{Op: OpCallInd, A: -1, B: 2, Args: []int32{0}}}, cpuParam, plainParam), "function pointer"},
		{"a function pointer that only ever holds the CPU-parameter function", symProgram([]Instr{self,
			{Op: OpFuncRef, A: 2, Imm: 3},
			{Op: OpFuncRef, A: 3, Imm: 4}, // referenced, never called through r2
			{Op: OpCallInd, A: -1, B: 2, Args: []int32{0}}}, cpuParam, plainParam), ""},
		{"a function pointer whose value the analysis loses", symProgram([]Instr{self,
			{Op: OpFuncRef, A: 2, Imm: 3},
			{Op: OpFuncRef, A: 3, Imm: 4},
			{Op: OpBin, Sub: uint8(Add), A: 2, B: 2, C: 1, Type: Uint},
			{Op: OpCallInd, A: -1, B: 2, Args: []int32{0}}}, cpuParam, plainParam), "function pointer"},
		{"cpumask_first_online", symProgram([]Instr{{Op: OpPrim, Sub: uint8(PrimFirstOnline), A: 0}}), ""},
		{"cpumask_next_online", symProgram([]Instr{{Op: OpConst, A: 0, Imm: -1, Type: Long},
			{Op: OpPrim, Sub: uint8(PrimNextOnline), A: 1, Args: []int32{0}}}), "numbering of CPUs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := NewMachine(tc.prog, Config{CPUs: 4})
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(m.SymmetryBreakers(), "; ")
			if (tc.wants == "") != (got == "") || !strings.Contains(got, tc.wants) {
				t.Errorf("breakers %q, want %q", got, tc.wants)
			}
		})
	}
}

// TestFirstOnlineGuard: cpumask_first_online is the lowest online CPU; a
// symmetry-guarded machine refuses to answer when that is a secondary.
func TestFirstOnlineGuard(t *testing.T) {
	p := symProgram([]Instr{
		{Op: OpConst, A: 2, Imm: 0, Type: Int},
		{Op: OpPrim, Sub: uint8(PrimSelf), A: 0},
		{Op: OpPrim, Sub: uint8(PrimSetOnline), A: -1, Args: []int32{0, 2}}, // boot goes offline
		{Op: OpPrim, Sub: uint8(PrimFirstOnline), A: 1},
	})
	p.Globals = []Global{{Name: "first", Type: Uint, CPU: true}}
	p.Funcs[0].Code = append(p.Funcs[0].Code[:len(p.Funcs[0].Code)-1], Instr{Op: OpStoreG, A: 1, Imm: 0, Type: Uint}, Instr{Op: OpRet, A: -1})
	m, err := NewMachine(p, Config{CPUs: 3, Merge: true, AtomicWaits: true})
	if err != nil {
		t.Fatal(err)
	}
	run := func(m *Machine) *State {
		st := m.Initial()
		var res StepResult
		for i := 0; i < 10 && st.End == Running; i++ {
			acts := m.Actions(st, 0, nil)
			if len(acts) == 0 {
				break
			}
			m.Step(st, acts[0], &res)
		}
		return st
	}
	if st := run(m); st.End != Returned || st.Globals[0] != 1 {
		t.Errorf("exact machine: end %v, first online %d; want returned, 1", st.End, st.Globals[0])
	}
	if st := run(m.SymmetryGuarded()); st.End != Failed {
		t.Errorf("guarded machine: end %v, want error", st.End)
	}
}

// TestStuckFollowsTheState: FaultStuckMasked is part of the CPU's state
// (FlagStuck), not of its index, so that symmetry reduction, which renames
// CPUs, carries it: after swapping two secondaries' states the stuck one is
// still the one that can never be released. (When it was a per-index table
// of the machine, renaming let the stuck CPU go, and a 6.12 stop variant at
// 3 CPUs came out holds-if-bounds instead of violated.)
func TestStuckFollowsTheState(t *testing.T) {
	p := symProgram([]Instr{{Op: OpPrim, Sub: uint8(PrimParkLoop), A: -1}}) // the boot CPU waits: the run goes on
	m, err := NewMachine(p, Config{CPUs: 3, Merge: true, AtomicWaits: true, Faults: []Fault{{Kind: FaultStuckMasked, CPU: 1}, {Kind: FaultIRQsMasked, CPU: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	releasable := func(st *State, c int) bool {
		for _, a := range m.Actions(st, c, nil) {
			if a.Kind == ActRelease {
				return true
			}
		}
		return false
	}
	st := m.Initial()
	if releasable(st, 1) || !releasable(st, 2) {
		t.Fatalf("before the swap: CPU 1 releasable %v, CPU 2 %v; want false, true", releasable(st, 1), releasable(st, 2))
	}
	st.CPUs[1], st.CPUs[2] = st.CPUs[2], st.CPUs[1]
	if !releasable(st, 1) || releasable(st, 2) {
		t.Errorf("after the swap: CPU 1 releasable %v, CPU 2 %v; want true, false", releasable(st, 1), releasable(st, 2))
	}
}
