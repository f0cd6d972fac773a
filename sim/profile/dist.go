package profile

import (
	"math"
	"math/rand/v2"
)

// Shape is the shape of a parameter's distribution over its range.
type Shape uint8

const (
	Fixed      Shape = iota // always Min (= Max)
	Uniform                 // uniform on [Min, Max]
	Triangular              // triangular on [Min, Max] with its mode at Typical
	LogUniform              // uniform in log scale on [Min, Max], Min > 0 (for ranges spanning decades)
	Choice                  // one of Values, each equally likely
)

var shapeNames = [...]string{Fixed: "fixed", Uniform: "uniform", Triangular: "triangular", LogUniform: "loguniform", Choice: "choice"}

func (s Shape) String() string {
	if int(s) < len(shapeNames) {
		return shapeNames[s]
	}
	return "shape?"
}

// Dist is a distribution over a closed range, in SI units. Every shape has a
// closed-form inverse CDF (Quantile), so that the maximum of k independent
// draws costs one draw: max of k draws of F is F⁻¹(U^(1/k)).
type Dist struct {
	Shape  Shape
	Min    float64
	Mode   float64   // the mode of a Triangular; otherwise the typical value when TypicalSet
	Max    float64   // = Min for Fixed
	Values []float64 // Choice only, ascending
	// TypicalSet says Mode holds a stated typical value.
	TypicalSet bool
}

// Quantile is the inverse CDF at u in [0, 1].
func (d Dist) Quantile(u float64) float64 {
	q := newQuantileForm(d)
	return q.at(u)
}

// Typical is the value a single deterministic evaluation uses: the stated
// typical value (the mode of a triangular distribution), else the median.
func (d Dist) Typical() float64 {
	if d.Shape == Triangular || d.TypicalSet {
		return d.Mode
	}
	return d.Quantile(0.5)
}

// Mean is the distribution's expected value.
func (d Dist) Mean() float64 {
	switch d.Shape {
	case Uniform:
		return (d.Min + d.Max) / 2
	case Triangular:
		return (d.Min + d.Mode + d.Max) / 3
	case LogUniform:
		if d.Max == d.Min {
			return d.Min
		}
		return (d.Max - d.Min) / (math.Log(d.Max) - math.Log(d.Min))
	case Choice:
		s := 0.0
		for _, v := range d.Values {
			s += v
		}
		return s / float64(len(d.Values))
	}
	return d.Min
}

// Draw draws one value.
func (d Dist) Draw(r *rand.Rand) float64 {
	if d.Shape == Fixed {
		return d.Min
	}
	return d.Quantile(r.Float64())
}

// MaxOf draws the maximum of k independent draws with one random number.
// The maximum of no draws is 0.
func (d Dist) MaxOf(k int, r *rand.Rand) float64 {
	return MaxOfMixture(1, d, k, r)
}

// MaxOfMixture draws the maximum of k independent draws of a variable that
// is 0 with probability 1-p and distributed as d with probability p: the
// time until the last of k busy CPUs leaves a section it is inside with
// probability p. Its CDF is F(x) = (1-p) + p·D(x), so the maximum's quantile
// at v = U^(1/k) is 0 when v ≤ 1-p and D⁻¹((v-(1-p))/p) above.
//
// It always consumes exactly one number from r.
func MaxOfMixture(p float64, d Dist, k int, r *rand.Rand) float64 {
	u := r.Float64()
	if k <= 0 || p <= 0 {
		return 0
	}
	v := u
	if k > 1 {
		v = math.Pow(u, 1/float64(k))
	}
	if p >= 1 {
		return d.Quantile(v)
	}
	if v <= 1-p {
		return 0
	}
	return d.Quantile((v - (1 - p)) / p)
}
