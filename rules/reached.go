package rules

import (
	"reflect"

	"github.com/patchcheck/patchcheck/sim"
)

// sameReachedCode reports whether a and b run the same instructions from
// their entries: the functions reachable from the entries (through calls and
// function references, see reachable) have the same code, callees compared
// by name, source locations aside, and the program-wide tables those
// instructions index (globals, per-CPU variables, strings, waits) are equal.
// A change in a function no entry reaches, or in a comment, leaves them the
// same. Any doubt (an entry by another name, a table that differs) answers
// false, so that the patch is treated as changing behaviour.
func sameReachedCode(a, b *sim.Program) bool {
	if a == nil || b == nil {
		return a == b
	}
	if !reflect.DeepEqual(a.Globals, b.Globals) || !reflect.DeepEqual(a.PerCPU, b.PerCPU) ||
		!reflect.DeepEqual(a.Strings, b.Strings) || len(a.Waits) != len(b.Waits) {
		return false
	}
	for i := range a.Waits {
		wa, wb := a.Waits[i], b.Waits[i]
		wa.Loc, wb.Loc = 0, 0
		if wa != wb {
			return false
		}
	}
	type pair struct{ fa, fb int32 }
	seen := map[pair]bool{}
	var work []pair
	push := func(fa, fb int32) bool {
		if fa < 0 || fb < 0 {
			return fa == fb
		}
		if int(fa) >= len(a.Funcs) || int(fb) >= len(b.Funcs) || a.Funcs[fa].Name != b.Funcs[fb].Name {
			return false
		}
		p := pair{fa, fb}
		if !seen[p] {
			seen[p] = true
			work = append(work, p)
		}
		return true
	}
	if !push(a.Entry.Boot, b.Entry.Boot) || !push(a.Entry.Secondary, b.Entry.Secondary) || !push(a.Entry.IRQ, b.Entry.IRQ) {
		return false
	}
	for len(work) > 0 {
		p := work[len(work)-1]
		work = work[:len(work)-1]
		fa, fb := &a.Funcs[p.fa], &b.Funcs[p.fb]
		if fa.Params != fb.Params || fa.NumRegs != fb.NumRegs || fa.NumMasks != fb.NumMasks || fa.NoReturn != fb.NoReturn ||
			!reflect.DeepEqual(fa.CPUReg, fb.CPUReg) || len(fa.Code) != len(fb.Code) {
			return false
		}
		for i := range fa.Code {
			ia, ib := fa.Code[i], fb.Code[i]
			ia.Loc, ib.Loc = 0, 0
			if ia.Op == sim.OpCall || ia.Op == sim.OpFuncRef {
				if ia.Op != ib.Op || !push(int32(ia.Imm), int32(ib.Imm)) {
					return false
				}
				ia.Imm, ib.Imm = 0, 0
			}
			if !reflect.DeepEqual(ia, ib) {
				return false
			}
		}
	}
	return true
}
