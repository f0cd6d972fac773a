package parse

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

var hunkHeader = regexp.MustCompile(`^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$`)

// hunkScan is the result of checking (and if need be repairing) the hunks
// of a diff.
type hunkScan struct {
	lines   []string // the diff with repaired lines; same length as the input
	inHunk  []bool   // line i is a hunk header or hunk body line
	notices []Notice
	mangled bool // an unprefixed non-empty line was re-prefixed
}

// scanHunks walks every hunk of a diff, counting its body against the
// header's line counts. The counts, not the line prefixes, decide where a
// hunk ends, which is what makes two repairs possible:
//
//   - Text copied from a web archive loses the leading space of context
//     lines (and collapses runs of whitespace). Inside a hunk, a line that
//     starts with neither ' ', '+', '-' nor '\' can only be a context line,
//     so it is re-prefixed with a space and reported as a repair. An empty
//     line is the common case of a context line whose single space was
//     trimmed by a mailer; it is repaired silently in the same way.
//   - A header whose counts disagree with a well-formed body (the body runs
//     up to the next hunk or file, every line carrying its prefix) is
//     rewritten with the body's counts and reported as a hunk-count notice:
//     git apply would reject such a patch.
//
// When the body cannot be delimited (prefixes were lost and the counts do
// not fit), or the input ends inside a hunk, the diff is beyond repair and
// scanHunks returns an *Error.
func scanHunks(in []string, pos func(int) Pos) (*hunkScan, error) {
	hs := &hunkScan{lines: append([]string(nil), in...), inHunk: make([]bool, len(in))}
	hunks := 0
	for i := 0; i < len(in); {
		if !strings.HasPrefix(in[i], "@@ -") {
			i++
			continue
		}
		mm := hunkHeader.FindStringSubmatch(in[i])
		if mm == nil {
			i++
			continue
		}
		if hunks++; hunks > MaxHunks {
			return nil, &Error{pos(i), fmt.Sprintf("more than %d hunks in one patch", MaxHunks)}
		}
		next, err := hs.scanHunk(in, i, mm, pos)
		if err != nil {
			return nil, err
		}
		i = next
	}
	return hs, nil
}

func isBoundary(l string) bool {
	return strings.HasPrefix(l, "@@ -") && hunkHeader.MatchString(l) || strings.HasPrefix(l, "diff --git ")
}

// isSignature reports whether l is the "-- " line that starts a mail
// signature (format-patch puts the git version after it); web archives trim
// it to "--".
func isSignature(l string) bool { return l == "-- " || l == "--" }

// signatureEnds reports whether the signature-like line at j is followed
// only by a few lines of trailing text (the git version), so that it ends
// the diff rather than deleting a line "- ".
func signatureEnds(in []string, j int) bool {
	rest := in[j+1:]
	if len(rest) > 4 {
		return false
	}
	for _, l := range rest {
		if isBoundary(l) {
			return false
		}
	}
	return true
}

func atoiDefault(s string, d int) int {
	if s == "" {
		return d
	}
	n, _ := strconv.Atoi(s)
	return n
}

