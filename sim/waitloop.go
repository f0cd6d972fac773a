package sim

// WaitLoop returns the instructions of the polling loop that the wait at
// pc head of function fn heads, and the registers they write.
//
// The loop is the natural loop of the back edges into the innermost header
// at or before head: H is the latest jump target at or before head that some
// instruction after head jumps back to, and the loop is H plus every
// instruction that reaches such a back edge without passing through H. An
// enclosing loop re-enters through its own header, which lies before H, so
// none of its own instructions is in the inner loop. The timed engine uses
// this to tell an iteration of the wait from a pass of an enclosing loop.
func (p *Program) WaitLoop(fn int32, head int32) (region []bool, writes []bool) {
	f := &p.Funcs[fn]
	n := int32(len(f.Code))
	region = make([]bool, n)
	writes = make([]bool, f.NumRegs)
	var succ []int32
	preds := make([][]int32, n)
	H := int32(-1)
	for pc := int32(0); pc < n; pc++ {
		succ = instrSuccs(p, &f.Code[pc], pc, n, succ[:0])
		for _, t := range succ {
			preds[t] = append(preds[t], pc)
			if pc > head && t <= head && t > H {
				H = t
			}
		}
	}
	if H < 0 {
		return region, writes
	}
	region[H] = true
	var stack []int32
	for _, s := range preds[H] {
		if s >= head && !region[s] {
			region[s] = true
			stack = append(stack, s)
		}
	}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, q := range preds[x] {
			if !region[q] {
				region[q] = true
				stack = append(stack, q)
			}
		}
	}
	for pc := range region {
		if region[pc] {
			if r := instrDef(&f.Code[pc]); r >= 0 && int(r) < len(writes) {
				writes[r] = true
			}
		}
	}
	return region, writes
}
