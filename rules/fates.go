package rules

import "github.com/patchcheck/patchcheck/semantics"

// MarkFates records, on the report's series, what each patch is to the
// baseline: Patch.Applies, the fate of each hunk, and a notice of the
// patch's fate's kind (already-applied, applied-since-modified,
// not-applicable) on a patch that does not apply. s must be the series res
// was computed from, in the same order.
func MarkFates(s *Series, res *semantics.Result) {
	for i, pc := range res.Patches {
		if i >= len(s.Patches) {
			return
		}
		p := &s.Patches[i]
		p.Applies = pc.Fate
		next := map[string]int{}
		for _, h := range pc.Hunks {
			for fi := range p.Files {
				f := &p.Files[fi]
				if f.Path != h.File {
					continue
				}
				k := next[f.Path]
				if k < len(f.Diff) {
					f.Diff[k].Fate, f.Diff[k].Why = h.Fate.String(), h.Why
				}
				next[f.Path] = k + 1
				break
			}
		}
		if !pc.Applies() {
			p.Notices = append(p.Notices, Notice{Kind: pc.Fate, Message: pc.Notice()})
		}
	}
}
