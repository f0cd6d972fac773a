package compile_test

import (
	"os"
	"testing"

	"github.com/patchcheck/patchcheck/semantics"
	"github.com/patchcheck/patchcheck/semantics/compile"
	"github.com/patchcheck/patchcheck/semantics/models"
	"github.com/patchcheck/patchcheck/sim"
)

// TestModelLibrary compiles the baseline model library: no diagnostics,
// and the machine accepts the program. Set PRINT=1 to see the listing.
func TestModelLibrary(t *testing.T) {
	for _, spin := range []bool{false, true} {
		srcs := semantics.BaselineSources(models.Default())
		p, diags := compile.Compile(srcs, semantics.CompileConfig(semantics.Config{SpinTable: spin}))
		for _, d := range diags {
			t.Errorf("spin-table=%v: %v", spin, d)
		}
		if os.Getenv("PRINT") != "" {
			compile.Fprint(os.Stdout, p)
		}
		if _, err := sim.NewMachine(p, sim.Config{CPUs: 3}); err != nil {
			t.Errorf("spin-table=%v: NewMachine: %v", spin, err)
		}
	}
}

// BenchmarkCompileModels measures compiling the whole model library (the
// work done twice, BEFORE and AFTER, for every patch checked).
func BenchmarkCompileModels(b *testing.B) {
	srcs := semantics.BaselineSources(models.Default())
	cfg := semantics.CompileConfig(semantics.Config{})
	b.ReportAllocs()
	for b.Loop() {
		compile.Compile(srcs, cfg)
	}
}
