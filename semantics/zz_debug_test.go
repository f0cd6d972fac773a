package semantics

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/patchcheck/patchcheck/semantics/models"
)

func TestZZDebug(t *testing.T) {
	s := parseFile(t, filepath.Join("..", "fixtures", "seed", "arm64-kexec-smp-send-stop.lkml.txt"))
	a := &analyzer{lib: models.Default(), res: &Result{}, work: map[string]*working{}}
	a.patch(1, s.Patches[0])
	for _, p := range []string{"arch/arm64/kernel/process.c", "arch/arm64/kernel/smp.c"} {
		w := a.work[p]
		for _, l := range w.lines {
			if l.fn == "machine_shutdown" || l.fn == "cpu_die" || l.fn == "local_cpu_stop" {
				fmt.Printf("%-16s %-5s %4d | %s\n", l.fn, l.loc.Side, l.loc.Line, l.text)
			}
		}
		fmt.Println(w.removed)
	}
}
