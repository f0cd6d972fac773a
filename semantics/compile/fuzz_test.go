package compile

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/patchcheck/patchcheck/sim"
)

// harness supplies the entry functions, so that every compiled program can
// be handed to the machine's checker.
const harness = `
void fuzz_boot(void) { }
void fuzz_idle(void) { for (;;) idle_wait(); }
void fuzz_irq(int ipi) { }
`

// FuzzCompile: whatever the text, Compile does not panic and the program
// it returns passes the machine's structural checks (registers, jump
// targets, functions, globals, waits, prims in range).
func FuzzCompile(f *testing.F) {
	paths, _ := filepath.Glob("testdata/*.c")
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("int f(int x) { switch (x) { case 1: while (x--) udelay(1); default: return cpu_online(x) ? 1 : -1; } }"))
	f.Add([]byte("struct o { void (*g)(int); }; const struct o t = { .g = 0 }; void h(const struct o *p) { p->g(1); t.g(2); }"))
	f.Add([]byte(cpuDownShape + "struct w_s { int a; long b; }; static int k(void *v) { struct w_s *w = v; return w->a + (w ? 1 : 0); } int h(void) { struct w_s x = { 1, .b = 2 }; return k(&x) + down(x.a, 0); }"))
	var cfg Config
	cfg.Entries.Boot, cfg.Entries.Secondary, cfg.Entries.IRQ = "fuzz_boot", "fuzz_idle", "fuzz_irq"
	cfg.Consts = map[string]int64{"HZ": 250}
	f.Fuzz(func(t *testing.T, src []byte) {
		p, _ := Compile([]Source{{Name: "fuzz.c", Text: src}, {Name: "harness.c", Text: []byte(harness)}}, cfg)
		if _, err := sim.NewMachine(p, sim.Config{CPUs: 3, Merge: true, AtomicWaits: true}); err != nil {
			t.Fatalf("compiled program rejected: %v", err)
		}
	})
}
