package profile

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestQuantileFormExact: the precomputed inverse CDF returns the same bits
// as Dist.Quantile for every shape, at the ends, the split point of a
// triangle and random points, so that timed runs draw the same durations.
func TestQuantileFormExact(t *testing.T) {
	dists := []Dist{
		{Shape: Fixed, Min: 3e-9, Max: 3e-9},
		{Shape: Uniform, Min: 2e-9, Max: 150e-9},
		{Shape: Triangular, Min: 2e-9, Mode: 10e-9, Max: 150e-9},
		{Shape: Triangular, Min: 1e-6, Mode: 1e-6, Max: 4e-6},
		{Shape: Triangular, Min: 1e-6, Mode: 4e-6, Max: 4e-6},
		{Shape: Triangular, Min: 5e-6, Mode: 5e-6, Max: 5e-6},
		{Shape: LogUniform, Min: 1e-7, Max: 3e-3},
		{Shape: Choice, Min: 1, Max: 4, Values: []float64{1, 2, 4}},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, d := range dists {
		q := newQuantileForm(d)
		us := []float64{0, math.Copysign(0, -1), 1, -0.5, 1.5, math.Inf(1), math.Inf(-1), 0.5, q.split, math.Nextafter(q.split, 0), math.Nextafter(q.split, 1)}
		for range 10000 {
			us = append(us, r.Float64())
		}
		for _, u := range us {
			if got, want := q.at(u), directQuantile(d, u); math.Float64bits(got) != math.Float64bits(want) {
				t.Fatalf("%v %+v at u=%v: %v, Quantile %v", d.Shape, d, u, got, want)
			}
		}
	}
}

// directQuantile is the inverse CDF written out term by term, as the
// textbook gives it: the precomputed form must agree with it bit for bit.
func directQuantile(d Dist, u float64) float64 {
	u = math.Min(math.Max(u, 0), 1)
	switch d.Shape {
	case Uniform:
		return d.Min + u*(d.Max-d.Min)
	case Triangular:
		a, b, c := d.Min, d.Max, d.Mode
		if b == a {
			return a
		}
		if u < (c-a)/(b-a) {
			return a + math.Sqrt(u*(b-a)*(c-a))
		}
		return b - math.Sqrt((1-u)*(b-a)*(b-c))
	case LogUniform:
		return math.Exp(math.Log(d.Min) + u*(math.Log(d.Max)-math.Log(d.Min)))
	case Choice:
		i := int(u * float64(len(d.Values)))
		if i >= len(d.Values) {
			i = len(d.Values) - 1
		}
		return d.Values[i]
	}
	return d.Min
}

// TestDrawUsesQuantile: a Set's per-event draw is the parameter's quantile
// at the number drawn, for every parameter of the built-in profile.
func TestDrawUsesQuantile(t *testing.T) {
	s := Default().Sample(rand.New(rand.NewPCG(7, 7)))
	for id := range NumParams {
		if !s.PerEvent(id) {
			continue
		}
		a, b := rand.New(rand.NewPCG(3, uint64(id))), rand.New(rand.NewPCG(3, uint64(id)))
		for range 1000 {
			if got, want := s.Draw(id, a), s.Dist(id).Quantile(b.Float64()); math.Float64bits(got) != math.Float64bits(want) {
				t.Fatalf("param %d: Draw %v, Quantile %v", id, got, want)
			}
		}
	}
}