func (hs *hunkScan) scanHunk(in []string, h int, mm []string, pos func(int) Pos) (int, error) {
	oldStart, oldN := atoiDefault(mm[1], 0), atoiDefault(mm[2], 1)
	newStart, newN := atoiDefault(mm[3], 0), atoiDefault(mm[4], 1)
	hs.inHunk[h] = true
	o, n, changes := 0, 0, 0
	type repair struct {
		i    int
		line string
	}
	var repairs []repair
	j := h + 1
	for ; j < len(in) && (o < oldN || n < newN); j++ {
		l := in[j]
		if isBoundary(l) || isSignature(l) && signatureEnds(in, j) {
			break
		}
		switch {
		case l == "":
			o++
			n++
			hs.lines[j] = " "
		case l[0] == ' ':
			o++
			n++
		case l[0] == '+':
			n++
			changes++
		case l[0] == '-':
			o++
			changes++
		case l[0] == '\\':
		default:
			o++
			n++
			repairs = append(repairs, repair{j, l})
		}
	}
	end := j // first line after the counted body
	if changes == 0 && o == oldN && n == newN {
		return 0, &Error{pos(h), fmt.Sprintf("hunk %s has no added or removed lines", hunkRange(mm))}
	}
	mangled := len(repairs) > 0
	switch {
	case o == oldN && n == newN:
		// The counts fit. A clean hunk followed by more prefixed lines has
		// a header that undercounts.
		if end < len(in) && isNoNewlineMarker(in[end]) {
			hs.inHunk[end] = true
			end++
		}
		if !mangled && end < len(in) && continuesHunk(in[end]) {
			k := end
			for k < len(in) && continuesHunk(in[k]) && !isBoundary(in[k]) {
				k++
			}
			if k == len(in) || isBoundary(in[k]) || in[k] == "" || isSignature(in[k]) {
				o2, n2 := countBody(in[h+1 : k])
				hs.miscount(h, pos, oldStart, oldN, newStart, newN, o2, n2, mm[5])
				end = k
			}
		}
		if mangled && end < len(in) && continuesHunk(in[end]) {
			if e, ok, err := hs.resolveMangled(in, h, mm, pos); ok || err != nil {
				return e, err
			}
			return 0, &Error{pos(end), fmt.Sprintf("hunk %s: a line follows its counted body (-%d +%d); context lines lost their leading space, so the counts cannot be corrected: beyond repair", hunkRange(mm), oldN, newN)}
		}
	case j == len(in):
		if mangled {
			if e, ok, err := hs.resolveMangled(in, h, mm, pos); ok || err != nil {
				return e, err
			}
		}
		return 0, &Error{pos(len(in) - 1), fmt.Sprintf("input ends in the middle of hunk %s (%d old and %d new lines missing)", hunkRange(mm), oldN-o, newN-n)}
	case mangled:
		if e, ok, err := hs.resolveMangled(in, h, mm, pos); ok || err != nil {
			return e, err
		}
		return 0, &Error{pos(h), fmt.Sprintf("hunk %s: header counts -%d +%d disagree with its body (-%d +%d) beyond repair: context lines lost their leading space and the counts do not delimit the hunk", hunkRange(mm), oldN, newN, o, n)}
	default:
		// Clean body, wrong counts: the body runs to the next hunk, the next
		// file, or a signature line.
		k := h + 1
		for k < len(in) && !isBoundary(in[k]) && !isSignature(in[k]) && (in[k] == "" || continuesHunk(in[k])) {
			k++
		}
		for k > h+1 && in[k-1] == "" {
			k-- // blank lines before the next file belong to no hunk
		}
		if k < len(in) && !isBoundary(in[k]) && !isSignature(in[k]) && in[k] != "" {
			return 0, &Error{pos(k), fmt.Sprintf("hunk %s: header counts -%d +%d disagree with its body beyond repair", hunkRange(mm), oldN, newN)}
		}
		o2, n2 := countBody(in[h+1 : k])
		if o2 == 0 && n2 == 0 {
			return 0, &Error{pos(h), fmt.Sprintf("hunk %s has no body", hunkRange(mm))}
		}
		for x := h + 1; x < k; x++ {
			if in[x] == "" {
				hs.lines[x] = " "
			}
		}
		hs.miscount(h, pos, oldStart, oldN, newStart, newN, o2, n2, mm[5])
		end = k
	}
	for x := h + 1; x < end; x++ {
		hs.inHunk[x] = true
	}
	for _, r := range repairs {
		hs.lines[r.i] = " " + r.line
		hs.notices = append(hs.notices, Notice{NoticeRepair, fmt.Sprintf("context line without its leading space: %q", truncate(r.line, 60)), pos(r.i)})
	}
	if mangled {
		hs.mangled = true
	}
	return end, nil
}

// isNoNewlineMarker matches "\ No newline at end of file" (localised by
// git, so only its shape is checked).
func isNoNewlineMarker(l string) bool { return len(l) >= 12 && l[:2] == "\\ " }

func continuesHunk(l string) bool {
	if l == "" || isSignature(l) {
		return false
	}
	switch l[0] {
	case ' ', '+', '-', '\\':
		return true
	}
	return false
}

func countBody(lines []string) (o, n int) {
	for _, l := range lines {
		switch {
		case l == "" || l[0] == ' ':
			o++
			n++
		case l[0] == '-':
			o++
		case l[0] == '+':
			n++
		}
	}
	return
}

func (hs *hunkScan) miscount(h int, pos func(int) Pos, oldStart, oldN, newStart, newN, o, n int, rest string) {
	if o == oldN && n == newN {
		return
	}
	hs.lines[h] = fmt.Sprintf("@@ -%d,%d +%d,%d @@%s", oldStart, o, newStart, n, rest)
	hs.notices = append(hs.notices, Notice{NoticeHunkCount, fmt.Sprintf("hunk header says -%d,%d +%d,%d but its body has %d old and %d new lines", oldStart, oldN, newStart, newN, o, n), pos(h)})
}

