package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/patchcheck/patchcheck/rules"
)

// annotationLimit is how many annotations of one level GitHub shows for a
// step; further ones are dropped by GitHub without a word.
const annotationLimit = 10

// renderAnnotations writes GitHub workflow commands that annotate the pull
// request's files: one per finding, at the post-image line. At most 10 of
// each level are written; when there are more, the tenth says how many
// were left out, so nothing disappears silently.
func renderAnnotations(w io.Writer, r *rules.Report, _ Options) error {
	bw := bufio.NewWriter(w)
	byLevel := map[string][]*rules.Finding{}
	levels := []string{"error", "warning", "notice"}
	for i := range r.Findings {
		f := &r.Findings[i]
		l := annotationLevel(f.Severity)
		byLevel[l] = append(byLevel[l], f)
	}
	for _, level := range levels {
		fs := byLevel[level]
		shown := fs
		if len(fs) > annotationLimit {
			shown = fs[:annotationLimit-1]
		}
		for _, f := range shown {
			writeAnnotation(bw, level, f, r)
		}
		if dropped := len(fs) - len(shown); dropped > 0 {
			fmt.Fprintf(bw, "::%s title=%s::%s\n", level, escapeProperty(nameOr(r.Tool.Name)),
				escapeData(fmt.Sprintf("%d more %s annotations are not shown: GitHub shows at most %d per level and step. The job summary lists every finding.", dropped, level, annotationLimit)))
		}
	}
	return bw.Flush()
}

func annotationLevel(severity string) string {
	switch severity {
	case "error", "warning":
		return severity
	default:
		return "notice"
	}
}

func writeAnnotation(w io.Writer, level string, f *rules.Finding, r *rules.Report) {
	var props []string
	msg := f.Message
	if l := f.Location; l != nil && l.File != "" {
		props = append(props, "file="+escapeProperty(l.File))
		switch {
		case l.Line > 0 && l.Side != "pre":
			props = append(props, "line="+strconv.Itoa(l.Line))
		case l.Line > 0:
			msg += fmt.Sprintf(" (line %d before the patch)", l.Line)
		}
	}
	props = append(props, "title="+escapeProperty(f.ID))
	if p := violation(r, f); p != nil {
		msg += fmt.Sprintf("\nCounterexample: %s, %s, %s; the job summary shows it.", variant(p.Variant), scenario(p.Scenario), plural(len(p.Counterexample.Steps), "step"))
	}
	fmt.Fprintf(w, "::%s %s::%s\n", level, strings.Join(props, ","), escapeData(msg))
}

// escapeData escapes a workflow command's message: GitHub decodes %25,
// %0D and %0A, so a message cannot end the command or start another.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a workflow command's property value, which also
// may not contain the ':' and ',' that delimit properties.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
