package profile

import (
	"math"
	"slices"
	"testing"
)

func TestQuantile(t *testing.T) {
	tests := []struct {
		d    Dist
		u    float64
		want float64
	}{
		{Dist{Shape: Fixed, Min: 3, Max: 3}, 0.7, 3},
		{Dist{Shape: Uniform, Min: 1, Max: 3}, 0.25, 1.5},
		{Dist{Shape: Triangular, Min: 0, Mode: 1, Max: 2}, 0.5, 1},
		{Dist{Shape: Triangular, Min: 0, Mode: 0, Max: 1}, 0.75, 0.5},
		{Dist{Shape: LogUniform, Min: 1, Max: 100}, 0.5, 10},
		{Dist{Shape: Choice, Values: []float64{1, 2, 4}}, 0.5, 2},
		{Dist{Shape: Choice, Values: []float64{1, 2, 4}}, 1, 4},
		{Dist{Shape: Uniform, Min: 1, Max: 3}, 1.5, 3}, // clamped
	}
	for _, tt := range tests {
		if got := tt.d.Quantile(tt.u); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("%v.Quantile(%v) = %v, want %v", tt.d, tt.u, got, tt.want)
		}
	}
}

// The analytic maximum of k draws has the distribution of the maximum of k
// explicit draws: compare quantiles of both over many samples.
func TestMaxOfMatchesExplicitDraws(t *testing.T) {
	d := Dist{Shape: LogUniform, Min: 10e-6, Max: 5e-3}
	const k, n, p = 16, 20000, 0.2
	r := NewRand(11, 0)
	analytic := make([]float64, n)
	explicit := make([]float64, n)
	for i := range n {
		analytic[i] = MaxOfMixture(p, d, k, r)
		m := 0.0
		for range k {
			if r.Float64() < p {
				m = math.Max(m, d.Draw(r))
			}
		}
		explicit[i] = m
	}
	slices.Sort(analytic)
	slices.Sort(explicit)
	for _, q := range []float64{0.1, 0.5, 0.9} {
		a, e := analytic[int(q*n)], explicit[int(q*n)]
		if math.Abs(math.Log(a/e)) > 0.1 {
			t.Errorf("q%v: analytic %v, explicit %v", q, a, e)
		}
	}
	// P(max = 0) = (1-p)^k
	zeros := 0
	for _, v := range analytic {
		if v == 0 {
			zeros++
		}
	}
	if want := math.Pow(1-p, k) * n; math.Abs(float64(zeros)-want) > 4*math.Sqrt(want) {
		t.Errorf("%d zero maxima, want about %.0f", zeros, want)
	}
}

func TestMaxOfGrowsWithK(t *testing.T) {
	d := Dist{Shape: Uniform, Min: 0, Max: 1}
	r1, r2 := NewRand(5, 0), NewRand(5, 0)
	for range 100 {
		// Same uniform number: the maximum of more draws is never smaller.
		if a, b := d.MaxOf(2, r1), d.MaxOf(64, r2); b < a {
			t.Fatalf("max of 64 (%v) < max of 2 (%v)", b, a)
		}
	}
	if got := d.MaxOf(0, r1); got != 0 {
		t.Errorf("max of no draws = %v", got)
	}
}

func TestMean(t *testing.T) {
	r := NewRand(9, 9)
	for _, d := range []Dist{
		{Shape: Uniform, Min: 1, Max: 3},
		{Shape: Triangular, Min: 0, Mode: 1, Max: 5},
		{Shape: LogUniform, Min: 1e-6, Max: 1e-3},
		{Shape: Choice, Values: []float64{1, 2, 9}},
		{Shape: Fixed, Min: 4, Max: 4},
	} {
		const n = 200000
		s := 0.0
		for range n {
			s += d.Draw(r)
		}
		if got, want := s/n, d.Mean(); math.Abs(got-want) > 0.01*want {
			t.Errorf("%v: sample mean %v, Mean %v", d.Shape, got, want)
		}
	}
}
