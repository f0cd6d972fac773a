package timed

import (
	"fmt"
	"strings"
	"testing"

	"github.com/patchcheck/patchcheck/sim"
	"github.com/patchcheck/patchcheck/sim/profile"
)

// The QEMU 7.2 TCG measurements the default profile is checked against
// (domain notes, section 5): machine_shutdown by hotplug, in ms.
var qemu = []struct {
	n          int
	idleLo     float64
	idleHi     float64
	busy       float64
	perCPULo   float64
	perCPUHi   float64
	firstCPUms float64
}{
	{2, 32, 32, 51, 31, 31, 31},
	{4, 66, 66, 228, 16, 22, 32},
	{8, 138, 138, 951, 16, 20, 30},
	{16, 258, 312, 3992, 16, 21, 32},
}

// TestCalibrationQEMU compares the default profile, on the hand-written
// hotplug program, with the QEMU table; docs/timing.md records its output
// (go test -run TestCalibrationQEMU -v ./sim/timed).
//
// The QEMU totals run from "Starting new kernel" to "Bye!" on the console;
// "Bye!" is pr_info (6), so that console printed the hotplug path's
// pr_notice and pr_info lines: log level 7, at under 1 ms per line. The
// comparison fixes the default profile's console to that setting (level 7,
// its 1 Mbaud-equivalent virtual console); the last column is the default
// profile as is, with the console drawn per run.
func TestCalibrationQEMU(t *testing.T) {
	var tab strings.Builder
	fmt.Fprintf(&tab, "| N | QEMU idle | model idle median [p5, p95] | default profile idle [p5, p95] | QEMU busy | model busy median [p5, p95] | model IPI stop, secondaries OFF median [p95] |\n|---|---|---|---|---|---|---|\n")
	idle := map[int]float64{}
	busy := map[int]float64{}
	qemuConsole := console(t, 7, 1e6)
	for _, q := range qemu {
		opt := Options{Runs: 200, Seed: 1}
		di := metric(t, evaluate(t, hotplugProgram(), sim.Config{CPUs: q.n}, qemuConsole, opt), "machine_shutdown")
		dd := metric(t, evaluate(t, hotplugProgram(), sim.Config{CPUs: q.n}, profile.Default(), opt), "machine_shutdown")
		db := metric(t, evaluate(t, hotplugProgram(), sim.Config{CPUs: q.n, Load: sim.LoadBusy}, qemuConsole, opt), "machine_shutdown")
		ds := metric(t, evaluate(t, ipiStopProgram(), sim.Config{CPUs: q.n}, qemuConsole, opt), "secondaries_off")
		idle[q.n], busy[q.n] = di.Median, db.Median
		qi := fmt.Sprintf("%g", q.idleLo)
		if q.idleHi != q.idleLo {
			qi = fmt.Sprintf("%g–%g", q.idleLo, q.idleHi)
		}
		fmt.Fprintf(&tab, "| %d | %s ms | %.0f ms [%.0f, %.0f] | [%.0f, %.0f] ms | %g ms | %.0f ms [%.0f, %.0f] | %.2f ms [%.2f] (%d of %d runs relocate first) |\n",
			q.n, qi, di.Median/ms, di.P5/ms, di.P95/ms, dd.P5/ms, dd.P95/ms, q.busy, db.Median/ms, db.P5/ms, db.P95/ms,
			ds.Median/ms, ds.P95/ms, ds.Never, ds.Runs)
		// Idle totals within 15% of the measured range.
		if di.Median < 0.85*q.idleLo*ms || di.Median > 1.15*q.idleHi*ms {
			t.Errorf("N=%d idle: model %.0f ms, QEMU %s ms", q.n, di.Median/ms, qi)
		}
		if db.Median <= di.Median {
			t.Errorf("N=%d: busy %.0f ms not above idle %.0f ms", q.n, db.Median/ms, di.Median/ms)
		}
	}
	steady := (idle[16] - idle[4]) / 12
	first := idle[2]
	busyPer := [](float64){(busy[4] - busy[2]) / 2, (busy[8] - busy[4]) / 4, (busy[16] - busy[8]) / 8}
	fmt.Fprintf(&tab, "\nmodel: first CPU %.1f ms (QEMU 30–32), steady per CPU %.1f ms (QEMU 16–22); busy per-CPU increments %.1f, %.1f, %.1f ms for N 2→4, 4→8, 8→16 (QEMU %.0f, %.0f, %.0f)\n",
		first/ms, steady/ms, busyPer[0]/ms, busyPer[1]/ms, busyPer[2]/ms,
		(228.0-51)/2, (951.0-228)/4, (3992.0-951)/8)
	t.Log("\n" + tab.String())
	if first < 28*ms || first > 36*ms {
		t.Errorf("first CPU %.1f ms, QEMU 30-32", first/ms)
	}
	if steady < 16*ms || steady > 22*ms {
		t.Errorf("steady per CPU %.1f ms, QEMU 16-22", steady/ms)
	}
	// Busy grows faster than linearly in the model too (the wait for the
	// slowest of more CPUs, stop_machine's per-CPU cost), if far less than
	// on QEMU: see docs/timing.md.
	if !(busyPer[2] > busyPer[0]) {
		t.Errorf("busy per-CPU increments %v do not grow with N", busyPer)
	}
}
