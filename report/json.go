package report

import (
	"encoding/json"
	"io"

	"github.com/patchcheck/patchcheck/rules"
)

// renderJSON writes the Report itself, indented. Struct fields marshal in
// declaration order and the Report holds no maps, so the bytes depend only
// on the Report. HTML escaping is off: message ids keep their <...>.
func renderJSON(w io.Writer, r *rules.Report, _ Options) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}
