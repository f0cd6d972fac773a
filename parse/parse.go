package parse

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
)

// Input kinds, as reported in Series.Inputs.
const (
	KindMbox        = "mbox"
	KindMail        = "mail"
	KindFormatPatch = "format-patch"
	KindWebArchive  = "web-archive"
	KindGit         = "git"
)

// Source is one input to read: a file name (or "-") and its contents.
type Source struct {
	Name string
	R    io.Reader
}

// Parse reads one input (an mbox, a mail, a format-patch file or web
// archive text) and assembles its series.
func Parse(name string, r io.Reader, opts *Options) (*Series, error) {
	return ParseSources([]Source{{name, r}}, opts)
}

// ParseFiles reads the named files ("-" is standard input) as one series,
// as when the files of a "git format-patch" run are given together. A
// directory stands for its patch files in file-name order (see dirFiles).
func ParseFiles(names []string, stdin io.Reader, opts *Options) (*Series, error) {
	srcs := make([]Source, 0, len(names))
	for i := 0; i < len(names); i++ {
		n := names[i]
		if n == "-" {
			srcs = append(srcs, Source{"-", stdin})
			continue
		}
		f, err := os.Open(n)
		if err != nil {
			return nil, &Error{Pos{n, 0}, openError(err)}
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.IsDir() {
			files, err := dirFiles(n)
			if err != nil {
				return nil, err
			}
			// Read the directory's files in place of it, before the names after it.
			names = slices.Concat(names[:i], files, names[i+1:])
			i--
			continue
		}
		srcs = append(srcs, Source{n, f})
	}
	return ParseSources(srcs, opts)
}

func openError(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err.Error()
	}
	return err.Error()
}

// ParseSources reads several inputs and assembles the mails of all of them
// into one series.
func ParseSources(srcs []Source, opts *Options) (*Series, error) {
	var msgs []*message
	s := &Series{}
	for _, src := range srcs {
		ms, kind, notices, err := readSource(src, opts)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, ms...)
		s.Inputs = append(s.Inputs, Input{src.Name, kind})
		s.Notices = append(s.Notices, notices...)
	}
	if err := assemble(s, msgs); err != nil {
		return nil, err
	}
	if err := checkHunks(s); err != nil {
		return nil, err
	}
	return s, nil
}

// checkHunks refuses a series whose patches have more than MaxHunks hunks
// together, naming the patch where the count passes the limit.
func checkHunks(s *Series) error {
	n := 0
	for _, p := range s.Patches {
		for _, f := range p.Files {
			n += len(f.TextFragments)
		}
		if n > MaxHunks {
			return &Error{p.DiffPos, fmt.Sprintf("the series has more than %d hunks", MaxHunks)}
		}
	}
	return nil
}

// readSource reads one input and cuts it into decoded messages.
func readSource(src Source, opts *Options) ([]*message, string, []Notice, error) {
	name := src.Name
	r, _, err := decompress(name, src.R)
	if err != nil {
		return nil, "", nil, err
	}
	data, err := readInput(name, r, opts)
	if err != nil {
		return nil, "", nil, err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, "", nil, &Error{Pos{name, 1}, "empty input"}
	}
	var notices []Notice
	if k := bytes.Index(data, []byte("\r\n")); k >= 0 {
		line := bytes.Count(data[:k], []byte("\n")) + 1
		data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
		notices = append(notices, Notice{NoticeRepair, "CRLF line ends read as LF", Pos{name, line}})
	}
	// Skip leading blank lines, keeping line numbers right.
	skipped := 0
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 || len(bytes.TrimSpace(data[:i])) != 0 {
			break
		}
		data = data[i+1:]
		skipped++
	}
	first, second := data, []byte(nil)
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		first = data[:i]
		second = data[i+1:]
		if j := bytes.IndexByte(second, '\n'); j >= 0 {
			second = second[:j]
		}
	}
	var chunks []chunk
	kind := KindMail
	switch {
	case isMboxFrom(first, second):
		chunks = splitMbox(data)
		kind = KindMbox
		if len(chunks) == 1 && bytes.HasSuffix(bytes.TrimSpace(first), []byte("Mon Sep 17 00:00:00 2001")) {
			kind = KindFormatPatch
		}
	case headerLine.Match(first):
		chunks = []chunk{{data, 1}}
	default:
		lines := splitLines(string(data))
		if !looksLikeWebArchive(lines) {
			return nil, "", nil, &Error{Pos{name, skipped + 1}, "not a mail: the first line is neither an mbox \"From \" line, a mail header, nor a web-archive subject followed by From:"}
		}
		m, err := parseWebArchive(name, lines)
		if err != nil {
			return nil, "", nil, err
		}
		shift(m, skipped)
		return []*message{m}, KindWebArchive, notices, nil
	}
	var msgs []*message
	for _, c := range chunks {
		m, err := parseMail(name, c)
		if err != nil {
			return nil, "", nil, shiftErr(err, skipped)
		}
		shift(m, skipped)
		msgs = append(msgs, m)
	}
	return msgs, kind, notices, nil
}

