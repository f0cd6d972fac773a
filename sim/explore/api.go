package explore

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/patchcheck/patchcheck/sim"
)

// Points is a set of places where a property is checked: event kinds, plus
// AtStep (after every step) and AtEnd (when the run ends, whatever the reason,
// deadlock included).
type Points uint64

const (
	AtStep Points = 1 << 63
	AtEnd  Points = 1 << 62
)

// At returns the set of the given event kinds.
func At(kinds ...sim.EventKind) Points {
	var p Points
	for _, k := range kinds {
		p |= 1 << k
	}
	return p
}

func (p Points) has(k sim.EventKind) bool { return p&(1<<k) != 0 }

// Property is an invariant checked at the given points.
type Property struct {
	Name string
	At   Points
	// Check returns true when the invariant holds in v (the state after the
	// step, v.Ev the event checked, nil for AtStep).
	Check func(v sim.View) bool
	// NamesCPUs says Check refers to particular secondaries by id; symmetry
	// reduction is then unsound and is switched off.
	NamesCPUs bool
	// ReadsIRQMasks says Check looks at whether CPUs have interrupts
	// masked (View.IRQsMasked, or the whole CPU). The machine then keeps
	// every local_irq_enable a step of its own (sim.Machine.WithUnmaskSteps):
	// merged into the step before it, a CPU is never seen masked just
	// before it unmasks.
	ReadsIRQMasks bool
	// Calls, for a property checked at sim.EvCall, names the functions
	// whose calls Check looks at: calls of other functions are not checked,
	// and do not end the machine's merged steps early (see
	// sim.Machine.WithStepBoundaries). Empty means every call.
	Calls []string
}

// skips reports whether p is not checked at event ev.
func (p *Property) skips(m *sim.Machine, ev *sim.Event) bool {
	return ev.Kind == sim.EvCall && len(p.Calls) > 0 && ev.Val >= 0 && int(ev.Val) < len(m.Prog.Funcs) &&
		!slices.Contains(p.Calls, m.Prog.Funcs[ev.Val].Name)
}

// Options bound the search. Zero values mean the defaults.
type Options struct {
	MaxStates int           // stored states; default 4,000,000
	MaxDepth  int           // steps from the start; default unbounded
	Timeout   time.Duration // wall-clock safety net; default none (a stop by it is reported, and makes the result timing dependent)
	// MaxMemory bounds the explorer's own tables in bytes (states, their
	// index, the transitions); default DefaultMaxMemory. Large states
	// (deep recursion, many CPUs) reach it before MaxStates.
	MaxMemory  int64
	NoSymmetry bool // never use symmetry reduction
	// Progress, when set, is told the number of states stored so far every
	// 1,024 expansions (for a progress display; it must not block).
	Progress func(states int64)
}

// DefaultMaxMemory is the default bound of the explorer's tables: far
// above what the default scenario matrix needs on the kernel models (tens
// of MiB up to 32 CPUs), and low enough that a state space that explodes
// (unbounded recursion) stops in seconds; wider searches raise it (BEFORE
// at 6 CPUs needs about 1.3 GiB for 4,000,000 states).
const DefaultMaxMemory = 512 << 20

// Verdict of one property.
type Verdict string

const (
	Holds         Verdict = "holds"
	HoldsIfBounds Verdict = "holds-if-bounds" // violated only when some bounded waits expire
	Violated      Verdict = "violated"        // violated with no wait expiring
	Inconclusive  Verdict = "inconclusive"
)

// PropertyResult is the verdict on one property.
type PropertyResult struct {
	Name    string
	Verdict Verdict
	Reason  string
	// Trace is the counterexample for Violated and HoldsIfBounds.
	Trace *Trace
	// Minimal says the trace was proven to need the fewest expiries and then
	// the fewest steps (false only when a budget stopped the search first).
	Minimal bool
	// Certain names the waits whose expiry the trace needs and that expire
	// in every run reaching them: in the states where they expire nothing
	// but expiries can happen and their conditions can never become false
	// (see certain.go). A Violated trace with expiries has only such ones.
	Certain []string
	// Uncertain, when set, names the waits a HoldsIfBounds trace needs to
	// run out by chance, Certain those it lets expire that expire in every
	// run reaching them; unset, Trace.Expired are all left to chance.
	Uncertain []string
}

// Result of an exploration.
type Result struct {
	Mode        string // "exhaustive" or "random"
	CPUs        int
	Properties  []PropertyResult
	States      int // distinct states stored (exhaustive) or steps run (random)
	Transitions int
	Depth       int // deepest state expanded
	// Livelocked counts the states from which no run can end (found only
	// when the search is complete).
	Livelocked  int
	Complete    bool // the whole reachable state space was explored
	Stop        string
	Symmetry    bool
	SymmetryOff []string // why symmetry reduction was off
	Unknown     []string // unmodelled functions some run reached
	Errors      []string // machine errors some run met
	MemoryBytes int64    // peak bytes of the explorer's own tables
	Seed        uint64   // random mode
	Runs        int      // random mode
	// LoadMattered: some step explored would have gone differently under
	// the machine's other load (sim.Machine.LoadMattered). When false, the
	// same exploration of the machine under the other load gives this
	// result step for step, so a caller may reuse it.
	LoadMattered bool
}

// String renders the result deterministically.
func (r *Result) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s exploration, %d CPUs: %d states, %d transitions, depth %d, complete=%v", r.Mode, r.CPUs, r.States, r.Transitions, r.Depth, r.Complete)
	if r.Stop != "" {
		fmt.Fprintf(&b, " (%s)", r.Stop)
	}
	fmt.Fprintf(&b, ", symmetry=%v", r.Symmetry)
	if r.Mode == "random" {
		fmt.Fprintf(&b, ", seed %d, %d runs", r.Seed, r.Runs)
	}
	b.WriteString("\n")
	for _, s := range r.SymmetryOff {
		fmt.Fprintf(&b, "  symmetry off: %s\n", s)
	}
	for _, s := range r.Unknown {
		fmt.Fprintf(&b, "  unknown call reached: %s\n", s)
	}
	for _, s := range r.Errors {
		fmt.Fprintf(&b, "  machine error: %s\n", s)
	}
	for _, p := range r.Properties {
		fmt.Fprintf(&b, "property %s: %s", p.Name, p.Verdict)
		if p.Reason != "" {
			fmt.Fprintf(&b, " (%s)", p.Reason)
		}
		b.WriteString("\n")
		if p.Trace != nil {
			b.WriteString(p.Trace.String())
		}
	}
	return b.String()
}
