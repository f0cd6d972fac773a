package explore_test

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/patchcheck/patchcheck/sim"
	"github.com/patchcheck/patchcheck/sim/explore"
	"github.com/patchcheck/patchcheck/sim/internal/simtest"
)

// cpuSeconds is the process's user+system CPU time: on a machine shared
// with other work, rates per CPU second are steadier than per wall second.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// BenchmarkStates measures raw exploration speed: the stop protocol on 10
// CPUs without symmetry reduction (every state is stored and expanded).
func BenchmarkStates(b *testing.B) {
	m := machine(b, simtest.StopOptions{}, sim.Config{CPUs: 10})
	props := []explore.Property{noneOnlineAtRelocation, cpuOffPreconditions}
	var res *explore.Result
	start, cpu0 := time.Now(), cpuSeconds()
	states, trans := 0, 0
	b.ReportAllocs()
	for b.Loop() {
		var err error
		res, err = explore.Explore(m, props, explore.Options{NoSymmetry: true})
		if err != nil {
			b.Fatal(err)
		}
		states += res.States
		trans += res.Transitions
	}
	el := time.Since(start).Seconds()
	cpu := cpuSeconds() - cpu0
	if !res.Complete || res.Properties[0].Verdict != explore.Holds {
		b.Fatalf("%s", res)
	}
	b.ReportMetric(float64(states)/el, "states/s")
	b.ReportMetric(float64(trans)/el, "transitions/s")
	b.ReportMetric(float64(states)/cpu, "states/cpu-s")
	b.ReportMetric(float64(res.States), "states")
	b.ReportMetric(float64(res.MemoryBytes), "peak-B")
}

// BenchmarkStatesCounter measures raw speed on small states with two
// successors each: two CPUs racing on a counter, 25 increments each.
func BenchmarkStatesCounter(b *testing.B) {
	m, err := sim.NewMachine(simtest.CounterRace(25), sim.Config{CPUs: 2, Merge: true, AtomicWaits: true})
	if err != nil {
		b.Fatal(err)
	}
	bounded := explore.Property{Name: "counter <= 50", At: explore.AtStep, Check: func(v sim.View) bool {
		g, _ := v.Global("counter")
		return g <= 50
	}}
	var res *explore.Result
	start, cpu0 := time.Now(), cpuSeconds()
	states := 0
	for b.Loop() {
		res, err = explore.Explore(m, []explore.Property{bounded}, explore.Options{})
		if err != nil {
			b.Fatal(err)
		}
		states += res.States
	}
	el, cpu := time.Since(start).Seconds(), cpuSeconds()-cpu0
	if !res.Complete || res.Properties[0].Verdict != explore.Holds {
		b.Fatalf("%s", res)
	}
	b.ReportMetric(float64(states)/el, "states/s")
	b.ReportMetric(float64(states)/cpu, "states/cpu-s")
	b.ReportMetric(float64(res.States), "states")
	b.ReportMetric(float64(res.MemoryBytes), "peak-B")
}

// BenchmarkVerifySafe verifies the stop protocol's safety properties
// (no secondary online at relocation, CPU_OFF preconditions, no BUG, panic or
// hang) exhaustively for growing CPU counts, with symmetry reduction.
func BenchmarkVerifySafe(b *testing.B) {
	props := []explore.Property{noneOnlineAtRelocation, cpuOffPreconditions, noBug}
	for _, n := range []int{2, 4, 8, 16, 32, 64, 128, 256, 512} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			m := machine(b, simtest.StopOptions{}, sim.Config{CPUs: n})
			var res *explore.Result
			cpu0, runs := cpuSeconds(), 0
			for b.Loop() {
				runs++
				var err error
				res, err = explore.Explore(m, props, explore.Options{})
				if err != nil {
					b.Fatal(err)
				}
			}
			for _, p := range res.Properties {
				if p.Verdict != explore.Holds {
					b.Fatalf("%s", res)
				}
			}
			if n > 2 && !res.Symmetry {
				b.Fatalf("symmetry off: %v", res.SymmetryOff)
			}
			b.ReportMetric((cpuSeconds()-cpu0)/float64(runs), "cpu-s/op")
			b.ReportMetric(float64(res.States), "states")
			b.ReportMetric(float64(res.MemoryBytes), "peak-B")
		})
	}
}

// BenchmarkRacyCounterexample finds the relocation-before-OFF race on 2 CPUs.
func BenchmarkRacyCounterexample(b *testing.B) {
	m := machine(b, simtest.StopOptions{}, sim.Config{CPUs: 2})
	props := []explore.Property{allOffAtRelocation}
	var res *explore.Result
	for b.Loop() {
		var err error
		res, err = explore.Explore(m, props, explore.Options{})
		if err != nil {
			b.Fatal(err)
		}
	}
	if res.Properties[0].Verdict != explore.Violated {
		b.Fatalf("%s", res)
	}
	b.ReportMetric(float64(res.States), "states")
	b.ReportMetric(float64(res.MemoryBytes), "peak-B")
}