func shift(m *message, n int) {
	m.pos.Line += n
	m.bodyLine += n
	for i := range m.notices {
		if m.notices[i].Pos.Line > 0 {
			m.notices[i].Pos.Line += n
		}
	}
}

func shiftErr(err error, n int) error {
	if pe, ok := err.(*Error); ok && pe.Pos.Line > 0 {
		pe.Pos.Line += n
	}
	return err
}

type reply struct {
	m        *message
	trailers []Trailer
}

// assemble sorts messages into cover letters, patches and replies and
// builds the series: the highest version, in N/M order, with the trailers
// of replies attached to the patches they answer.
func assemble(s *Series, msgs []*message) error {
	var patches []*Patch
	var covers []*Cover
	coverVersion := map[*Cover]int{}
	var replies []reply
	var ignored []*message
	for _, m := range msgs {
		si := parseSubject(m.subject)
		lines := splitLines(m.body)
		hasDiff := false
		for i := range lines {
			if isDiffStart(lines, i) {
				hasDiff = true
				break
			}
		}
		switch {
		case si.reply || (!hasDiff && m.inReplyTo != "" && !(si.tagged && si.index == 0)):
			replies = append(replies, reply{m, replyTrailers(lines, m.messageID)})
		case si.tagged && si.index == 0:
			c := &Cover{Subject: si.subject, MessageID: m.messageID, Author: m.from, To: m.to, Cc: m.cc, Body: strings.TrimSpace(m.body), Pos: m.pos}
			for _, l := range lines {
				if v, ok := strings.CutPrefix(l, "base-commit: "); ok && c.BaseCommit == "" {
					c.BaseCommit = strings.TrimSpace(v)
				}
				if v, ok := strings.CutPrefix(l, "change-id: "); ok && c.ChangeID == "" {
					c.ChangeID = strings.TrimSpace(v)
				}
			}
			covers = append(covers, c)
			coverVersion[c] = si.version
		case hasDiff:
			p, err := buildPatch(m, si, lines)
			if err != nil {
				return err
			}
			patches = append(patches, p)
		default:
			ignored = append(ignored, m)
		}
	}
	if len(patches) == 0 {
		p := Pos{}
		if len(msgs) > 0 {
			p = msgs[0].pos
		}
		return &Error{p, "no patch found: no mail in the input carries a diff"}
	}
	for _, m := range ignored {
		s.Notices = append(s.Notices, Notice{NoticeSeries, fmt.Sprintf("mail %q has no diff and is not a cover letter or reply; ignored", m.subject), m.pos})
	}

	// Versions: keep the highest.
	best := 0
	for _, p := range patches {
		best = max(best, p.Version)
	}
	dropped := map[string]int{} // Message-Id -> version, for replies to dropped mails
	var kept []*Patch
	droppedCount := map[int]int{}
	for _, p := range patches {
		if p.Version == best {
			kept = append(kept, p)
			continue
		}
		droppedCount[p.Version]++
		if p.MessageID != "" {
			dropped[p.MessageID] = p.Version
		}
	}
	versions := make([]int, 0, len(droppedCount))
	for v := range droppedCount {
		versions = append(versions, v)
	}
	sort.Ints(versions)
	for _, v := range versions {
		s.Notices = append(s.Notices, Notice{NoticeSeries, fmt.Sprintf("the input holds v%d (%d patches) and v%d; reading v%d only", v, droppedCount[v], best, best), Pos{}})
	}
	for _, c := range covers {
		if coverVersion[c] != best {
			if c.MessageID != "" {
				dropped[c.MessageID] = coverVersion[c]
			}
			continue
		}
		if s.Cover != nil {
			s.Notices = append(s.Notices, Notice{NoticeSeries, "more than one cover letter for v" + fmt.Sprint(best) + "; using the first", c.Pos})
			continue
		}
		s.Cover = c
	}

	// Order and completeness.
	sort.SliceStable(kept, func(i, j int) bool { return kept[i].Index < kept[j].Index })
	total := 0
	for _, p := range kept {
		total = max(total, p.Total)
	}
	seen := map[int]bool{}
	for _, p := range kept {
		if seen[p.Index] {
			s.Notices = append(s.Notices, Notice{NoticeSeries, fmt.Sprintf("duplicate patch %d/%d %q ignored", p.Index, p.Total, p.Subject), p.Pos})
			continue
		}
		seen[p.Index] = true
		if p.Index > p.Total {
			s.Notices = append(s.Notices, Notice{NoticeSeries, fmt.Sprintf("patch %d/%d is numbered beyond its series' %d patches", p.Index, p.Total, p.Total), p.Pos})
		} else if p.Total != total {
			s.Notices = append(s.Notices, Notice{NoticeSeries, fmt.Sprintf("patch %d says the series has %d patches, others say %d", p.Index, p.Total, total), p.Pos})
		}
		s.Patches = append(s.Patches, p)
	}
	for k := 1; k <= total; k++ {
		if !seen[k] {
			s.Notices = append(s.Notices, Notice{NoticeSeries, fmt.Sprintf("patch %d/%d is missing from the input", k, total), Pos{}})
		}
	}

	if c := s.Cover; c != nil {
		for _, p := range s.Patches {
			if p.BaseCommit == "" {
				p.BaseCommit = c.BaseCommit
			}
			if p.ChangeID == "" {
				p.ChangeID = c.ChangeID
			}
		}
	}

	// Replies' trailers.
	byID := map[string]*Patch{}
	for _, p := range s.Patches {
		if p.MessageID != "" {
			byID[p.MessageID] = p
		}
	}
	for _, r := range replies {
		if len(r.trailers) == 0 {
			continue
		}
		ids := []string{r.m.inReplyTo}
		for i := len(r.m.references) - 1; i >= 0; i-- {
			ids = append(ids, r.m.references[i])
		}
		attached := false
		for _, id := range ids {
			if id == "" {
				continue
			}
			if p := byID[id]; p != nil {
				addTrailers(p, r.trailers)
				attached = true
				break
			}
			if s.Cover != nil && id == s.Cover.MessageID {
				for _, p := range s.Patches {
					addTrailers(p, r.trailers)
				}
				attached = true
				break
			}
			if v, ok := dropped[id]; ok {
				s.Notices = append(s.Notices, Notice{NoticeSeries, fmt.Sprintf("trailers of reply %s answer v%d and are not carried over to v%d", r.m.messageID, v, best), r.m.pos})
				attached = true
				break
			}
		}
		if !attached {
			s.Notices = append(s.Notices, Notice{NoticeSeries, fmt.Sprintf("reply %s answers a mail that is not in the input; its trailers are ignored", r.m.messageID), r.m.pos})
		}
	}
	return nil
}

func addTrailers(p *Patch, ts []Trailer) {
	for _, t := range ts {
		if slices.ContainsFunc(p.Trailers, func(u Trailer) bool { return u.Key == t.Key && u.Value == t.Value }) {
			continue
		}
		p.Trailers = append(p.Trailers, t)
	}
}