func hunkRange(mm []string) string {
	s := "@@ -" + mm[1]
	if mm[2] != "" {
		s += "," + mm[2]
	}
	s += " +" + mm[3]
	if mm[4] != "" {
		s += "," + mm[4]
	}
	return s + " @@"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// isTrailingLine matches what may stand between the last hunk and the
// signature: blank lines and format-patch's base-commit, change-id and
// prerequisite-patch-id lines.
func isTrailingLine(l string) bool {
	l = strings.TrimSpace(l)
	return l == "" || strings.HasPrefix(l, "base-commit: ") || strings.HasPrefix(l, "change-id: ") || strings.HasPrefix(l, "prerequisite-patch-id: ")
}

// resolveMangled handles a hunk whose context lines lost their leading
// space and whose counts do not fit the literal reading of its lines. Some
// lines that start with '+' or '-' are then context lines whose text began
// with that character once the indentation was gone ("\t- item" in a
// list, "\t-EINVAL"). With U context lines, P lines starting with '+' and
// M starting with '-' up to a candidate end, the counts fix how many of
// them are context: x = old - U - M of the '+' lines and y = new - U - P
// of the '-' lines. The reading is accepted only when that leaves no
// choice (x is 0 or P, y is 0 or M), some change remains, and exactly one
// hunk end (the next hunk, file or signature, or a blank line followed
// only by trailing lines) fits.
// Otherwise it reports ok == false, or an error when readings tie.
func (hs *hunkScan) resolveMangled(in []string, h int, mm []string, pos func(int) Pos) (next int, ok bool, err error) {
	oldN, newN := atoiDefault(mm[2], 1), atoiDefault(mm[4], 1)
	b := h + 1
	for b < len(in) && !isBoundary(in[b]) && !(isSignature(in[b]) && signatureEnds(in, b)) {
		b++
	}
	// The hunk may end before b only if what follows up to b is blank or
	// the trailing lines git writes after a diff.
	first := b
	for first > h+1 && isTrailingLine(in[first-1]) {
		first--
	}
	type reading struct{ end, x, y int }
	var fits []reading
	ambiguous := ""
	u, p, m := 0, 0, 0
	for e := h + 1; e <= b; e++ {
		if e == b || e >= first && strings.TrimSpace(in[e]) == "" {
			x, y := oldN-u-m, newN-u-p
			if x >= 0 && x <= p && y >= 0 && y <= m && (p-x)+(m-y) > 0 {
				if (x == 0 || x == p) && (y == 0 || y == m) {
					fits = append(fits, reading{e, x, y})
				} else if ambiguous == "" {
					ambiguous = fmt.Sprintf("%d of %d lines starting with '+' and %d of %d starting with '-' would be context lines, and the counts cannot tell which", x, p, y, m)
				}
			}
		}
		if e == b {
			break
		}
		switch l := in[e]; {
		case l == "" || l[0] == ' ':
			u++
		case l[0] == '+':
			p++
		case l[0] == '-':
			m++
		case l[0] == '\\':
		default:
			u++
		}
	}
	switch {
	case len(fits) == 0 && ambiguous == "":
		return 0, false, nil
	case ambiguous != "":
		return 0, false, &Error{pos(h), fmt.Sprintf("hunk %s: context lines lost their leading space; %s: beyond repair", hunkRange(mm), ambiguous)}
	case len(fits) > 1:
		return 0, false, &Error{pos(h), fmt.Sprintf("hunk %s: context lines lost their leading space and the counts fit %d different hunk ends: beyond repair", hunkRange(mm), len(fits))}
	}
	r := fits[0]
	for k := h + 1; k < r.end; k++ {
		l := in[k]
		hs.inHunk[k] = true
		switch {
		case l == "":
			hs.lines[k] = " "
		case l[0] == ' ' || l[0] == '\\':
		case l[0] == '+' && r.x == 0, l[0] == '-' && r.y == 0:
		case l[0] == '+' || l[0] == '-':
			hs.lines[k] = " " + l
			hs.notices = append(hs.notices, Notice{NoticeRepair, fmt.Sprintf("line read as a context line whose indentation was lost (the hunk counts leave no other reading): %q", truncate(l, 60)), pos(k)})
		default:
			hs.lines[k] = " " + l
			hs.notices = append(hs.notices, Notice{NoticeRepair, fmt.Sprintf("context line without its leading space: %q", truncate(l, 60)), pos(k)})
		}
	}
	hs.mangled = true
	return r.end, true, nil
}
