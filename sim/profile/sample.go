package profile

import "math/rand/v2"

// NewRand returns the generator a run uses: PCG seeded with seed and a
// stream number, so that independent streams of one seed (the parameter
// sample of run i, the event draws of run i) do not overlap. No global
// generator is ever used.
func NewRand(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream))
}

// Set is one concrete parameter set: a value for every per-run parameter and
// a distribution for every per-event parameter, in SI units (seconds, Hz,
// ratios, characters, levels, baud).
type Set struct {
	Profile *Profile
	val     [NumParams]float64
	dist    [NumParams]Dist
	event   [NumParams]bool
	// quant are the per-event parameters' inverse CDFs with their
	// constant terms computed once (quantileForm).
	quant [NumParams]quantileForm
}

// Sample draws a Set from the profile's ranges. Every parameter consumes
// exactly one number from r, whatever its shape, so that changing one
// parameter's range leaves the draws of all others unchanged (common random
// numbers: the comparison of two profiles is not blurred by resampling).
func (p *Profile) Sample(r *rand.Rand) *Set {
	return p.build(func(d Dist) float64 { return d.Quantile(r.Float64()) })
}

// Typical is the Set of typical values: the stated typical value of each
// parameter, or its median.
func (p *Profile) Typical() *Set {
	return p.build(Dist.Typical)
}

func (p *Profile) build(pick func(Dist) float64) *Set {
	s := &Set{Profile: p}
	jiffy := 0.0
	for id := range NumParams {
		prm := &p.Params[id]
		d := prm.dist(jiffy)
		s.dist[id] = d
		s.event[id] = prm.PerEvent
		if prm.PerEvent {
			s.quant[id] = newQuantileForm(d)
		}
		s.val[id] = pick(d)
		if id == HZ {
			jiffy = 1 / s.val[HZ]
		}
	}
	return s
}

// Value is a parameter's value in this set: the run's value, or for a
// per-event parameter the value picked for the run (used where a single
// number is needed, e.g. to describe the set).
func (s *Set) Value(id ID) float64 { return s.val[id] }

// PerEvent says the parameter is drawn afresh at each use.
func (s *Set) PerEvent(id ID) bool { return s.event[id] }

// Dist is the distribution a per-event parameter is drawn from. For a
// per-run parameter it is the fixed run value.
func (s *Set) Dist(id ID) Dist {
	if s.event[id] {
		return s.dist[id]
	}
	return Dist{Shape: Fixed, Min: s.val[id], Max: s.val[id]}
}

// Draw returns the parameter's value for one use: a fresh draw for a
// per-event parameter, the run's value otherwise. It consumes one number from
// r in either case, so the stream does not depend on the profile's choices.
func (s *Set) Draw(id ID, r *rand.Rand) float64 {
	u := r.Float64()
	if s.event[id] {
		return s.quant[id].at(u)
	}
	return s.val[id]
}

// DrawMax returns the maximum of k uses of the parameter with one number
// from r (see Dist.MaxOf). For a per-run parameter it is the run's value.
func (s *Set) DrawMax(id ID, k int, r *rand.Rand) float64 {
	return s.Dist(id).MaxOf(k, r)
}

// Jiffy is the length of one jiffy in seconds.
func (s *Set) Jiffy() float64 { return 1 / s.val[HZ] }

// With returns a copy of s with a parameter fixed to v (SI units), for
// sensitivity studies and tests.
func (s *Set) With(id ID, v float64) *Set {
	c := *s
	c.val[id] = v
	c.event[id] = false
	return &c
}

// Mean is the expected value of one use of the parameter: the distribution's
// mean for a per-event parameter, the run's value otherwise.
func (s *Set) Mean(id ID) float64 {
	if s.event[id] {
		return s.dist[id].Mean()
	}
	return s.val[id]
}
