package compile

import (
	"fmt"
	"strings"
	"testing"

	"github.com/patchcheck/patchcheck/sim"
)

// TestFunctionSizeLimit: a function too large for the machine's
// per-function analyses is refused at its first line, before any machine
// computes code × registers bitsets for it; one within the limits is not.
func TestFunctionSizeLimit(t *testing.T) {
	var many, locals strings.Builder
	many.WriteString("int g;\nvoid big(void)\n{\n")
	locals.WriteString("int g;\nvoid big(void)\n{\n")
	for i := range 20_000 {
		many.WriteString("\tg = g + 1;\n")
		fmt.Fprintf(&locals, "\tint v%d = g;\n", i)
	}
	many.WriteString("}\n")
	locals.WriteString("\tg = 0;\n}\n")
	for _, tc := range []struct{ name, src string }{{"statements", many.String()}, {"locals", locals.String()}} {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := compileText(t, tc.src, Config{})
			found := false
			for _, d := range diags {
				if strings.Contains(d.Msg, "more than the limit") && d.Loc.Line == 2 {
					found = true
				}
			}
			if !found {
				t.Errorf("not refused at line 2: %v", diags)
			}
		})
	}
	p := mustCompile(t, "int g;\nvoid small(void)\n{\n"+strings.Repeat("\tg = g + 1;\n", 100)+"}\n")
	for i := range p.Funcs {
		if err := sim.CheckFuncSize(&p.Funcs[i]); err != nil {
			t.Error(err)
		}
	}
}
