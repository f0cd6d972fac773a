package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// BenchmarkPipeline runs the whole command (--format json) on each seed
// and variant fixture with the default Monte Carlo runs, as a user would.
// Metrics: states explored per run (summed over the report's property
// rows) and per CPU-second of the process; on a shared machine the
// per-CPU-second rate is the steadier one. Profile with
//
//	go test ./cmd/patchcheck -run '^$' -bench 'Pipeline/seed' -cpuprofile cpu.out
func BenchmarkPipeline(b *testing.B) {
	for _, fx := range []struct{ name, path string }{
		{"seed", "seed/arm64-kexec-smp-send-stop.mbox"},
		{"seed-web-archive", "seed/arm64-kexec-smp-send-stop.lkml.txt"},
		{"park-only", "variants/park-only.mbox"},
		{"unrelated-driver", "variants/unrelated-driver.mbox"},
	} {
		path := filepath.Join("..", "..", "fixtures", filepath.FromSlash(fx.path))
		b.Run(fx.name, func(b *testing.B) {
			var states int64
			cpu0, start := cpuSeconds(), time.Now()
			b.ReportAllocs()
			for b.Loop() {
				var stdout, stderr bytes.Buffer
				if code := execute(context.Background(), []string{"--format", "json", path}, nil, &stdout, &stderr); code == exitUsage {
					b.Fatalf("exit %d: %s", code, stderr.String())
				}
				var rep struct {
					Properties []struct {
						Explored *struct{ States int64 } `json:"explored"`
					} `json:"properties"`
				}
				if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
					b.Fatal(err)
				}
				states = 0
				for _, p := range rep.Properties {
					if p.Explored != nil {
						states += p.Explored.States
					}
				}
			}
			el, cpu := time.Since(start).Seconds(), cpuSeconds()-cpu0
			b.ReportMetric(float64(states), "states")
			b.ReportMetric(cpu/float64(b.N), "cpu-s/op")
			if cpu > 0 {
				b.ReportMetric(float64(states)*float64(b.N)/cpu, "states/cpu-s")
			}
			if el > 0 {
				b.ReportMetric(float64(states)*float64(b.N)/el, "states/s")
			}
		})
	}
}

// cpuSeconds is the process's user+system CPU time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
