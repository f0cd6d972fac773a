package rules

import (
	"fmt"
	"strings"
)

// NoteNacks reports every Nacked-by trailer of the report's series (from
// the patch itself or from a reply on the list) as a finding, and puts the
// objection at the head of the summary: a reviewer who reads only the
// verdict line must not miss that a maintainer refused the patch. The
// verdict itself is left alone: it is what executing the code showed, and
// a NACK neither fails nor passes code.
func NoteNacks(r *Report) {
	var who []string
	for _, p := range r.Series.Patches {
		for _, t := range p.Trailers {
			if !strings.EqualFold(t.Key, "Nacked-by") {
				continue
			}
			where := "in the patch"
			if t.Source != "" && t.Source != "patch" {
				where = "in the reply <" + strings.Trim(t.Source, "<>") + ">"
			}
			r.Findings = append(r.Findings, Finding{
				ID: "review.nacked", Severity: "warning",
				Message: fmt.Sprintf("Patch %d (%s) is Nacked-by %s %s: a reviewer objects to it, whatever the models show.", p.Index, p.Subject, t.Value, where),
			})
			who = append(who, fmt.Sprintf("patch %d by %s", p.Index, t.Value))
		}
	}
	if len(who) > 0 {
		r.Summary = "Nacked-by on the list (" + strings.Join(who, "; ") + "); " + r.Summary
	}
}
