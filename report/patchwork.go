package report

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/patchcheck/patchcheck/rules"
)

// patchworkCheck is the body of a POST to patchwork's
// /api/patches/{id}/checks/, plus the Message-Id (in angle brackets, as
// patchwork stores it) that finds {id}.
type patchworkCheck struct {
	MessageID   string `json:"msgid"`
	State       string `json:"state"` // pending | success | warning | fail
	Context     string `json:"context"`
	Description string `json:"description"`
	TargetURL   string `json:"target_url,omitempty"`
}

var slug = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// renderPatchwork writes one JSON object per line, one line per patch:
// what a CI bot posts to patchwork as that patch's check. A patch of a
// series gets its own verdict (its programs against those of the patches
// before it, with its message's claims) when the report has one, else the
// run's verdict; its own findings make the description.
func renderPatchwork(w io.Writer, r *rules.Report, opts Options) error {
	ctx := opts.Context
	if ctx == "" {
		ctx = "patchcheck"
	}
	if !slug.MatchString(ctx) {
		return fmt.Errorf("patchwork context %q: use letters, digits, '-' and '_' only", ctx)
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, p := range r.Series.Patches {
		verdict, summary := r.Verdict, r.Summary
		for _, s := range r.Steps {
			if s.Upto == p.Index {
				// the patch's own doing: a finding of the series belongs
				// to the first patch whose prefix shows it
				verdict, summary = s.Verdict, s.Summary
				if s.PatchVerdict != "" {
					verdict, summary = s.PatchVerdict, s.PatchSummary
				}
			}
		}
		c := patchworkCheck{
			MessageID:   angle(p.MessageID),
			State:       patchworkState(verdict),
			Context:     ctx,
			Description: describe(r, p.Index, verdict, summary),
			TargetURL:   opts.TargetURL,
		}
		if err := enc.Encode(c); err != nil {
			return err
		}
	}
	return nil
}

func patchworkState(verdict string) string {
	switch verdict {
	case "pass":
		return "success"
	case "fail":
		return "fail"
	case "inconclusive":
		return "warning"
	default:
		return "pending"
	}
}

// describe is a check's one-line description: the verdict, what the patch's
// own findings are, and the summary, cut to what patchwork lists well.
func describe(r *rules.Report, patch int, verdict, summary string) string {
	counts := map[string]int{}
	for _, f := range r.Findings {
		if f.Location != nil && f.Location.Patch == patch {
			counts[f.Severity]++
		}
	}
	s := verdict
	if n := counts["error"] + counts["warning"]; n > 0 {
		s += fmt.Sprintf(" (%s, %s in this patch)", plural(counts["error"], "error"), plural(counts["warning"], "warning"))
	}
	s += ": " + oneLine(summary)
	const maxDescription = 250
	if r := []rune(s); len(r) > maxDescription {
		s = string(r[:maxDescription-1]) + "…"
	}
	return s
}

// angle writes a Message-Id in angle brackets, as patchwork stores it; the
// report may hold it with or without them.
func angle(id string) string {
	if strings.HasPrefix(id, "<") {
		return id
	}
	return "<" + id + ">"
}
