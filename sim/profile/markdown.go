package profile

import (
	"fmt"
	"strings"
)

// Markdown renders the profile's parameters as a Markdown table: name,
// range and shape, whether it varies per run or per event, and its source
// or assumption.
func (p *Profile) Markdown() string {
	var b strings.Builder
	b.WriteString("| parameter | range | shape | varies | source or assumption |\n|---|---|---|---|---|\n")
	for id := range NumParams {
		prm := &p.Params[id]
		r := prm.Range()
		if prm.HasTypical {
			r += fmt.Sprintf(" (typical %g)", prm.Typical)
		}
		vary := "per run"
		if prm.PerEvent {
			vary = "per event"
		}
		cite := "**source:** " + prm.Source
		if prm.Assumption {
			cite = "**assumption:** " + prm.Reason
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", prm.ID, r, prm.Shape, vary, strings.ReplaceAll(cite, "|", "\\|"))
	}
	return b.String()
}
