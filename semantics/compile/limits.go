package compile

import (
	"github.com/patchcheck/patchcheck/semantics/cfront"
	"github.com/patchcheck/patchcheck/sim"
)

// Limits of what one function may compile to. The compiler recurses once
// per nesting level of statements and expressions; cfront refuses text
// nested deeper than cfront.MaxNesting, and the compiler keeps the same
// bound for syntax trees from anywhere else. The machine's per-function
// analyses (liveness, definite assignment) take code × registers bits,
// which sim.MaxFuncCells bounds; a function past it (100,000 `udelay(1);`
// lines, 100,000 locals) is refused here, with its position, instead of
// by the machine for every scenario.

// deeper enters one level of nesting at p; false (with the error, once per
// function) when past cfront.MaxNesting. Every true must be paired with
// g.depth--.
func (g *fn) deeper(p cfront.Pos) bool {
	g.depth++
	if g.depth <= cfront.MaxNesting {
		return true
	}
	g.depth--
	if !g.deepReported {
		g.deepReported = true
		g.diag("unsupported", g.name, p, "nested more than %d levels deep", cfront.MaxNesting)
	}
	return false
}

// checkSize refuses a compiled function the machine's analyses cannot
// afford (see sim.CheckFuncSize).
func (g *fn) checkSize() {
	if err := sim.CheckFuncSize(g.f); err != nil {
		g.diag("unsupported", g.name, g.def.decl.Pos, "%s", err.Error())
	}
}
