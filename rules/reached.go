package rules

import (
	"reflect"

	"github.com/patchcheck/patchcheck/sim"
)

// sameReachedCode reports whether a and b run the same instructions from
// their entries and the functions named by roots (where the pack's other
// scenario families start: panic, kdump, restart): the functions reachable from the entries (through calls and
// function references, see reachable) have the same code, callees compared
// by name, the strings and waits their instructions index compared by
// content, source locations aside, and the globals and per-CPU variables
// are the same.
// A change in a function no entry reaches, or in a comment, leaves them the
// same. Any doubt (an entry by another name, a table that differs) answers
// false, so that the patch is treated as changing behaviour.
func sameReachedCode(a, b *sim.Program, roots []string) bool {
	if a == nil || b == nil {
		return a == b
	}
	if !reflect.DeepEqual(a.Globals, b.Globals) || !reflect.DeepEqual(a.PerCPU, b.PerCPU) {
		return false
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
	// Entry.NMI is 1 + an index: the machine calls it at construction
	// (ipi_setup()'s question), so what it answers is reached code too.
	if !push(a.Entry.Boot, b.Entry.Boot) || !push(a.Entry.Secondary, b.Entry.Secondary) || !push(a.Entry.IRQ, b.Entry.IRQ) ||
		!push(a.Entry.NMI-1, b.Entry.NMI-1) {
		return false
	}
	for _, name := range roots {
		if !push(int32(a.FuncIndex(name)), int32(b.FuncIndex(name))) {
			return false
		}
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
			if ia.Op != ib.Op {
				return false
			}
			switch {
			case ia.Op == sim.OpCall || ia.Op == sim.OpFuncRef:
				if !push(int32(ia.Imm), int32(ib.Imm)) {
					return false
				}
				ia.Imm, ib.Imm = 0, 0
			case ia.Op == sim.OpWait:
				// Imm indexes Waits: the waits themselves must agree
				if !sameWait(a, b, ia.Imm, ib.Imm) {
					return false
				}
				ia.Imm, ib.Imm = 0, 0
			case ia.Op == sim.OpPrim && ia.Sub == ib.Sub && stringImm(sim.Prim(ia.Sub)):
				// Imm indexes Strings
				if !sameString(a, b, ia.Imm, ib.Imm) {
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

// stringImm: the prims whose Imm indexes Program.Strings.
func stringImm(p sim.Prim) bool {
	switch p {
	case sim.PrimPrintk, sim.PrimPanic, sim.PrimUnknownCall, sim.PrimCost:
		return true
	}
	return false
}

func sameString(a, b *sim.Program, i, j int64) bool {
	return i >= 0 && j >= 0 && int(i) < len(a.Strings) && int(j) < len(b.Strings) && a.Strings[i] == b.Strings[j]
}

func sameWait(a, b *sim.Program, i, j int64) bool {
	if i < 0 || j < 0 || int(i) >= len(a.Waits) || int(j) >= len(b.Waits) {
		return false
	}
	wa, wb := a.Waits[i], b.Waits[j]
	wa.Loc, wb.Loc = 0, 0
	return wa == wb
}
