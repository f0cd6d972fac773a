package rules

import (
	"fmt"
	"math/bits"
	"regexp"
	"strings"

	"github.com/patchcheck/patchcheck/sim"
)

// eventKinds maps the pack's event names to the machine's.
var eventKinds = map[string]sim.EventKind{
	"relocate": sim.EvRelocate,
	"cpu_off":  sim.EvCPUOff,
	"bug":      sim.EvBug,
	"panic":    sim.EvPanic,
	"warn":     sim.EvWarn,
}

// NewEnv builds the expression environment of a machine state seen at an
// event (name is the pack's event name; v.Ev the machine's event, nil for
// "step").
func NewEnv(v sim.View, name string) *Env { return newEnv(v, name, true, true) }

// newEnv builds the environment; the globals and per-CPU maps are built
// only when asked (they are the allocations per check that scale with the
// program).
func newEnv(v sim.View, name string, globals, percpu bool) *Env {
	return fillEnv(&Env{}, v, name, globals, percpu)
}

// fillEnv builds the environment in env, reusing its CPU slice and maps:
// a predicate checks one state after another and the expression keeps
// nothing of the environment, so one buffer per predicate serves every
// check (a new environment per check was the explorer's largest
// allocation).
func fillEnv(env *Env, v sim.View, name string, globals, percpu bool) *Env {
	n := v.NumCPUs()
	cpus, gl := env.CPUs, env.Globals
	if cap(cpus) < n {
		cpus = make([]CPUEnv, n)
	}
	cpus = cpus[:n]
	*env = Env{Event: name, Online: v.NumOnline(), Outcome: v.End().String(), Relocated: v.End() == sim.Relocated,
		CPUs: cpus}
	for c := 0; c < n; c++ {
		vars := env.CPUs[c].PerCPU
		env.CPUs[c] = cpuEnv(v, c)
		if percpu && len(v.M.Prog.PerCPU) > 0 {
			if vars == nil {
				vars = make(map[string]int64, len(v.M.Prog.PerCPU))
			}
			clear(vars)
			for _, g := range v.M.Prog.PerCPU {
				if x, ok := v.PerCPU(g.Name, c); ok {
					vars[g.Name] = signed(x, g.Type)
				}
			}
			env.CPUs[c].PerCPU = vars
		}
	}
	env.Boot = env.CPUs[0]
	env.Secondaries = env.CPUs[1:]
	env.CPU = env.Boot
	if ev := v.Event(); ev != nil && int(ev.CPU) >= 0 && int(ev.CPU) < n {
		env.CPU = env.CPUs[ev.CPU]
		if ev.Kind == sim.EvCPUOff {
			// The facts at the call, which the step may since have changed.
			env.CPU.Context = ev.Ctx.String()
			env.CPU.IRQsMigrated = !ev.Routed
			env.CPU.IRQsMasked = ev.Masked
			env.CPU.Online = ev.Online
		}
	}
	if globals && len(v.M.Prog.Globals) > 0 {
		if gl == nil {
			gl = make(map[string]int64, len(v.M.Prog.Globals))
		}
		clear(gl)
		env.Globals = gl
		for i, g := range v.M.Prog.Globals {
			env.Globals[g.Name] = signed(v.S.Globals[i], g.Type)
		}
	}
	return env
}

func signed(x uint64, t sim.Type) int64 {
	if t.Signed && t.Bits < 64 && t.Bits > 0 {
		shift := 64 - uint(t.Bits)
		return int64(x<<shift) >> shift
	}
	return int64(x)
}

func cpuEnv(v sim.View, c int) CPUEnv {
	ce := CPUEnv{ID: c, Boot: c == 0, Online: v.Online(c), Power: v.PSCI(c).String(), Exec: v.Exec(c).String(),
		Context: v.Context(c).String(), IRQsMasked: v.IRQsMasked(c), IRQsMigrated: !v.IRQRouted(c),
		Pending: bits.OnesCount8(v.Pending(c))}
	if c < len(v.S.CPUs) {
		if fr := v.S.CPUs[c].Frames; len(fr) > 0 {
			if f := fr[len(fr)-1].Func; f >= 0 && int(f) < len(v.M.Prog.Funcs) {
				ce.Func = v.M.Prog.Funcs[f].Name
			}
		}
	}
	return ce
}

var namesCPUsRE = regexp.MustCompile(`\b(?:cpus|secondaries)\s*\[|\.id\b|\bcpu\.id\b`)

// Predicate compiles r into a check of a machine state for prog: it returns
// the machine event kinds (or AtStep/AtEnd through step/end) to check at and
// a function of a View. For call:FUNC the check is vacuous at calls of other
// functions, and for a FUNC prog does not have, everywhere.
func (r *PropertyRule) Predicate(prog *sim.Program) (kind sim.EventKind, step, end bool, check func(sim.View) bool, err error) {
	usesGlobals := strings.Contains(r.Expr, "globals")
	usesPerCPU := strings.Contains(r.Expr, "percpu")
	// One environment per predicate, refilled for every check: the
	// explorer checks the states of one exploration one after another.
	env := &Env{}
	eval := func(v sim.View, name string) bool {
		if o := v.End(); o == sim.Unknown || o == sim.Failed {
			// A run that reached an unmodelled function or an instruction
			// the machine cannot run says nothing about the property; the
			// explorer reports such runs and the verdict is inconclusive.
			return true
		}
		ok, e := r.Check(fillEnv(env, v, name, usesGlobals, usesPerCPU))
		if e != nil {
			// A runtime error of the expression (e.g. indexing past the
			// CPUs) is reported as a violation with the message; the pack
			// author sees it in the reason.
			return false
		}
		return ok
	}
	switch {
	case r.At == "step":
		return sim.EvNone, true, false, func(v sim.View) bool { return eval(v, "step") }, nil
	case r.At == "end":
		return sim.EvNone, false, true, func(v sim.View) bool { return eval(v, "end") }, nil
	case strings.HasPrefix(r.At, "call:"):
		fn := prog.FuncIndex(strings.TrimPrefix(r.At, "call:"))
		return sim.EvCall, false, false, func(v sim.View) bool {
			ev := v.Event()
			if fn < 0 || ev == nil || ev.Kind != sim.EvCall || ev.Val != int64(fn) {
				return true
			}
			return eval(v, r.At)
		}, nil
	}
	k, ok := eventKinds[r.At]
	if !ok {
		return 0, false, false, nil, fmt.Errorf("%s: property %s: event %q is not checked by the explorer", r.Pos, r.ID, r.At)
	}
	return k, false, false, func(v sim.View) bool { return eval(v, r.At) }, nil
}

// NamesCPUs reports whether the expression refers to particular CPUs by id,
// which makes symmetry reduction over secondaries unsound.
func (r *PropertyRule) NamesCPUs() bool { return namesCPUsRE.MatchString(r.Expr) }
