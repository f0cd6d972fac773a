package rules

import (
	"fmt"

	"github.com/patchcheck/patchcheck/parse"
	"github.com/patchcheck/patchcheck/semantics"
)

// VariantsOf turns the semantics of a series into the programs Evaluate runs.
func VariantsOf(res *semantics.Result) Variants {
	v := Variants{Identical: res.Identical}
	if res.Before != nil {
		v.Before = res.Before.Program
	}
	if res.After != nil {
		v.After = res.After.Program
	}
	for _, f := range res.Funcs {
		if f.Model != nil && !f.CommentOnly {
			v.Covered = true
		}
	}
	for _, p := range res.Unmodelled {
		v.Incomplete = append(v.Incomplete, p.String())
	}
	for _, c := range res.Unknown {
		v.Incomplete = append(v.Incomplete, fmt.Sprintf("%s:%d: call of %s, which no model covers", c.Loc.File, c.Loc.Line, c.Name))
	}
	return v
}

// Analyze builds the programs of s and, for a series of several patches, of
// every prefix 1..k, ready for Evaluate.
func Analyze(s *parse.Series, opts *semantics.Options) (Variants, []Variants, *semantics.Result, error) {
	res, err := semantics.Analyze(s, opts)
	if err != nil {
		return Variants{}, nil, nil, err
	}
	var steps []Variants
	if len(s.Patches) > 1 {
		for k := 1; k < len(s.Patches); k++ {
			prefix := &parse.Series{Cover: s.Cover, Patches: s.Patches[:k], Notices: s.Notices}
			r, err := semantics.Analyze(prefix, opts)
			if err != nil {
				return Variants{}, nil, nil, fmt.Errorf("after patch %d: %w", k, err)
			}
			steps = append(steps, VariantsOf(r))
		}
	}
	return VariantsOf(res), steps, res, nil
}
