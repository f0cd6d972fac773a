package report

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestProgressNotATerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p := NewProgress(f, "exploring", 100)
	if p != nil {
		t.Fatal("a progress line for a regular file")
	}
	p.Update(50) // a nil Progress is usable
	p.Phase("timing", 0)
	p.SetDeadline(time.Now())
	p.Done()
	if fi, _ := f.Stat(); fi.Size() != 0 {
		t.Errorf("%d bytes written to a file", fi.Size())
	}
}

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// lastLine is the line a terminal shows: the text after the last redraw.
func lastLine(s string) string {
	return s[strings.LastIndex(s, "\r\x1b[K")+len("\r\x1b[K"):]
}

func TestProgressDraws(t *testing.T) {
	clock := &fakeClock{t: time.Unix(0, 0)}
	var out strings.Builder
	p := newProgress(&out, "AFTER, 8 CPUs", 1_000_000, clock.now)
	clock.t = clock.t.Add(2 * time.Second)
	p.Update(250_000)
	want := "\r\x1b[K[2s] AFTER, 8 CPUs [######..................]  25% 250k states of 1.0M, 125k/s, budget used up in 6s"
	if out.String() != want {
		t.Errorf("got  %q\nwant %q", out.String(), want)
	}
	// Updates closer together than the redraw interval draw nothing.
	clock.t = clock.t.Add(10 * time.Millisecond)
	p.Update(260_000)
	if strings.Count(out.String(), "\r") != 1 {
		t.Errorf("redrawn within %v: %q", redrawEvery, out.String())
	}
	clock.t = clock.t.Add(redrawEvery)
	p.Update(2_000_000) // past the budget: the bar is full, no estimate
	if got := lastLine(out.String()); got != "[2s] AFTER, 8 CPUs [########################] 100% 2.0M states of 1.0M, 948k/s" {
		t.Errorf("full bar: %q", got)
	}
	p.Done()
	if !strings.HasSuffix(out.String(), "\r\x1b[K") {
		t.Error("Done does not clear the line")
	}
	n := out.Len()
	p.Update(3_000_000)
	p.tick()
	if out.Len() != n {
		t.Errorf("drawn after Done: %q", out.String()[n:])
	}
}

// TestProgressPhases: each exploration has its own rate and estimate, so
// a late exploration of a long run is not judged by the run's average
// (which gave an estimate of thousands of hours); the clock moves during a
// timed phase that reports no states; no estimate passes the deadline.
func TestProgressPhases(t *testing.T) {
	clock := &fakeClock{t: time.Unix(0, 0)}
	var out strings.Builder
	p := newProgress(&out, "exploring", 4_000_000, clock.now)
	p.SetDeadline(clock.t.Add(5 * time.Minute))

	clock.t = clock.t.Add(100 * time.Second) // earlier phases took 100 s
	p.Phase("exploring AFTER, 3 CPUs idle", 4_000_000)
	clock.t = clock.t.Add(time.Second)
	p.Update(100_000)
	if got, want := lastLine(out.String()), "[1m41s] exploring AFTER, 3 CPUs idle [........................]   2% 100k states of 4.0M, 100k/s, budget used up in 39s"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	// A lower count without Phase is a new exploration: a fresh rate.
	clock.t = clock.t.Add(time.Second)
	p.Update(1_000)
	clock.t = clock.t.Add(time.Second)
	p.Update(1_001)
	if got := lastLine(out.String()); !strings.Contains(got, " 1001 states of 4.0M, 1001/s, --timeout in 3m17s") {
		t.Errorf("restarted exploration: %q", got)
	}

	p.Phase("timing BEFORE, 16 CPUs busy (40 runs)", 0)
	clock.t = clock.t.Add(7 * time.Second)
	p.tick()
	if got, want := lastLine(out.String()), "[1m50s] timing BEFORE, 16 CPUs busy (40 runs) for 7s, --timeout in 3m10s"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	clock.t = clock.t.Add(time.Hour)
	p.tick()
	if got := lastLine(out.String()); !strings.HasSuffix(got, "--timeout in 0s") {
		t.Errorf("past the deadline: %q", got)
	}
}

func TestProgressUnbounded(t *testing.T) {
	clock := &fakeClock{t: time.Unix(0, 0)}
	var out strings.Builder
	p := newProgress(&out, "BEFORE", 0, clock.now)
	p.Update(42) // no time has passed: no rate
	if got := out.String(); got != "\r\x1b[K[0s] BEFORE 42 states" {
		t.Errorf("got %q", got)
	}
}
