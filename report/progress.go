package report

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Progress shows how a long run is going as one line redrawn in place on
// standard error: the elapsed time, the phase (an exploration or a series
// of timed runs, with its scenario), and for an exploration the states
// stored, the rate and when its budget runs out. It draws only when its
// output is a terminal; in CI logs and pipes it writes nothing, so it never
// mixes into results. A nil *Progress is valid and does nothing, so callers
// need no checks.
//
// The rate and the estimate are those of the current phase: each
// exploration starts from zero states and has its own budget, so a rate
// over the whole run (which once gave an estimate of 3260 hours) says
// nothing. An estimate is never later than the run's deadline (--timeout),
// since the run stops there whatever the budget says.
type Progress struct {
	mu         sync.Mutex
	w          io.Writer
	label      string
	budget     int64
	now        func() time.Time
	start      time.Time // of the run
	phaseStart time.Time
	deadline   time.Time // zero: none
	states     int64
	last       time.Time // last draw
	drawn      bool
	done       bool // after Done nothing is drawn: the report may follow
	stop       chan struct{}
}

// redrawEvery limits redraws: a terminal cannot show more, and drawing is
// not free for a caller reporting every few thousand states.
const redrawEvery = 100 * time.Millisecond

// tickEvery is how often the line is redrawn without updates, so that the
// clock moves during phases that report none (timed runs).
const tickEvery = time.Second

// NewProgress returns a progress line for f labelled label, for a search
// whose budget is budget states (0 when unbounded). It returns nil, which
// draws nothing, when f is not a terminal or TERM is "dumb". The line is
// redrawn every second until Done.
func NewProgress(f *os.File, label string, budget int64) *Progress {
	if f == nil || !isTerminal(f) || os.Getenv("TERM") == "dumb" {
		return nil
	}
	p := newProgress(f, label, budget, time.Now)
	p.stop = make(chan struct{})
	go func() {
		t := time.NewTicker(tickEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				p.tick()
			case <-p.stop:
				return
			}
		}
	}()
	return p
}

func newProgress(w io.Writer, label string, budget int64, now func() time.Time) *Progress {
	t := now()
	return &Progress{w: w, label: label, budget: budget, now: now, start: t, phaseStart: t}
}

// isTerminal reports whether f is a character device, as a terminal is.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// SetDeadline tells the line when the run will be stopped (the wall-clock
// budget); estimates never go past it.
func (p *Progress) SetDeadline(t time.Time) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.deadline = t
}

// Phase starts a new phase: label says what runs, budget is its state
// budget (0 when it counts no states, as timed runs).
func (p *Progress) Phase(label string, budget int64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.label, p.budget, p.states = label, budget, 0
	p.phaseStart = p.now()
	p.draw(p.phaseStart)
}

// Update reports that states states have been explored so far in the
// current phase. A count lower than the last one starts a new phase (an
// exploration that began without a Phase call). It is safe to call from
// several goroutines.
func (p *Progress) Update(states int64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if states < p.states {
		p.phaseStart = now
	}
	p.states = states
	if p.drawn && now.Sub(p.last) < redrawEvery {
		return
	}
	p.draw(now)
}

// tick redraws the line with the clock moved on.
func (p *Progress) tick() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.draw(p.now())
}

func (p *Progress) draw(now time.Time) {
	if p.done {
		return
	}
	p.last, p.drawn = now, true
	fmt.Fprintf(p.w, "\r\x1b[K%s", p.line(now))
}

// line is the text of the progress line at now.
func (p *Progress) line(now time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[%s] %s", clock(now.Sub(p.start)), p.label)
	states, elapsed := p.states, now.Sub(p.phaseStart)
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(states) / s
	}
	if p.budget > 0 {
		frac := min(float64(states)/float64(p.budget), 1)
		const width = 24
		full := int(frac * width)
		fmt.Fprintf(&b, " [%s%s] %3.0f%%", strings.Repeat("#", full), strings.Repeat(".", width-full), frac*100)
	}
	if states > 0 || p.budget > 0 {
		fmt.Fprintf(&b, " %s states", count(states))
		if p.budget > 0 {
			fmt.Fprintf(&b, " of %s", count(p.budget))
		}
	} else {
		fmt.Fprintf(&b, " for %s", clock(elapsed))
	}
	var left time.Duration = -1
	if rate > 0 {
		fmt.Fprintf(&b, ", %s/s", count(int64(rate)))
		if p.budget > 0 && states < p.budget {
			left = time.Duration(float64(p.budget-states) / rate * float64(time.Second))
		}
	}
	if !p.deadline.IsZero() {
		if untilDeadline := max(p.deadline.Sub(now), 0); left < 0 || untilDeadline < left {
			fmt.Fprintf(&b, ", --timeout in %s", clock(untilDeadline))
			return b.String()
		}
	}
	if left >= 0 {
		fmt.Fprintf(&b, ", budget used up in %s", clock(left))
	}
	return b.String()
}

// clock writes a duration as 7s, 4m05s or 2h03m.
func clock(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	default:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
}

// Done removes the progress line, leaving the terminal as it was, and
// stops the redraws. Further calls do nothing.
func (p *Progress) Done() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done = true
	if p.stop != nil {
		close(p.stop)
		p.stop = nil
	}
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}

// count writes n with a k or M suffix above ten thousand.
func count(n int64) string {
	switch {
	case n >= 10_000_000:
		return fmt.Sprintf("%.0fM", float64(n)/1e6)
	case n >= 1_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 10_000:
		return fmt.Sprintf("%.0fk", float64(n)/1e3)
	default:
		return fmt.Sprint(n)
	}
}

// ColorFor reports whether a text report written to f may use colour: f is
// a terminal, TERM is not "dumb", and NO_COLOR (no-color.org) is unset or
// empty.
func ColorFor(f *os.File) bool {
	return isTerminal(f) && os.Getenv("TERM") != "dumb" && os.Getenv("NO_COLOR") == ""
}
