package profile

import "math"

// quantileForm is a Dist's inverse CDF with every term that does not depend
// on u computed once (the logarithms of a LogUniform's ends, a Triangular's
// split point and side lengths). A per-event parameter's Draw runs at every
// visible step of a timed run, so these are taken out of the step's cost.
// Dist.Quantile is newQuantileForm(d).at(u): one formula for both.
type quantileForm struct {
	shape         Shape
	min, max      float64
	mode          float64
	span          float64 // max-min
	modeLo        float64 // mode-min
	hiMode        float64 // max-mode
	split         float64 // (mode-min)/(max-min), Triangular
	logMin, logSp float64 // log(min), log(max)-log(min), LogUniform
	values        []float64
}

func newQuantileForm(d Dist) quantileForm {
	q := quantileForm{shape: d.Shape, min: d.Min, max: d.Max, mode: d.Mode, values: d.Values,
		span: d.Max - d.Min, modeLo: d.Mode - d.Min, hiMode: d.Max - d.Mode}
	switch d.Shape {
	case Triangular:
		if d.Max != d.Min {
			q.split = (d.Mode - d.Min) / (d.Max - d.Min)
		}
	case LogUniform:
		q.logMin = math.Log(d.Min)
		q.logSp = math.Log(d.Max) - math.Log(d.Min)
	}
	return q
}

// at is the u-quantile.
func (q *quantileForm) at(u float64) float64 {
	// u clamped to [0, 1] as math.Min(math.Max(u, 0), 1) does (-0 becomes
	// +0, NaN stays NaN) by comparisons: this runs once per visible step of
	// every timed run, and the math calls were a third of its cost.
	switch {
	case u > 0 && u <= 1:
	case u > 1:
		u = 1
	case u <= 0:
		u = 0
	}
	switch q.shape {
	case Uniform:
		return q.min + u*q.span
	case Triangular:
		if q.max == q.min {
			return q.min
		}
		if u < q.split {
			return q.min + math.Sqrt(u*q.span*q.modeLo)
		}
		return q.max - math.Sqrt((1-u)*q.span*q.hiMode)
	case LogUniform:
		return math.Exp(q.logMin + u*q.logSp)
	case Choice:
		i := int(u * float64(len(q.values)))
		if i >= len(q.values) {
			i = len(q.values) - 1
		}
		return q.values[i]
	}
	return q.min
}
