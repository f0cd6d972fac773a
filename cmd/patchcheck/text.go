package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
	"github.com/patchcheck/patchcheck/parse"
)

// writeText prints the series for a reader: inputs, cover, then each
// patch with its metadata, files, hunks, trailers and notices.
func writeText(w io.Writer, s *parse.Series) {
	for _, in := range s.Inputs {
		fmt.Fprintf(w, "input %s (%s)\n", in.Name, in.Kind)
	}
	if s.Cover != nil {
		fmt.Fprintf(w, "cover: %s\n", s.Cover.Subject)
		if s.Cover.MessageID != "" {
			fmt.Fprintf(w, "  message-id: <%s>\n", s.Cover.MessageID)
		}
	}
	fmt.Fprintf(w, "%d patch%s\n", len(s.Patches), plural(len(s.Patches), "", "es"))
	fromGit := len(s.Inputs) > 0 && s.Inputs[0].Kind == parse.KindGit
	for _, p := range s.Patches {
		writePatch(w, p, fromGit)
	}
	if len(s.Notices) > 0 {
		fmt.Fprintln(w, "series notices:")
		writeNotices(w, "  ", s.Notices)
	}
}

func writePatch(w io.Writer, p *parse.Patch, fromGit bool) {
	fmt.Fprintf(w, "\n[%d/%d v%d] %s\n", p.Index, p.Total, p.Version, p.Subject)
	fmt.Fprintf(w, "  author:     %s\n", p.Author)
	if !p.Date.IsZero() {
		fmt.Fprintf(w, "  date:       %s\n", p.Date.Format(time.RFC3339))
	}
	switch {
	case fromGit:
		fmt.Fprintf(w, "  commit:     %s\n", p.MessageID)
	case p.MessageID != "":
		fmt.Fprintf(w, "  message-id: <%s>\n", p.MessageID)
	}
	if p.BaseCommit != "" {
		fmt.Fprintf(w, "  base-commit: %s\n", p.BaseCommit)
	}
	if p.ChangeID != "" {
		fmt.Fprintf(w, "  change-id:  %s\n", p.ChangeID)
	}
	if p.Mangled {
		fmt.Fprintln(w, "  whitespace: repaired (context lines re-prefixed; compare line content whitespace-insensitively)")
	}
	if len(p.Trailers) > 0 {
		fmt.Fprintln(w, "  trailers:")
		for _, t := range p.Trailers {
			src := ""
			if t.Source != "patch" {
				src = "  (from reply <" + t.Source + ">)"
			}
			fmt.Fprintf(w, "    %s: %s%s\n", t.Key, t.Value, src)
		}
	}
	switch chain := p.SignoffChain(); {
	case len(chain) == 0:
		fmt.Fprintln(w, "  sign-off:   none")
	case p.AuthorSignedOff():
		fmt.Fprintf(w, "  sign-off:   author signed off (%d in chain)\n", len(chain))
	default:
		fmt.Fprintf(w, "  sign-off:   author not in the chain of %d\n", len(chain))
	}
	ins, del := 0, 0
	fmt.Fprintf(w, "  files (%d):\n", len(p.Files))
	for _, f := range p.Files {
		a, d := 0, 0
		for _, fr := range f.TextFragments {
			a += int(fr.LinesAdded)
			d += int(fr.LinesDeleted)
		}
		ins += a
		del += d
		fmt.Fprintf(w, "    %-6s %s  +%d -%d, %d hunk%s\n", fileChange(f), fileLabel(f), a, d, len(f.TextFragments), plural(len(f.TextFragments), "", "s"))
		for _, fr := range f.TextFragments {
			fmt.Fprintf(w, "      %s  +%d -%d\n", strings.TrimSpace(fr.Header()), fr.LinesAdded, fr.LinesDeleted)
		}
	}
	switch {
	case p.Diffstat == nil:
		fmt.Fprintf(w, "  diffstat:   none (diff: %d files, +%d -%d)\n", len(p.Files), ins, del)
	case hasKind(p.Notices, parse.NoticeDiffstat):
		fmt.Fprintf(w, "  diffstat:   MISMATCH (says %d files, +%d -%d; diff has %d files, +%d -%d)\n", p.Diffstat.Changed, p.Diffstat.Insertions, p.Diffstat.Deletions, len(p.Files), ins, del)
	default:
		fmt.Fprintf(w, "  diffstat:   consistent (%d files, +%d -%d)\n", len(p.Files), ins, del)
	}
	if len(p.Notices) > 0 {
		fmt.Fprintln(w, "  notices:")
		writeNotices(w, "    ", p.Notices)
	}
}

func fileLabel(f *gitdiff.File) string {
	switch {
	case f.IsDelete:
		return f.OldName
	case f.IsRename || f.IsCopy:
		return f.OldName + " => " + f.NewName
	}
	return f.NewName
}

func writeNotices(w io.Writer, indent string, ns []parse.Notice) {
	for _, n := range ns {
		at := n.Pos.File
		if n.Pos.Line > 0 {
			at = fmt.Sprintf("%s:%d", n.Pos.File, n.Pos.Line)
		}
		if at != "" {
			at += ": "
		}
		fmt.Fprintf(w, "%s%s: %s%s\n", indent, n.Kind, at, n.Message)
	}
}

func hasKind(ns []parse.Notice, kind string) bool {
	for _, n := range ns {
		if n.Kind == kind {
			return true
		}
	}
	return false
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
