// Package parse turns the bytes a reviewer receives (mbox files, single
// mails, git format-patch output, text copied from web archives, git commit
// ranges) into a Series. Diff bodies are parsed by go-gitdiff; everything
// around them (mbox splitting, MIME, headers, web-archive repair, series
// assembly) is done here.
package parse

import (
	"strconv"
	"time"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
)

// Pos is a position in an input: a file name (or "-" for stdin, or a git
// commit id) and a 1-based line. Line 0 means the whole input.
type Pos struct {
	File string
	Line int
}

// Series is a patch series: an optional cover letter and its patches in order.
type Series struct {
	Inputs  []Input // what was read, in order
	Cover   *Cover
	Patches []*Patch
	Notices []Notice // series-level notices: missing members, versions dropped, ...
}

// Input is one file or git range that was read, with the form it was
// recognised as (KindMbox, KindMail, ...).
type Input struct {
	Name string
	Kind string
}

// Cover is a series' cover letter (patch 0/N).
type Cover struct {
	Subject   string // without the [PATCH ...] prefix
	MessageID string
	Author    string   // "Name <email>"
	To, Cc    []string // the recipients, "Name <email>" each, so a reply can keep them
	Body      string
	// BaseCommit and ChangeID are the cover letter's base-commit: and
	// change-id: lines (git format-patch --base, b4); patches without their
	// own inherit them.
	BaseCommit string
	ChangeID   string
	Pos        Pos
}

// Patch is one patch of a series.
type Patch struct {
	Index   int // N of N/M; 1 for a lone patch
	Total   int // M of N/M; 1 for a lone patch
	Version int // v3 -> 3; 1 when absent
	Prefix  string
	Subject string // without the [PATCH ...] prefix
	// RawSubject is the Subject header as decoded, prefix included.
	RawSubject string
	MessageID  string
	InReplyTo  string
	References []string
	Author     string // "Name <email>", after any in-body From:
	Date       time.Time
	// To and Cc are the mail's recipients ("Name <email>" each), so that
	// a reply can keep them.
	To, Cc []string
	// Message is the commit message: the body before the "---" separator,
	// with in-body headers removed.
	Message    string
	Trailers   []Trailer
	BaseCommit string // base-commit: line, if any
	ChangeID   string // change-id: line, if any
	Diffstat   *Diffstat
	Files      []*gitdiff.File
	// Mangled is true when the diff's whitespace is not authoritative: the
	// text was repaired (e.g. copied from a web archive that dropped the
	// leading space of context lines). Line content is then compared
	// whitespace-insensitively downstream.
	Mangled bool
	Notices []Notice
	Pos     Pos // where the patch's mail starts
	// DiffPos is the position of the first line of the diff, so that a line of
	// a hunk can be mapped back to the input.
	DiffPos Pos
}

// Trailer is a "Key: value" line at the end of a commit message, or one
// harvested from a reply to the patch.
type Trailer struct {
	Key    string // canonical case, e.g. "Reviewed-by"
	Value  string
	Source string // "patch", or the Message-Id of the reply it came from
}

// Diffstat is the "N files changed, ..." block after "---".
type Diffstat struct {
	Files      []DiffstatFile
	Changed    int
	Insertions int
	Deletions  int
	Pos        Pos
}

// DiffstatFile is one " path | N +++--" line.
type DiffstatFile struct {
	Path    string
	Changes int
	Binary  bool
}

// Notice kinds.
const (
	NoticeRepair    = "repair"            // input text repaired (web-archive whitespace, CRLF, ...)
	NoticeDiffstat  = "diffstat-mismatch" // diffstat disagrees with the diff
	NoticeHunkCount = "hunk-count"        // a hunk header's counts disagree with its body
	NoticeSeries    = "series"            // missing or duplicate members, versions
	NoticeEncoding  = "encoding"          // charset or transfer-encoding oddity
)

// Notice is something the parser repaired or noticed; it is reported, not fatal.
type Notice struct {
	Kind    string
	Message string
	Pos     Pos
}

// Error is a fatal input error at a position.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string {
	if e.Pos.Line > 0 {
		return e.Pos.File + ":" + strconv.Itoa(e.Pos.Line) + ": " + e.Msg
	}
	return e.Pos.File + ": " + e.Msg
}
