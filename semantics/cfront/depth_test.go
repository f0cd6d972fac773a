package cfront

import (
	"strings"
	"testing"
)

// TestNesting: text nested past MaxNesting is refused with the position of
// the first level too many, never a stack overflow; text at the bound, a
// fragment that starts inside blocks and brackets inside literals are not.
func TestNesting(t *testing.T) {
	n := MaxNesting
	tests := []struct {
		name    string
		src     string
		wantPos Pos // zero: no nesting error
	}{
		{"parens past the bound", "int f(void)\n{\n\treturn " + strings.Repeat("(", 1_000_000) + "1" + strings.Repeat(")", 1_000_000) + ";\n}\n",
			Pos{Line: 3, Col: 9 + n - 1}},
		{"parens at the bound", "int x = " + strings.Repeat("(", n-1) + "1" + strings.Repeat(")", n-1) + ";\n", Pos{}},
		{"nested ifs without braces", "void f(int a)\n{\n" + strings.Repeat("\tif (a)\n", 10_000) + "\t\ta = 1;\n}\n", Pos{Line: 3 + n - 2}},
		{"a long sum", "int x = 1" + strings.Repeat(" + 1", 200_000) + ";\n", Pos{Line: 1}},
		{"a fragment inside blocks", "\tx = ((1));\n" + strings.Repeat("}\n", 10) + "int y;\n", Pos{}},
		{"brackets in literals", "char *s = \"" + strings.Repeat("(", 2*n) + "\"; char c = '(';\n", Pos{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _ := Parse("x.c", []byte(tt.src), Config{})
			var deep []Diag
			for _, d := range f.Diags {
				if strings.Contains(d.Msg, "levels deep") {
					deep = append(deep, d)
				}
			}
			if tt.wantPos == (Pos{}) {
				if len(deep) > 0 {
					t.Errorf("refused: %v", deep)
				}
				return
			}
			if len(deep) == 0 {
				t.Fatalf("not refused; diags %v", f.Diags)
			}
			if deep[0].Pos.Line != tt.wantPos.Line || tt.wantPos.Col != 0 && deep[0].Pos.Col != tt.wantPos.Col {
				t.Errorf("refused at %v, want %v", deep[0].Pos, tt.wantPos)
			}
		})
	}
}
