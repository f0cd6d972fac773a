package rules

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchcheck/patchcheck/parse"
)

// BenchmarkLoopForms runs the whole evaluation of the seed and of the
// variants that write its wait in other C forms; a form the compiler does
// not recognise as a wait is explored as written and costs far more states
// and time (go test -run X -bench LoopForms -benchtime 1x ./rules). The
// states metric is the sum of the explored states over every property and
// scenario, so it does not depend on the machine's load.
func BenchmarkLoopForms(b *testing.B) {
	pack := defaultPack(b)
	for _, in := range []string{
		"../fixtures/seed/arm64-kexec-smp-send-stop.mbox",
		"../fixtures/variants/loop-for.mbox",
		"../fixtures/variants/loop-goto.mbox",
		"../fixtures/variants/loop-do-while.mbox",
		"../fixtures/variants/loop-helper.mbox",
		"../fixtures/variants/loop-for-helper.mbox",
		"../fixtures/variants/loop-mdelay.mbox",
	} {
		b.Run(strings.TrimSuffix(filepath.Base(in), ".mbox"), func(b *testing.B) {
			s, err := parse.ParseFiles([]string{in}, nil, nil)
			if err != nil {
				b.Fatal(err)
			}
			var states int64
			for b.Loop() {
				r := evaluateSeries(b, s, pack)
				states = 0
				for _, p := range r.Properties {
					states += p.Explored.States
				}
			}
			b.ReportMetric(float64(states), "states")
		})
	}
}
