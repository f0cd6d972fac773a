// Package profile reads timing profiles: the latencies and costs that the
// timed engine prices a simulated run with.
//
// A profile gives every parameter (see Specs) a range in a unit, a shape over
// that range, and either a source (a citation of a published figure or of the
// kernel or firmware code that fixes the value) or an explicit assumption with
// its reason. A profile also lists the published figures it was calibrated on,
// so that a report can say which claims it cannot independently check.
//
// A run samples a concrete parameter Set from the ranges with a seeded
// generator: parameters that vary per run get one value, parameters that vary
// per event are drawn afresh each time the engine uses them.
//
//	name: generic-arm64-server
//	calibrated_on:
//	  - "QEMU 7.2 TCG, per-CPU hotplug breakdown: synchronize_rcu step 12.6–15.5 ms"
//	params:
//	  rcu_gp_idle:
//	    unit: ms
//	    min: 12.6
//	    max: 15.5
//	    vary: event
//	    source: "QEMU 7.2 TCG measurement ..."
//	  wfi_wakeup:
//	    unit: us
//	    min: 1
//	    max: 200
//	    shape: loguniform
//	    vary: event
//	    assumption: true
//	    reason: "shallow WFI to PSCI CPU_SUSPEND exit latencies"
package profile

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Pos is a position in a profile file.
type Pos struct {
	File string
	Line int // 1-based; 0 when unknown
}

func (p Pos) String() string {
	if p.Line > 0 {
		return p.File + ":" + strconv.Itoa(p.Line)
	}
	return p.File
}

// Profile is a validated timing profile.
type Profile struct {
	Name        string
	Description string
	File        string // the path it was read from, or "builtin:<name>"
	Extends     string // the builtin profile it takes unspecified parameters from
	// CalibratedOn lists the published figures the profile's values were
	// fitted to. Claims that restate one of them cannot be checked with it.
	CalibratedOn []string
	Params       [NumParams]Param
}

// Param is one parameter as the profile states it.
type Param struct {
	ID      ID
	Unit    string    // as written: s, ms, us, ns, jiffies, Hz, ratio, factor, chars, count, level, baud, bool
	Min     float64   // in Unit
	Typical float64   // in Unit; meaningful when HasTypical
	Max     float64   // in Unit
	Values  []float64 // in Unit, for Shape Choice, as written
	Shape   Shape
	// HasTypical says a typical value was given: the mode of a triangular
	// distribution, or the value deterministic evaluations use.
	HasTypical bool
	PerEvent   bool // drawn afresh at every use, instead of once per run
	Source     string
	Assumption bool
	Reason     string // why the assumption is reasonable
	Note       string
	Pos        Pos
	From       string // name of the profile that set it (differs from the profile's own name when inherited)
}

// Cite says where the parameter's value comes from, for reports.
func (p *Param) Cite() string {
	if p.Assumption {
		return "assumption: " + p.Reason
	}
	return "source: " + p.Source
}

// Range renders the range in its unit, e.g. "12.6–15.5 ms" or "250 Hz".
func (p *Param) Range() string {
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	switch {
	case p.Shape == Choice:
		s := make([]string, len(p.Values))
		for i, v := range p.Values {
			s[i] = f(v)
		}
		return "{" + strings.Join(s, ", ") + "} " + p.Unit
	case p.Min == p.Max:
		return f(p.Min) + " " + p.Unit
	}
	return f(p.Min) + "–" + f(p.Max) + " " + p.Unit
}

// unitScale converts a unit to the SI unit of its dimension. Jiffies are
// durations whose scale is 1/HZ of the same sample (scale 0 here).
var units = map[string]struct {
	dim   Dim
	scale float64
}{
	"s":       {DimDuration, 1},
	"ms":      {DimDuration, 1e-3},
	"us":      {DimDuration, 1e-6},
	"µs":      {DimDuration, 1e-6},
	"ns":      {DimDuration, 1e-9},
	"jiffies": {DimDuration, 0},
	"Hz":      {DimFrequency, 1},
	"ratio":   {DimRatio, 1},
	"chars":   {DimCount, 1},
	"count":   {DimCount, 1},
	"level":   {DimLevel, 1},
	"baud":    {DimBaud, 1},
	"bool":    {DimBool, 1},
	"factor":  {DimFactor, 1},
}

func unitsFor(d Dim) []string {
	var u []string
	for name, x := range units {
		if x.dim == d {
			u = append(u, name)
		}
	}
	slices.Sort(u)
	return u
}

