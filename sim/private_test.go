package sim

import "testing"

// TestPrivatePerCPU: a per-CPU variable indexed only by the own CPU id is
// private; one the boot CPU reads with another CPU's id is not; an index
// that may be read before it is written is not proven to be the own id.
func TestPrivatePerCPU(t *testing.T) {
	p := &Program{
		PerCPU: []Global{{Name: "mine", Type: Int}, {Name: "shared", Type: Int}, {Name: "maybe", Type: Int}},
		Funcs: []Func{
			{Name: "boot", NumRegs: 3, Code: []Instr{
				{Op: OpConst, A: 0, Imm: 1, Type: Uint},
				{Op: OpLoadPCPU, A: 1, B: 0, Imm: 1, Type: Int}, // shared[1]
				{Op: OpRet, A: -1},
			}},
			{Name: "secondary", NumRegs: 4, Code: []Instr{
				{Op: OpPrim, Sub: uint8(PrimSelf), A: 0},
				{Op: OpConv, A: 1, B: 0, Type: Uint, Type2: Int},
				{Op: OpStorePCPU, A: 2, B: 1, Imm: 0, Type: Int}, // mine[self]
				{Op: OpStorePCPU, A: 2, B: 0, Imm: 1, Type: Int}, // shared[self]
				{Op: OpBranch, A: 2, Target: 6, Target2: 5},
				{Op: OpMov, A: 3, B: 0},
				{Op: OpStorePCPU, A: 2, B: 3, Imm: 2, Type: Int}, // maybe[r3]: r3 unset when jumping from 4
				{Op: OpRet, A: -1},
			}},
			{Name: "irq", Params: 1, NumRegs: 1, Code: []Instr{{Op: OpRet, A: -1}}},
		},
		Entry: Entries{Boot: 0, Secondary: 1, IRQ: 2},
	}
	m, err := NewMachine(p, Config{CPUs: 3, Merge: true, AtomicWaits: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		fn, pc int32
		want   bool
	}{{0, 1, false}, {1, 2, true}, {1, 3, false}, {1, 6, false}} {
		if got := m.PrivatePerCPU(tc.fn, tc.pc); got != tc.want {
			t.Errorf("%s pc %d: private %v, want %v", p.Funcs[tc.fn].Name, tc.pc, got, tc.want)
		}
	}
	m, _ = NewMachine(p, Config{CPUs: 3, Merge: true, AtomicWaits: true, EveryAccessVisible: true})
	if m.PrivatePerCPU(1, 2) {
		t.Error("EveryAccessVisible: access still private")
	}
}
