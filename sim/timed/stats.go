package timed

import (
	"math"
	"slices"
)

// Distribution summarises a metric over Monte Carlo runs, in seconds. Its
// fields and JSON names match the report's Distribution.
type Distribution struct {
	P5     float64 `json:"p5"`
	Median float64 `json:"median"`
	P95    float64 `json:"p95"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	Runs   int     `json:"runs"`
	Never  int     `json:"never"` // runs in which the metric's event never happened
}

// Summarise builds a Distribution from the values of the runs in which the
// event happened and the number of runs in which it did not. Quantiles
// interpolate linearly between order statistics (R's type 7), so they are
// a deterministic function of the values. When no run reached the event the
// quantiles are 0 and Never = Runs (JSON has no NaN).
func Summarise(values []float64, never int) Distribution {
	d := Distribution{Runs: len(values) + never, Never: never}
	if len(values) == 0 {
		return d
	}
	v := slices.Clone(values)
	slices.Sort(v)
	d.Min, d.Max = v[0], v[len(v)-1]
	d.P5, d.Median, d.P95 = quantile(v, 0.05), quantile(v, 0.5), quantile(v, 0.95)
	return d
}

func quantile(sorted []float64, q float64) float64 {
	h := q * float64(len(sorted)-1)
	i := int(math.Floor(h))
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[i] + (h-float64(i))*(sorted[i+1]-sorted[i])
}
