package report

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Progress shows how a long exploration is going: states explored, the
// rate, and how much of the budget is used, as one line redrawn in place
// on standard error. It draws only when its output is a terminal; in CI
// logs and pipes it writes nothing, so it never mixes into results. A nil
// *Progress is valid and does nothing, so callers need no checks.
type Progress struct {
	mu     sync.Mutex
	w      io.Writer
	label  string
	budget int64
	now    func() time.Time
	start  time.Time
	last   time.Time // last draw
	drawn  bool
}

// redrawEvery limits redraws: a terminal cannot show more, and drawing is
// not free for a caller reporting every few thousand states.
const redrawEvery = 100 * time.Millisecond

// NewProgress returns a progress line for f labelled label, for a search
// whose budget is budget states (0 when unbounded). It returns nil, which
// draws nothing, when f is not a terminal or TERM is "dumb".
func NewProgress(f *os.File, label string, budget int64) *Progress {
	if f == nil || !isTerminal(f) || os.Getenv("TERM") == "dumb" {
		return nil
	}
	return newProgress(f, label, budget, time.Now)
}

func newProgress(w io.Writer, label string, budget int64, now func() time.Time) *Progress {
	return &Progress{w: w, label: label, budget: budget, now: now, start: now()}
}

// isTerminal reports whether f is a character device, as a terminal is.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Update reports that states states have been explored so far. It is safe
// to call from several goroutines.
func (p *Progress) Update(states int64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if p.drawn && now.Sub(p.last) < redrawEvery {
		return
	}
	p.last, p.drawn = now, true
	fmt.Fprintf(p.w, "\r\x1b[K%s", p.line(states, now.Sub(p.start)))
}

// line is the text of the progress line.
func (p *Progress) line(states int64, elapsed time.Duration) string {
	var b strings.Builder
	b.WriteString(p.label)
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
	fmt.Fprintf(&b, " %s states", count(states))
	if p.budget > 0 {
		fmt.Fprintf(&b, " of %s", count(p.budget))
	}
	if rate > 0 {
		fmt.Fprintf(&b, ", %s/s", count(int64(rate)))
		if p.budget > 0 && states < p.budget {
			left := time.Duration(float64(p.budget-states) / rate * float64(time.Second))
			fmt.Fprintf(&b, ", budget used up in %s", left.Round(time.Second))
		}
	}
	return b.String()
}

// Done removes the progress line, leaving the terminal as it was.
func (p *Progress) Done() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
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
