package timed

import (
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/patchcheck/patchcheck/sim"
	"github.com/patchcheck/patchcheck/sim/profile"
)

// cpuTime is the process's user+system CPU time: on a shared machine it
// measures the work, where wall time also measures the neighbours.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measure runs f b.N times and reports its CPU time per operation.
func measure(b *testing.B, f func(i int)) {
	b.ResetTimer()
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		f(i)
	}
	b.ReportMetric((cpuTime()-start).Seconds()/float64(b.N), "cpu-s/op")
}

// reportHeap reports the heap the benchmark left mapped: a bound on its peak.
func reportHeap(b *testing.B) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapSys)/(1<<20), "heap-MB")
}

// 1,000 timed runs of a 23-CPU sequential-hotplug shutdown.
func BenchmarkHotplug23x1000(b *testing.B) {
	e, err := New(hotplugProgram(), sim.Config{CPUs: 23})
	if err != nil {
		b.Fatal(err)
	}
	prof := profile.Default()
	measure(b, func(i int) {
		if _, err := e.Evaluate(prof, Options{Runs: 1000, Seed: uint64(i)}); err != nil {
			b.Fatal(err)
		}
	})
	reportHeap(b)
}

// The same, single-threaded.
func BenchmarkHotplug23x1000Serial(b *testing.B) {
	e, err := New(hotplugProgram(), sim.Config{CPUs: 23})
	if err != nil {
		b.Fatal(err)
	}
	prof := profile.Default()
	measure(b, func(i int) {
		if _, err := e.Evaluate(prof, Options{Runs: 1000, Seed: uint64(i), Workers: 1}); err != nil {
			b.Fatal(err)
		}
	})
	reportHeap(b)
}

func bench4096(b *testing.B, prog *sim.Program, load sim.Load) {
	e, err := New(prog, sim.Config{CPUs: 4096, Load: load})
	if err != nil {
		b.Fatal(err)
	}
	prof := profile.Default()
	var steps int64
	measure(b, func(i int) {
		r, err := e.RunOne(prof, 1, i, []string{"machine_shutdown"}, Budget{MaxTime: 3600}, false)
		if err != nil {
			b.Fatal(err)
		}
		if r.Outcome != "relocated" {
			b.Fatalf("outcome %s: %s", r.Outcome, r.Message)
		}
		steps += r.Steps
	})
	b.ReportMetric(float64(steps)/float64(b.N), "steps/run")
	reportHeap(b)
}

// One timed run at N = 4096: IPI stop.
func BenchmarkIPIStop4096(b *testing.B) { bench4096(b, ipiStopProgram(), sim.LoadIdle) }

// One timed run at N = 4096: sequential hotplug (4095 stop_machine
// rendezvous over up to 4096 CPUs), idle and busy.
func BenchmarkHotplug4096(b *testing.B)     { bench4096(b, hotplugProgram(), sim.LoadIdle) }
func BenchmarkHotplug4096Busy(b *testing.B) { bench4096(b, hotplugProgram(), sim.LoadBusy) }
