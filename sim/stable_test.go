package sim

import "testing"

// TestStableGlobal: a global the boot CPU is still about to write is not
// stable; once no code can write it any more it is, and a secondary's load
// of it then runs inside the step of its next visible action.
func TestStableGlobal(t *testing.T) {
	p := &Program{
		Globals: []Global{{Name: "flag", Type: Int}, {Name: "other", Type: Int}},
		Funcs: []Func{
			{Name: "boot", NumRegs: 1, Code: []Instr{
				{Op: OpConst, A: 0, Imm: 1, Type: Int},
				{Op: OpStoreG, A: 0, Imm: 0, Type: Int}, // flag = 1
				{Op: OpStoreG, A: 0, Imm: 1, Type: Int}, // other = 1
				{Op: OpRet, A: -1},
			}},
			{Name: "secondary", NumRegs: 2, Code: []Instr{
				{Op: OpLoadG, A: 0, Imm: 0, Type: Int}, // r0 = flag
				{Op: OpLoadG, A: 1, Imm: 1, Type: Int}, // r1 = other
				{Op: OpPrim, Sub: uint8(PrimParkLoop)},
			}},
			{Name: "irq", Params: 1, NumRegs: 1, Code: []Instr{{Op: OpRet, A: -1}}},
		},
		Entry: Entries{Boot: 0, Secondary: 1, IRQ: 2},
	}
	m, err := NewMachine(p, Config{CPUs: 2, Merge: true, AtomicWaits: true})
	if err != nil {
		t.Fatal(err)
	}
	st := m.Initial()
	if m.stableGlobal(st, 1, 0) {
		t.Fatal("flag stable while the boot CPU is about to write it")
	}
	var res StepResult
	m.Step(st, Action{CPU: 0, Kind: ActRun}, &res) // flag = 1
	if !m.stableGlobal(st, 1, 0) || m.stableGlobal(st, 1, 1) {
		t.Fatalf("after the write: flag stable %v (want true), other stable %v (want false)", m.stableGlobal(st, 1, 0), m.stableGlobal(st, 1, 1))
	}
	// CPU 1's step now reads flag invisibly and then other, as one step.
	m.Step(st, Action{CPU: 1, Kind: ActRun}, &res)
	if fr := st.CPUs[1].Frames[0]; fr.PC != 2 || res.PC != 1 {
		t.Errorf("secondary at pc %d after a step that ran pc %d; want pc 2 after running pc 1", fr.PC, res.PC)
	}
	m, _ = NewMachine(p, Config{CPUs: 2, Merge: true, AtomicWaits: true, EveryAccessVisible: true})
	st = m.Initial()
	m.Step(st, Action{CPU: 0, Kind: ActRun}, &res)
	m.Step(st, Action{CPU: 1, Kind: ActRun}, &res)
	if fr := st.CPUs[1].Frames[0]; fr.PC != 1 {
		t.Errorf("EveryAccessVisible: secondary at pc %d, want 1", fr.PC)
	}
}
