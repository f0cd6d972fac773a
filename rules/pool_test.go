package rules

import (
	"encoding/json"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patchcheck/patchcheck/parse"
	"github.com/patchcheck/patchcheck/sim"
	"github.com/patchcheck/patchcheck/sim/profile"
)

// reversed is scripted with delays that make the explorations finish in
// the reverse of the order they start (the first waits longest), so that
// the merge cannot rely on the order of completion. It records the
// largest number of engine calls at once.
type reversed struct {
	*scripted
	n, busy, peak atomic.Int32
}

func (r *reversed) Explore(req *ExploreRequest) ([]CheckResult, error) {
	r.enter()
	defer r.busy.Add(-1)
	i := r.n.Add(1)
	time.Sleep(time.Duration(max(0, 40-int(i))) * 200 * time.Microsecond)
	return r.scripted.Explore(req)
}

func (r *reversed) Measure(req *MeasureRequest) (*MeasureResult, error) {
	r.enter()
	defer r.busy.Add(-1)
	time.Sleep(2 * time.Millisecond)
	return r.scripted.Measure(req)
}

func (r *reversed) enter() {
	b := r.busy.Add(1)
	for {
		p := r.peak.Load()
		if b <= p || r.peak.CompareAndSwap(p, b) {
			return
		}
	}
}

// TestWorkersSameReport: the report is byte for byte the same with 1, 2
// and 8 workers while the engine calls finish out of order; no more calls
// run at once than there are workers; and a violation, once in a partial
// report, is in every later one.
func TestWorkersSameReport(t *testing.T) {
	pack := defaultPack(t)
	before, after := &sim.Program{}, &sim.Program{}
	var want []byte
	for _, workers := range []int{1, 2, 8} {
		eng := &reversed{scripted: &scripted{
			verdicts: map[*sim.Program]map[string]string{
				before: {"kexec.reboot-completes": "holds-if-bounds"},
				after:  {"kexec.secondaries-off-at-relocation": "violated", "kexec.reboot-completes": "inconclusive"}},
			shutdown: map[*sim.Program]Distribution{before: {P5: 0.4, Median: 0.5, P95: 0.6}, after: {P5: 0.001, Median: 0.002, P95: 0.003}}}}
		var mu sync.Mutex
		var partial []string
		r, err := Evaluate(&EvalInput{Series: testSeries("Currently shutdown takes about 0.5 s on 8 CPUs; with this patch it takes 2 ms on 23 CPUs."),
			Programs: Variants{Before: before, After: after, Covered: true}, Pack: pack, Profile: profile.Default(), Seed: 1,
			Budget: Budget{Runs: 5}, Engines: eng, Workers: workers,
			Partial: func(p *Report) { mu.Lock(); partial = append(partial, p.Verdict); mu.Unlock() }})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := json.Marshal(r)
		if want == nil {
			want = got
		} else if string(got) != string(want) {
			t.Errorf("%d workers: the report differs from 1 worker's", workers)
		}
		if p := int(eng.peak.Load()); p > workers {
			t.Errorf("%d workers: %d engine calls at once", workers, p)
		}
		first := slices.Index(partial, "fail")
		if first < 0 || r.Verdict != "fail" {
			t.Errorf("%d workers: no partial report failed (%v); final %s", workers, partial, r.Verdict)
		}
		for i := first + 1; first >= 0 && i < len(partial); i++ {
			if partial[i] != "fail" {
				t.Errorf("%d workers: partial report %d is %s after a fail at %d", workers, i, partial[i], first)
			}
		}
	}
}

// TestWorkersSeed: the seed through the simulator's engines gives the same
// report with 1, 2 and 8 workers, and at GOMAXPROCS 1.
func TestWorkersSeed(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the explorer and the timed engine on the seed four times")
	}
	s, err := parse.ParseFiles([]string{"../fixtures/seed/arm64-kexec-smp-send-stop.mbox"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	v, steps, res, err := Analyze(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	run := func(workers int) []byte {
		r, err := Evaluate(&EvalInput{Series: s, Programs: v, Steps: steps, Pack: defaultPack(t), Profile: profile.Default(),
			Seed: 1, Budget: Budget{Runs: 20}, Engines: SimEngines{}, Added: AddedLines(res), Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	want := run(1)
	for _, w := range []int{2, 8} {
		if got := run(w); string(got) != string(want) {
			t.Errorf("%d workers: the report differs from 1 worker's", w)
		}
	}
	old := runtime.GOMAXPROCS(1)
	got := run(0)
	runtime.GOMAXPROCS(old)
	if string(got) != string(want) {
		t.Error("GOMAXPROCS 1: the report differs")
	}
}

// TestMemGate: beside the oldest running exploration (the first admitted)
// the others wait while the memory held is above the limit, and go on when
// an exploration ends; the oldest, or one running alone, never waits.
func TestMemGate(t *testing.T) {
	var held atomic.Uint64
	g := newMemGate(100)
	g.sample = func() uint64 { return held.Load() }
	waits := func(seq int) bool {
		done := make(chan struct{})
		go func() { g.wait(seq); close(done) }()
		select {
		case <-done:
			return false
		case <-time.After(50 * time.Millisecond):
			return true
		}
	}
	tests := []struct {
		name    string
		running []int
		held    uint64
		seq     int
		want    bool
	}{
		{"alone above the limit", []int{7}, 500, 7, false},
		{"oldest above the limit", []int{3, 7}, 500, 3, false},
		{"younger within the limit", []int{3, 7}, 100, 7, false},
		{"younger above the limit", []int{3, 7}, 101, 7, true},
		// Admitted after 7, though first in the scenarios' order.
		{"admitted later, earlier in order", []int{7, 3}, 500, 3, true},
		{"admitted first, later in order", []int{7, 3}, 500, 7, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g.running = slices.Clone(tt.running)
			held.Store(tt.held)
			if got := waits(tt.seq); got != tt.want {
				t.Errorf("waits = %v, want %v", got, tt.want)
			}
			// whatever waits goes on once the others end
			for _, s := range tt.running {
				if s != tt.seq {
					g.leave(s)
				}
			}
			if waits(tt.seq) {
				t.Error("still waits alone")
			}
			g.leave(tt.seq)
		})
	}
}
