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
	p.Done()
	if fi, _ := f.Stat(); fi.Size() != 0 {
		t.Errorf("%d bytes written to a file", fi.Size())
	}
}

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func TestProgressDraws(t *testing.T) {
	clock := &fakeClock{t: time.Unix(0, 0)}
	var out strings.Builder
	p := newProgress(&out, "AFTER, 8 CPUs", 1_000_000, clock.now)
	clock.t = clock.t.Add(2 * time.Second)
	p.Update(250_000)
	want := "\r\x1b[KAFTER, 8 CPUs [######..................]  25% 250k states of 1.0M, 125k/s, budget used up in 6s"
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
	if !strings.HasSuffix(out.String(), "[########################] 100% 2.0M states of 1.0M, 948k/s") {
		t.Errorf("full bar: %q", out.String())
	}
	p.Done()
	if !strings.HasSuffix(out.String(), "\r\x1b[K") {
		t.Error("Done does not clear the line")
	}
}

func TestProgressUnbounded(t *testing.T) {
	clock := &fakeClock{t: time.Unix(0, 0)}
	var out strings.Builder
	p := newProgress(&out, "BEFORE", 0, clock.now)
	p.Update(42) // no time has passed: no rate
	if got := out.String(); got != "\r\x1b[KBEFORE 42 states" {
		t.Errorf("got %q", got)
	}
}
