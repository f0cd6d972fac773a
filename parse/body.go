package parse

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
)

var (
	trailerLine  = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9-]*):\s+(\S.*)$`)
	gitdiffError = regexp.MustCompile(`^gitdiff: line (\d+): (.*)$`)
)

// replyTrailerKeys are the trailers harvested from replies. Only these are
// taken, because a reply's free text may contain any "Word: text" line.
var replyTrailerKeys = map[string]bool{
	"Reviewed-by": true, "Acked-by": true, "Tested-by": true, "Reported-by": true,
	"Suggested-by": true, "Signed-off-by": true, "Co-developed-by": true, "Nacked-by": true,
	"Fixes": true, "Link": true, "Closes": true, "Cc": true,
}

// canonicalKey writes a trailer key as the kernel does: "Reviewed-by",
// "Signed-off-by", "Cc".
func canonicalKey(k string) string {
	if k == "" {
		return k
	}
	return strings.ToUpper(k[:1]) + strings.ToLower(k[1:])
}

// parsedBody is what the body of a patch mail holds.
type parsedBody struct {
	from, date, subject string // in-body header overrides
	message             string
	trailers            []Trailer
	baseCommit          string
	changeID            string
	diffstat            *Diffstat
	files               []*gitdiff.File
	hasDiff             bool
	diffLine            int // index of the first diff line in lines
	mangled             bool
	notices             []Notice
}

func splitLines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// isDiffStart reports whether line i starts a diff: a git "diff --git"
// header, or a traditional "--- a" / "+++ b" pair.
func isDiffStart(lines []string, i int) bool {
	l := lines[i]
	if strings.HasPrefix(l, "diff --git ") {
		return true
	}
	return strings.HasPrefix(l, "--- ") && i+2 < len(lines) && strings.HasPrefix(lines[i+1], "+++ ") && hunkHeader.MatchString(lines[i+2])
}

// parseBody splits a patch mail's body into in-body headers, commit
// message, trailers, diffstat and diff, and parses the diff.
func parseBody(lines []string, pos func(int) Pos) (*parsedBody, error) {
	pb := &parsedBody{diffLine: -1}
	i := 0
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	if from, date, subject, next, ok := inBodyHeaders(lines, i); ok {
		pb.from, pb.date, pb.subject, i = from, date, subject, next
	}
	for d := i; d < len(lines); d++ {
		if isDiffStart(lines, d) {
			pb.diffLine = d
			pb.hasDiff = true
			break
		}
	}
	msgEnd := len(lines)
	if pb.hasDiff {
		msgEnd = pb.diffLine
	}
	sep := -1
	for j := i; j < msgEnd; j++ {
		if strings.TrimRight(lines[j], " ") == "---" {
			sep = j
			break
		}
	}
	msg := lines[i:msgEnd]
	if sep >= 0 {
		msg = lines[i:sep]
		notes := lines[sep+1 : msgEnd]
		pb.diffstat = parseDiffstat(notes, func(k int) Pos { return pos(sep + 1 + k) })
	}
	pb.message, pb.trailers = splitTrailers(msg)
	if !pb.hasDiff {
		return pb, nil
	}
	diff := lines[pb.diffLine:]
	dpos := func(k int) Pos { return pos(pb.diffLine + k) }
	hs, err := scanHunks(diff, dpos)
	if err != nil {
		return nil, err
	}
	pb.notices = append(pb.notices, hs.notices...)
	pb.mangled = hs.mangled
	for k, l := range diff {
		if hs.inHunk[k] {
			continue
		}
		if v, ok := strings.CutPrefix(l, "base-commit: "); ok && pb.baseCommit == "" {
			pb.baseCommit = strings.TrimSpace(v)
		}
		if v, ok := strings.CutPrefix(l, "change-id: "); ok && pb.changeID == "" {
			pb.changeID = strings.TrimSpace(v)
		}
	}
	files, _, err := gitdiff.Parse(strings.NewReader(strings.Join(hs.lines, "\n") + "\n"))
	if err != nil {
		msg := err.Error()
		p := dpos(0)
		if mm := gitdiffError.FindStringSubmatch(msg); mm != nil {
			p = dpos(atoiDefault(mm[1], 1) - 1)
			msg = mm[2]
		}
		return nil, &Error{p, "invalid diff: " + msg}
	}
	if len(files) == 0 {
		return nil, &Error{dpos(0), "diff has no file changes"}
	}
	pb.files = files
	pb.notices = append(pb.notices, checkDiffstat(pb.diffstat, files)...)
	return pb, nil
}

// inBodyHeaders reads git am's in-body From:, Date: and Subject: lines at
// the top of a body (from line i). They count only as a block of those
// fields ended by a blank line; next is the line after the blank.
func inBodyHeaders(lines []string, i int) (from, date, subject string, next int, ok bool) {
	for j := i; j < len(lines); j++ {
		l := lines[j]
		if strings.TrimSpace(l) == "" {
			return from, date, subject, j + 1, j > i
		}
		k, v, found := strings.Cut(l, ":")
		if !found {
			return "", "", "", i, false
		}
		v = strings.TrimSpace(v)
		switch strings.ToLower(k) {
		case "from":
			from = decodeAddress(v)
		case "date":
			date = v
		case "subject":
			subject = decodeHeader(v)
		default:
			return "", "", "", i, false
		}
	}
	return "", "", "", i, false
}

// splitTrailers separates the trailer block (the last paragraph, when all
// its lines are "Key: value" trailers, continuations or "[comments]") from
// a commit message.
func splitTrailers(msg []string) (string, []Trailer) {
	// Drop a scissors line and anything above it ("-- >8 --").
	for k, l := range msg {
		if strings.Contains(l, ">8") && strings.HasPrefix(strings.TrimSpace(l), "--") {
			msg = msg[k+1:]
			break
		}
	}
	end := len(msg)
	for end > 0 && strings.TrimSpace(msg[end-1]) == "" {
		end--
	}
	start := end
	for start > 0 && strings.TrimSpace(msg[start-1]) != "" {
		start--
	}
	var trailers []Trailer
	ok := start < end
	for _, l := range msg[start:end] {
		if mm := trailerLine.FindStringSubmatch(l); mm != nil {
			trailers = append(trailers, Trailer{canonicalKey(mm[1]), strings.TrimSpace(mm[2]), "patch"})
			continue
		}
		if (strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")) && len(trailers) > 0 {
			trailers[len(trailers)-1].Value += " " + strings.TrimSpace(l)
			continue
		}
		if strings.HasPrefix(l, "[") && strings.HasSuffix(strings.TrimSpace(l), "]") {
			continue
		}
		ok = false
		break
	}
	if !ok || len(trailers) == 0 {
		return strings.TrimSpace(strings.Join(msg[:end], "\n")), nil
	}
	return strings.TrimSpace(strings.Join(msg[:start], "\n")), trailers
}

// replyTrailers harvests trailers from a reply: known trailer keys on
// lines that are not quoted.
func replyTrailers(body []string, source string) []Trailer {
	var out []Trailer
	for _, l := range body {
		if strings.HasPrefix(l, ">") {
			continue
		}
		mm := trailerLine.FindStringSubmatch(strings.TrimSpace(l))
		if mm == nil {
			continue
		}
		k := canonicalKey(mm[1])
		if replyTrailerKeys[k] {
			out = append(out, Trailer{k, strings.TrimSpace(mm[2]), source})
		}
	}
	return out
}

// buildPatch makes a Patch out of a decoded message.
func buildPatch(m *message, si subjectInfo, lines []string) (*Patch, error) {
	pb, err := parseBody(lines, m.bodyPos)
	if err != nil {
		return nil, err
	}
	p := &Patch{
		Index: si.index, Total: si.total, Version: si.version,
		Prefix: si.prefix, Subject: si.subject, RawSubject: m.subject,
		MessageID: m.messageID, InReplyTo: m.inReplyTo, References: m.references,
		Author: m.from, Date: m.date, To: m.to, Cc: m.cc,
		Message: pb.message, Trailers: pb.trailers,
		BaseCommit: pb.baseCommit, ChangeID: pb.changeID,
		Diffstat: pb.diffstat, Files: pb.files, Mangled: pb.mangled,
		Notices: append(append([]Notice(nil), m.notices...), pb.notices...),
		Pos:     m.pos,
	}
	if pb.diffLine >= 0 {
		p.DiffPos = m.bodyPos(pb.diffLine)
	}
	if pb.from != "" {
		p.Author = pb.from
	}
	if pb.subject != "" {
		s := parseSubject(pb.subject)
		p.Subject = s.subject
	}
	if pb.date != "" {
		if t, err := parseDate(pb.date); err == nil {
			p.Date = t
		} else {
			p.Notices = append(p.Notices, Notice{NoticeEncoding, fmt.Sprintf("unparsable in-body Date %q", pb.date), m.pos})
		}
	}
	return p, nil
}
