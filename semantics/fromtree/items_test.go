package fromtree

import (
	"fmt"
	"strings"
	"testing"
)

func TestScanItems(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string // "fn NAME" or "decl NAMES"
	}{
		{"function", "static int f(int x)\n{\n\treturn x;\n}\n", []string{"fn f"}},
		{"initialised per-CPU struct is a declaration", "static DEFINE_PER_CPU(struct s, v) = {\n\t.fail = -1,\n};\n", []string{"decl v"}},
		{"per-CPU array of pointers", "static const struct ops *cpu_ops[NR_CPUS] __ro_after_init;\n", []string{"decl cpu_ops"}},
		{"struct definition", "struct s {\n\tint state;\n};\n", []string{"decl struct s"}},
		{"initialised table", "const struct ops t = {\n\t.f = g,\n};\n", []string{"decl t"}},
		{"another declaring macro dropped", "DEFINE_SCHED_CLASS(idle) = {\n\t.f = g,\n};\nint h(void) { return 1; }\n", []string{"fn h"}},
		{"prototype dropped", "int f(int x);\nint g(void) { return 0; }\n", []string{"fn g"}},
		{"attribute after the name", "static int nr_ipi __ro_after_init = NR_IPI;\n", []string{"decl nr_ipi"}},
		{"table with an attribute", "static const char *ipi_types[MAX_IPI] __tracepoint_string = {\n\t[IPI_X] = \"x\",\n};\n", []string{"decl ipi_types"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, it := range scanItems(tt.text, nil) {
				kind := "decl"
				if it.fn {
					kind = "fn"
				}
				got = append(got, kind+" "+strings.Join(it.names, ","))
			}
			if strings.Join(got, "; ") != strings.Join(tt.want, "; ") {
				t.Errorf("items %q, want %q", got, tt.want)
			}
		})
	}
}

func TestBindTogether(t *testing.T) {
	grp := together[0].names
	take := map[string]bool{}
	for _, n := range grp {
		take[n] = true
	}
	// Nothing bound: nothing to do.
	bound := map[string]string{}
	if bindTogether(take, bound) || len(bound) != 0 {
		t.Fatalf("bound %v with no member bound", bound)
	}
	// One bound: every other taken member is bound with it, once.
	bound[grp[len(grp)-1]] = "f.c:1: unsupported: x"
	if !bindTogether(take, bound) {
		t.Fatal("nothing bound with a bound member")
	}
	for _, n := range grp {
		if bound[n] == "" {
			t.Errorf("%s not bound", n)
		} else if n != grp[len(grp)-1] && !strings.Contains(bound[n], "bound with "+grp[len(grp)-1]) {
			t.Errorf("%s: reason %q does not name the member it is bound with", n, bound[n])
		}
	}
	if bindTogether(take, bound) {
		t.Error("a second call bound more")
	}
	// A member the tree does not have is not listed.
	delete(take, grp[0])
	bound = map[string]string{grp[1]: "why"}
	bindTogether(take, bound)
	if _, ok := bound[grp[0]]; ok {
		t.Errorf("%s bound though not taken", grp[0])
	}
}

func TestDecls(t *testing.T) {
	text := "#define ONE 1\n#define TWO(x) \\\n\t((x) * 2)\nstatic int nr_ipi __ro_after_init = NR_IPI;\n" +
		"static const char *ipi_types[MAX_IPI] __tracepoint_string = {\n\t[IPI_X] = \"x\",\n};\nint f(void)\n{\n\treturn 0;\n}\n"
	var got []string
	for _, d := range Decls([]byte(text)) {
		got = append(got, fmt.Sprintf("%s %d-%d", d.Name(), d.First, d.Last))
	}
	want := "ONE 1-1; TWO 2-3; nr_ipi 4-4; ipi_types[] 5-7"
	if strings.Join(got, "; ") != want {
		t.Errorf("Decls: %q, want %q", got, want)
	}
}

// The names a function uses are read without its comments and literals: an
// apostrophe in a comment must not hide what follows (6.12's
// cpuhp_bp_sync_dead() says "Don't overwrite that!" before
// SYNC_STATE_DEAD).
func TestIdentifiers(t *testing.T) {
	tests := []struct {
		name, text string
		want       string
	}{
		{"apostrophe in a comment", "static void f(void)\n{\n\t/* Don't overwrite that! */\n\tif (s == SYNC_STATE_DEAD)\n\t\tg();\n}\n", "static void f if s SYNC_STATE_DEAD g"},
		{"line comment and string", "int f(void) { // isn't\n\tpr_err(\"CPU%u hidden\\n\", c); return X; }", "int f void pr_err c return X"},
		{"character literal", "int f(char c) { return c == 'a' ? A : B; }", "int f char c return A B"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Join(identifiers(tt.text), " "); got != tt.want {
				t.Errorf("identifiers = %q, want %q", got, tt.want)
			}
		})
	}
}
