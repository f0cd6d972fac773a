package semantics

import (
	"fmt"
	"io"
	"strings"
)

// WriteFunctions writes the function map of a result as text, the output of
// --explain-functions: per patch, each changed function with its kind, file,
// definition line and status, then the changes outside functions.
func WriteFunctions(w io.Writer, r *Result) error {
	var b strings.Builder
	for i, pc := range r.Patches {
		subj := ""
		if pc.Patch != nil {
			subj = pc.Patch.Subject
		}
		fmt.Fprintf(&b, "patch %d/%d: %s\n", i+1, len(r.Patches), subj)
		if len(pc.Files) == 0 {
			b.WriteString("  no file changes\n")
		}
		for _, fc := range pc.Files {
			model := "no model"
			if fc.Modelled {
				model = "modelled"
			}
			fmt.Fprintf(&b, "  %s (index %s..%s, %s)\n", fc.Path, orDash(fc.OldBlob), orDash(fc.NewBlob), model)
			for _, f := range fc.Funcs {
				writeFunc(&b, "    ", f)
			}
			for _, o := range fc.Other {
				fmt.Fprintf(&b, "    outside functions: %-11s %s %s\n", o.Kind, lineRef(o.Line), strings.TrimSpace(o.Line.Text))
				if o.Note != "" && o.Line.Op != 0 {
					fmt.Fprintf(&b, "      %s\n", o.Note)
				}
			}
		}
	}
	b.WriteString("series:\n")
	if len(r.Funcs) == 0 {
		b.WriteString("  no function changes\n")
	}
	for _, f := range r.Funcs {
		writeFunc(&b, "  ", f)
	}
	for _, u := range r.Uncovered {
		fmt.Fprintf(&b, "  %s\n", u)
	}
	for _, p := range r.Unmodelled {
		fmt.Fprintf(&b, "  unmodelled: %s\n", p)
	}
	for _, c := range r.Unknown {
		fmt.Fprintf(&b, "  unknown callee: %s (called at %s:%d, %s)\n", c.Name, c.Loc.File, c.Loc.Line, c.Loc.Side)
	}
	for _, d := range r.Drift {
		fmt.Fprintf(&b, "  drift: %s\n", d)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeFunc(b *strings.Builder, indent string, f *FuncChange) {
	what := f.Kind.String()
	if f.CommentOnly {
		what += " (comments only)"
	}
	fmt.Fprintf(b, "%s%-8s %-24s %s:%d  %s", indent, what, displayName(f), f.File, f.Line, f.Status)
	if f.Model != nil {
		fmt.Fprintf(b, ", model %s line %d", orDash(f.Model.Blob), f.Model.Line)
	}
	b.WriteByte('\n')
	if f.Reason != "" && f.Status != Applied {
		fmt.Fprintf(b, "%s  %s\n", indent, f.Reason)
	}
}

func lineRef(l Line) string {
	if l.Old > 0 && l.New == 0 {
		return fmt.Sprintf("-%d", l.Old)
	}
	if l.New > 0 && l.Old == 0 {
		return fmt.Sprintf("+%d", l.New)
	}
	return fmt.Sprintf(" %d", l.New)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
