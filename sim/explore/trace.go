package explore

import (
	"fmt"
	"strings"

	"github.com/patchcheck/patchcheck/sim"
)

// Trace is a replayable counterexample: the actions from the initial state,
// each with the source line it executed and the events it caused, ending in
// the step that violates the property (or, with Hang, in a deadlock).
type Trace struct {
	Property string
	Steps    []TraceStep
	Hang     bool      // the run deadlocks after the last step (or, with Livelock, can never end)
	Livelock bool      // every continuation after the last step cycles forever
	Event    sim.Event // the event at which the property failed (EvNone for AtStep)
	Expired  []string  // names of the waits whose expiry the trace needs, in order
	Expiries int       // number of expiries in the trace
}

// TraceStep is one step of a trace.
type TraceStep struct {
	Action sim.Action
	What   string  // the visible instruction: op or prim name
	Loc    sim.Loc // its source (zero Loc when the step executed no instruction)
	HasLoc bool
	Events []sim.Event
}

// Actions returns the trace's actions, for Replay.
func (t *Trace) Actions() []sim.Action {
	a := make([]sim.Action, 0, len(t.Steps))
	for _, s := range t.Steps {
		if s.Action.CPU >= 0 { // not the initial settling
			a = append(a, s.Action)
		}
	}
	return a
}

// String renders the trace one step a line.
func (t *Trace) String() string {
	var b strings.Builder
	for i, s := range t.Steps {
		act := s.Action.String()
		if s.Action.CPU < 0 {
			act = "start"
		}
		fmt.Fprintf(&b, "  %3d  %-22s", i+1, act)
		if s.HasLoc {
			fmt.Fprintf(&b, " %s:%d [%s] %s: %s", s.Loc.File, s.Loc.Line, s.Loc.Side, s.Loc.Func, s.Loc.Text)
		} else if s.What != "" {
			fmt.Fprintf(&b, " %s", s.What)
		}
		var ev []string
		for _, e := range s.Events {
			ev = append(ev, eventString(e))
		}
		if len(ev) > 0 {
			fmt.Fprintf(&b, "  {%s}", strings.Join(ev, ", "))
		}
		b.WriteString("\n")
	}
	if t.Hang {
		b.WriteString("       no CPU can make progress\n")
	}
	if t.Event.Kind != sim.EvNone {
		fmt.Fprintf(&b, "       violated at %s\n", eventString(t.Event))
	}
	if len(t.Expired) > 0 {
		fmt.Fprintf(&b, "       needs expiry of: %s\n", strings.Join(t.Expired, "; "))
	}
	return b.String()
}

func eventString(e sim.Event) string {
	s := e.Kind.String()
	if e.CPU >= 0 {
		s += fmt.Sprintf(" cpu%d", e.CPU)
	}
	switch e.Kind {
	case sim.EvIPISent, sim.EvIPILost:
		s += fmt.Sprintf("->cpu%d ipi %d", e.Target, e.Val)
	case sim.EvIPITaken:
		s += fmt.Sprintf(" ipi %d", e.Val)
	case sim.EvOnline:
		s += fmt.Sprintf(" cpu%d=%d", e.Target, e.Val)
	case sim.EvAffinityInfo, sim.EvCPUOn:
		s += fmt.Sprintf(" cpu%d=%d", e.Target, e.Val)
	case sim.EvCPUOff:
		s += fmt.Sprintf(" ret=%d ctx=%v routed=%v masked=%v online=%v", e.Val, e.Ctx, e.Routed, e.Masked, e.Online)
	case sim.EvWaitExpired:
		s += fmt.Sprintf(" wait %d", e.Val)
	}
	if e.Msg != "" {
		s += " " + e.Msg
	}
	return s
}

// Replay re-executes actions from m's initial state and checks that the run
// violates p at the last step (or, with hang, deadlocks after it and violates
// p at the deadlock). It returns the trace with sources and events.
func Replay(m *sim.Machine, actions []sim.Action, p Property, hang bool) (*Trace, error) {
	end := endViolation
	if hang {
		end = endDeadlock
	}
	return replay(m, actions, p, end)
}

// How a replayed trace ends.
type traceEnd uint8

const (
	endViolation traceEnd = iota // the last step violates the property
	endDeadlock                  // after the last step no CPU has an action
	// endLivelock: after the last step the run can never end (the search
	// established it; replay checks the hang violates the property).
	endLivelock
)

func replay(m *sim.Machine, actions []sim.Action, p Property, end traceEnd) (*Trace, error) {
	hang := end != endViolation
	st := m.Initial()
	tr := &Trace{Property: p.Name}
	var res sim.StepResult
	var buf []sim.Action
	for i, a := range actions {
		buf = m.Actions(st, int(a.CPU), buf[:0])
		ok := false
		for _, b := range buf {
			ok = ok || b == a
		}
		if !ok {
			return nil, fmt.Errorf("step %d: action %v is not enabled", i+1, a)
		}
		m.Step(st, a, &res)
		ts := TraceStep{Action: a, Events: append([]sim.Event(nil), res.Events...)}
		if res.Visible {
			ts.What = res.Op.String()
			if res.Op == sim.OpPrim {
				ts.What = sim.Prims[res.Prim].Name
			}
		}
		if res.Loc >= 0 && int(res.Loc) < len(m.Prog.Locs) {
			ts.Loc, ts.HasLoc = m.Prog.Locs[res.Loc], true
		}
		for _, e := range res.Events {
			if e.Kind == sim.EvWaitExpired {
				tr.Expiries++
				name := m.Prog.Waits[e.Val].Name
				seen := false
				for _, n := range tr.Expired {
					seen = seen || n == name
				}
				if !seen {
					tr.Expired = append(tr.Expired, name)
				}
			}
		}
		tr.Steps = append(tr.Steps, ts)
		last := i == len(actions)-1
		if last && !hang {
			if !violates(m, &p, st, &res) {
				return nil, fmt.Errorf("the last step does not violate %s", p.Name)
			}
			tr.Event = failingEvent(m, &p, st, &res)
			return tr, nil
		}
		if st.End != sim.Running {
			return nil, fmt.Errorf("step %d: the run ended (%v) before the trace did", i+1, st.End)
		}
	}
	if !hang {
		// violated before any step, while the CPUs reached their first visible action
		init := m.InitialStep()
		if !violates(m, &p, st, init) {
			return nil, fmt.Errorf("the initial state does not violate %s", p.Name)
		}
		tr.Steps = append(tr.Steps, TraceStep{Action: init.Action, What: "start", Events: init.Events})
		tr.Event = failingEvent(m, &p, st, init)
		return tr, nil
	}
	if end == endDeadlock && !m.Deadlocked(st) {
		return nil, fmt.Errorf("the run does not deadlock after the trace")
	}
	m.Hang(st, &res)
	tr.Hang, tr.Livelock = true, end == endLivelock
	if !violates(m, &p, st, &res) {
		return nil, fmt.Errorf("the deadlock does not violate %s", p.Name)
	}
	tr.Event = failingEvent(m, &p, st, &res)
	return tr, nil
}

func failingEvent(m *sim.Machine, p *Property, st *sim.State, res *sim.StepResult) sim.Event {
	v := sim.View{M: m, S: st}
	for i := range res.Events {
		ev := &res.Events[i]
		if p.At.has(ev.Kind) {
			v.Ev = ev
			if !p.Check(v) {
				return *ev
			}
		}
	}
	if p.At&AtEnd != 0 && st.End != sim.Running && len(res.Events) > 0 {
		return res.Events[len(res.Events)-1]
	}
	return sim.Event{}
}
