package sim

import "testing"

// TestLiveness checks live-in sets on a small loop: a temporary read once is
// dead after its use, a loop counter stays live around the back edge, and
// a register only written is never live.
func TestLiveness(t *testing.T) {
	// 0: r0 = 3          counter
	// 1: r1 = 1          temporary
	// 2: r0 = r0 - r1
	// 3: r2 = 7          written, never read
	// 4: branch r0 ? 1 : 5
	// 5: ret r0
	p := &Program{Funcs: []Func{{Name: "f", NumRegs: 3, Code: []Instr{
		{Op: OpConst, A: 0, Imm: 3, Type: Int},
		{Op: OpConst, A: 1, Imm: 1, Type: Int},
		{Op: OpBin, Sub: uint8(Sub), A: 0, B: 0, C: 1, Type: Int},
		{Op: OpConst, A: 2, Imm: 7, Type: Int},
		{Op: OpBranch, A: 0, Target: 1, Target2: 5},
		{Op: OpRet, A: 0},
	}}}}
	ls := computeLiveness(p)
	m := &Machine{Prog: p, live: ls}
	for _, tc := range []struct {
		pc   int32
		live [3]bool
	}{
		{0, [3]bool{false, false, false}},
		{1, [3]bool{true, false, false}},
		{2, [3]bool{true, true, false}},
		{3, [3]bool{true, false, false}},
		{4, [3]bool{true, false, false}},
		{5, [3]bool{true, false, false}},
	} {
		for r, want := range tc.live {
			if got := m.Live(0, tc.pc, r); got != want {
				t.Errorf("pc %d r%d: live %v, want %v", tc.pc, r, got, want)
			}
		}
	}
	// clearDead zeroes exactly the dead registers of a frame.
	cpu := &CPU{Regs: []uint64{5, 9, 7}, Frames: []Frame{{Func: 0, PC: 3}}}
	m.clearDead(cpu)
	if want := []uint64{5, 0, 0}; cpu.Regs[0] != want[0] || cpu.Regs[1] != want[1] || cpu.Regs[2] != want[2] {
		t.Errorf("after clearDead: %v, want %v", cpu.Regs, want)
	}
}
