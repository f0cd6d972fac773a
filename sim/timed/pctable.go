package timed

import "github.com/patchcheck/patchcheck/sim"

// pcTable maps an instruction (function index, pc) of one program to a
// value: a slice per function, looked up on every visible step of every
// run (a map keyed by the pair cost a hash per step).
type pcTable[T any] [][]T

func newPCTable[T any](p *sim.Program) pcTable[T] {
	t := make(pcTable[T], len(p.Funcs))
	for i, f := range p.Funcs {
		t[i] = make([]T, len(f.Code))
	}
	return t
}

// at is the value of (fn, pc), the zero value outside the program.
func (t pcTable[T]) at(fn, pc int32) T {
	if fn >= 0 && int(fn) < len(t) && pc >= 0 && int(pc) < len(t[fn]) {
		return t[fn][pc]
	}
	var zero T
	return zero
}

// set sets (fn, pc); an instruction outside the program is ignored.
func (t pcTable[T]) set(fn, pc int32, v T) {
	if fn >= 0 && int(fn) < len(t) && pc >= 0 && int(pc) < len(t[fn]) {
		t[fn][pc] = v
	}
}
