package main

import (
	"strings"
	"time"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
	"github.com/patchcheck/patchcheck/parse"
	"github.com/patchcheck/patchcheck/rules"
)

// convertSeries maps a parsed series onto the report's series. Slices are
// never nil so that the JSON has [] rather than null.
func convertSeries(s *parse.Series) rules.Series {
	out := rules.Series{Patches: []rules.Patch{}, Notices: convertNotices(s.Notices)}
	if s.Cover != nil {
		out.Cover = &rules.Cover{Subject: s.Cover.Subject, MessageID: s.Cover.MessageID, Author: s.Cover.Author, To: s.Cover.To, Cc: s.Cover.Cc}
	}
	for _, p := range s.Patches {
		rp := rules.Patch{
			Index: p.Index, Total: p.Total, Version: p.Version,
			Subject: p.Subject, MessageID: p.MessageID, Author: p.Author,
			Prefix: p.Prefix, References: p.References, To: p.To, Cc: p.Cc,
			Trailers: []rules.Trailer{}, Files: []rules.File{},
			Mangled: p.Mangled, Notices: convertNotices(p.Notices),
		}
		if !p.Date.IsZero() {
			rp.Date = p.Date.Format(time.RFC3339)
		}
		for _, t := range p.Trailers {
			rp.Trailers = append(rp.Trailers, rules.Trailer{Key: t.Key, Value: t.Value, Source: t.Source})
		}
		for _, f := range p.Files {
			rp.Files = append(rp.Files, convertFile(f))
		}
		out.Patches = append(out.Patches, rp)
	}
	return out
}

func convertNotices(ns []parse.Notice) []rules.Notice {
	out := []rules.Notice{}
	for _, n := range ns {
		out = append(out, rules.Notice{Kind: n.Kind, Message: n.Message, File: n.Pos.File, Line: n.Pos.Line})
	}
	return out
}

func convertFile(f *gitdiff.File) rules.File {
	rf := rules.File{Path: f.NewName, Change: fileChange(f), Hunks: len(f.TextFragments)}
	if f.IsDelete {
		rf.Path = f.OldName
	}
	if f.IsRename || f.IsCopy {
		rf.OldPath = f.OldName
	}
	for _, fr := range f.TextFragments {
		rf.Added += int(fr.LinesAdded)
		rf.Deleted += int(fr.LinesDeleted)
		rf.Diff = append(rf.Diff, convertHunk(fr))
	}
	return rf
}

// fileChange names the kind of change to a file.
func fileChange(f *gitdiff.File) string {
	switch {
	case f.IsNew:
		return "add"
	case f.IsDelete:
		return "delete"
	case f.IsRename:
		return "rename"
	case f.IsCopy:
		return "copy"
	case f.IsBinary:
		return "binary"
	}
	return "modify"
}

func convertHunk(fr *gitdiff.TextFragment) rules.Hunk {
	h := rules.Hunk{
		OldStart: int(fr.OldPosition), OldLines: int(fr.OldLines),
		NewStart: int(fr.NewPosition), NewLines: int(fr.NewLines),
		Section: strings.TrimSpace(fr.Comment), Lines: make([]string, 0, len(fr.Lines)),
	}
	for _, l := range fr.Lines {
		h.Lines = append(h.Lines, strings.TrimSuffix(l.String(), "\n"))
	}
	return h
}
