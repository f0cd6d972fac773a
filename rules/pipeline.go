package rules

import (
	"fmt"
	"path"
	"strings"

	"github.com/patchcheck/patchcheck/parse"
	"github.com/patchcheck/patchcheck/semantics"
	"github.com/patchcheck/patchcheck/semantics/compile"
	"github.com/patchcheck/patchcheck/semantics/models"
	"github.com/patchcheck/patchcheck/sim/profile"
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
		if f.Model != nil {
			v.OnPath = true
			if !f.CommentOnly {
				v.Covered = true
			}
		}
	}
	for _, p := range res.Unmodelled {
		v.Incomplete = append(v.Incomplete, p.String())
	}
	v.NotApplied = res.NotApplied
	for _, c := range res.Unknown {
		v.Incomplete = append(v.Incomplete, fmt.Sprintf("%s:%d: call of %s, which no model covers", c.Loc.File, c.Loc.Line, c.Name))
	}
	return v
}

// Analyze builds the programs of s and, for a series of several patches, of
// every prefix 1..k, ready for Evaluate.
func Analyze(s *parse.Series, opts *semantics.Options) (Variants, []Variants, *semantics.Result, error) {
	var o semantics.Options
	if opts != nil {
		o = *opts
	}
	if o.Parsed == nil && len(s.Patches) > 1 {
		// The prefixes have most files alike: parse each once.
		o.Parsed = compile.NewParseCache()
	}
	opts = &o
	res, err := semantics.Analyze(s, opts)
	if err != nil {
		return Variants{}, nil, nil, err
	}
	var steps []Variants
	if len(s.Patches) > 1 {
		for k := 1; k < len(s.Patches); k++ {
			if k > 1 && k-1 < len(res.Patches) && neutral(res.Patches[k-1]) {
				// Patch k changes nothing the models cover: the programs
				// after it are those after patch k-1.
				steps = append(steps, steps[k-2])
				continue
			}
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

// neutral reports whether a patch leaves the modelled programs as they are:
// it touches no file the library models, no function of it is covered, and
// it defines nothing the models define.
func neutral(pc *semantics.PatchChanges) bool {
	for _, f := range pc.Files {
		if f.Modelled {
			return false
		}
		for _, fn := range f.Funcs {
			if fn.Status != semantics.NotCovered {
				return false
			}
		}
		for _, o := range f.Other {
			if len(o.Uses) > 0 {
				return false
			}
		}
	}
	return true
}

// Describe fills the report's view of what the patch touches and what the
// models could take in: Functions (per patch), Models (baseline, unknown
// callees, unmodelled functions, drift).
func Describe(res *semantics.Result, lib *models.Library) ([]Function, Models) {
	fns := []Function{}
	for pi, pc := range res.Patches {
		idx := pi + 1
		if pc.Patch != nil && pc.Patch.Index > 0 {
			idx = pc.Patch.Index
		}
		for _, fc := range pc.Files {
			for _, f := range fc.Funcs {
				fn := Function{Patch: idx, File: fc.Path, Name: f.Name, Change: f.Kind.String(), Line: f.Line,
					Modelled: f.Model != nil && f.Status == semantics.Applied}
				switch {
				case f.Status == semantics.NotCovered:
					fn.Note = "no model covers " + fc.Path + ":" + orDash(f.Name)
				case f.Status == semantics.Unmodelled:
					fn.Note = f.Reason
				case f.CommentOnly:
					fn.Note = "comment-only change"
				}
				fns = append(fns, fn)
			}
			for _, o := range fc.Other {
				line := o.Line.New
				if line == 0 {
					line = o.Line.Old
				}
				fns = append(fns, Function{Patch: idx, File: fc.Path, Change: "outside-function", What: o.Kind.String(),
					Line: line, Note: o.Note})
			}
		}
	}
	m := Models{Baseline: baseline(lib), UnknownCallees: []UnknownCallee{}, Unmodelled: []Unmodelled{}}
	for _, c := range res.Unknown {
		m.UnknownCallees = append(m.UnknownCallees, UnknownCallee{Name: c.Name, File: c.Loc.File, Line: c.Loc.Line, Handled: "inconclusive"})
	}
	for _, p := range res.Unmodelled {
		m.Unmodelled = append(m.Unmodelled, Unmodelled{Name: p.Func, File: p.File, Line: p.Line, Reason: p.Reason})
	}
	for _, d := range res.Drift {
		m.Drift = append(m.Drift, Drift{File: d.File, Name: d.Func, Message: d.Kind + ": " + d.Msg})
	}
	if b := res.Baseline; b != nil {
		m.Source = &BaselineSource{Kind: b.Source, Tree: b.Tree, Version: b.Version, Commit: b.Commit, How: b.How, Guess: b.Guess}
		if b.Source == "tree" {
			m.Baseline = treeBaseline(b, res)
			for _, f := range b.Funcs {
				m.Functions = append(m.Functions, PathFunction{Name: f.Name, File: f.File, Line: f.Line, Origin: string(f.Origin), Why: f.Why})
			}
		}
	}
	return fns, m
}

// treeBaseline names the tree, its version and the base: the commit of a
// git tree, or the blobs of the files the first patch changes.
func treeBaseline(b *semantics.Baseline, res *semantics.Result) string {
	s := "linux " + orDash(b.Version) + " from tree " + b.Tree
	if b.Commit != "" {
		s += " at " + b.Commit[:min(12, len(b.Commit))] + " (" + b.How + ")"
	} else if len(res.Patches) > 0 {
		var blobs []string
		for _, fc := range res.Patches[0].Files {
			if fc.OldBlob != "" {
				blobs = append(blobs, path.Base(fc.Path)+" "+fc.OldBlob)
			}
		}
		s += " (" + b.How
		if len(blobs) > 0 {
			s += "; the patch's blobs " + strings.Join(blobs, ", ")
		}
		s += ")"
	}
	if b.Guess {
		s += "; the base is a guess: the tree does not have the patch's pre-image blobs"
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// baseline names the kernel files the model library restates, by blob.
func baseline(lib *models.Library) string {
	if lib == nil {
		lib = models.Default()
	}
	version := ""
	var blobs []string
	for _, f := range lib.Files {
		if f.Version != "" && version == "" {
			version = f.Version
		}
		if f.Blob != "" {
			blobs = append(blobs, path.Base(f.Path)+" "+f.Blob)
		}
	}
	s := "linux " + orDash(version)
	if len(blobs) > 0 {
		s += " (" + strings.Join(blobs, ", ") + ")"
	}
	return s
}

// Options configure Check.
type Options struct {
	Pack      *Pack            // DefaultPack() when nil
	Profile   *profile.Profile // profile.Default() when nil
	Seed      int64
	Budget    Budget
	Semantics *semantics.Options
	Engines   Engines // SimEngines{} when nil
	// Plots computes what the HTML report draws (EvalInput.Plots).
	Plots bool
	// PseudoNMI boots every machine with pseudo-NMI (EvalInput.PseudoNMI).
	PseudoNMI bool
}

// Check is the whole evaluation of a parsed series: the programs from
// package semantics, then Evaluate, with the report's Functions and Models
// filled in. The caller adds Tool, Inputs and Series.
func Check(s *parse.Series, o Options) (*Report, error) {
	if o.Pack == nil {
		p, err := DefaultPack()
		if err != nil {
			return nil, err
		}
		o.Pack = p
	}
	if o.Profile == nil {
		o.Profile = profile.Default()
	}
	if o.Engines == nil {
		o.Engines = SimEngines{}
	}
	v, steps, res, err := Analyze(s, o.Semantics)
	if err != nil {
		return nil, err
	}
	r, err := Evaluate(&EvalInput{Series: s, Programs: v, Steps: steps, Pack: o.Pack, Profile: o.Profile,
		Seed: o.Seed, Budget: o.Budget, Engines: o.Engines, Added: AddedLines(res), Plots: o.Plots, PseudoNMI: o.PseudoNMI})
	if err != nil {
		return nil, err
	}
	var lib *models.Library
	if o.Semantics != nil {
		lib = o.Semantics.Library
	}
	r.Functions, r.Models = Describe(res, lib)
	return r, nil
}