// dist is the parameter's distribution in SI units; jiffy is the length of
// one jiffy in seconds for parameters written in jiffies.
func (p *Param) dist(jiffy float64) Dist {
	scale := units[p.Unit].scale
	if p.Unit == "jiffies" {
		scale = jiffy
	}
	d := Dist{Shape: p.Shape, Min: p.Min * scale, Max: p.Max * scale, Mode: p.Typical * scale, TypicalSet: p.HasTypical}
	if p.Shape == Choice {
		d.Values = make([]float64, len(p.Values))
		for i, v := range p.Values {
			d.Values[i] = v * scale
		}
		slices.Sort(d.Values)
	}
	return d
}

// check validates a parameter against its spec. Errors are reported at the
// parameter's position.
func (p *Param) check() []string {
	spec := Specs[p.ID]
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	u, ok := units[p.Unit]
	switch {
	case p.Unit == "":
		bad("%s: missing unit (a %s: one of %s)", spec.Name, spec.Dim, strings.Join(unitsFor(spec.Dim), ", "))
	case !ok:
		bad("%s: unknown unit %q (a %s: one of %s)", spec.Name, p.Unit, spec.Dim, strings.Join(unitsFor(spec.Dim), ", "))
	case u.dim != spec.Dim:
		bad("%s: unit %q is a %s, but %s is a %s (use one of %s)", spec.Name, p.Unit, u.dim, spec.Name, spec.Dim, strings.Join(unitsFor(spec.Dim), ", "))
	}
	vals := []float64{p.Min, p.Max}
	if p.Shape == Choice {
		vals = p.Values
	}
	if p.HasTypical {
		vals = append(slices.Clip(vals), p.Typical)
	}
	for _, v := range vals {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			bad("%s: value %v is not a finite number", spec.Name, v)
			return errs
		}
	}
	if p.Shape != Choice && p.Min > p.Max {
		bad("%s: inverted range: min %v > max %v", spec.Name, p.Min, p.Max)
	}
	for _, v := range vals {
		switch {
		case v < 0 && spec.Dim == DimDuration:
			bad("%s: negative duration %v %s", spec.Name, v, p.Unit)
		case v < 0:
			bad("%s: negative %s %v", spec.Name, spec.Dim, v)
		case v == 0 && (spec.Dim == DimFrequency || spec.Dim == DimBaud):
			bad("%s: a %s must be positive", spec.Name, spec.Dim)
		case v > 1 && (spec.Dim == DimRatio || spec.Dim == DimBool):
			bad("%s: %v is not a %s (must be in [0, 1])", spec.Name, v, spec.Dim)
		case spec.Dim == DimBool && v != 0 && v != 1:
			bad("%s: %v is not a boolean (0 or 1)", spec.Name, v)
		case spec.Dim == DimLevel && (v != math.Trunc(v) || v > 15):
			bad("%s: %v is not a log level (an integer 0..15)", spec.Name, v)
		default:
			continue
		}
		break
	}
	if p.HasTypical && p.Shape != Choice && (p.Typical < p.Min || p.Typical > p.Max) {
		bad("%s: typical %v outside [min %v, max %v]", spec.Name, p.Typical, p.Min, p.Max)
	}
	switch p.Shape {
	case Triangular:
		if !p.HasTypical {
			bad("%s: a triangular shape needs a typical value (its mode)", spec.Name)
		}
	case LogUniform:
		if p.Min <= 0 {
			bad("%s: a loguniform shape needs min > 0", spec.Name)
		}
	case Fixed:
		if p.Min != p.Max {
			bad("%s: a fixed shape needs min = max", spec.Name)
		}
	case Choice:
		if len(p.Values) == 0 {
			bad("%s: a choice needs values", spec.Name)
		}
		if p.HasTypical && !slices.Contains(p.Values, p.Typical) {
			bad("%s: typical %v is not one of the values", spec.Name, p.Typical)
		}
	}
	switch {
	case p.Assumption && p.Source != "":
		bad("%s: both a source and assumption: true; a value is either cited or assumed", spec.Name)
	case p.Assumption && strings.TrimSpace(p.Reason) == "":
		bad("%s: assumption: true needs a reason", spec.Name)
	case !p.Assumption && strings.TrimSpace(p.Source) == "":
		bad("%s: no source; cite where the value comes from, or label it assumption: true with a reason", spec.Name)
	case !p.Assumption && p.Reason != "":
		bad("%s: reason is for assumptions; a sourced value cites its source (use note for remarks)", spec.Name)
	}
	return errs
}
