package report

import (
	"io"
	"testing"
)

// BenchmarkRender renders the seed sample in every format, to watch the
// cost of the renderers (the HTML pictures and the email layout above all).
func BenchmarkRender(b *testing.B) {
	r := loadReport(b, "seed-report.json")
	for _, f := range formats {
		b.Run(f.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := Render(io.Discard, f.name, r, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
