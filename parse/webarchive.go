package parse

import (
	"regexp"
	"strings"
	"time"
)

// Web archives (lkml.iu.edu hypermail pages, lore's rendered view, ...)
// present a mail as its subject line, a few pseudo-headers ("From: Name",
// "Date: Fri Nov 06 2020 - 18:26:17 EST") and the body, and lose the
// leading space of context lines on the way through HTML.

var pseudoHeader = regexp.MustCompile(`^(From|Date|Subject|To|Cc|CC|Message-I[Dd]|In-Reply-To|References): ?(.*)$`)

// looksLikeWebArchive reports whether lines are a subject line followed,
// within a few lines, by a From: pseudo-header.
func looksLikeWebArchive(lines []string) bool {
	first := -1
	for i, l := range lines {
		if strings.TrimSpace(l) != "" {
			first = i
			break
		}
	}
	if first < 0 || headerLine.MatchString(lines[first]) {
		return false
	}
	for i := first + 1; i < len(lines) && i < first+8; i++ {
		if strings.HasPrefix(lines[i], "From: ") {
			return true
		}
	}
	return false
}

// archiveZones gives the offsets of the US zone abbreviations archives
// print; time.Parse would otherwise give them a zero offset.
var archiveZones = map[string]int{
	"UTC": 0, "GMT": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5,
	"MST": -7, "MDT": -6, "PST": -8, "PDT": -7, "CET": 1, "CEST": 2,
}

// parseArchiveDate reads the date formats archives print.
func parseArchiveDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, err := parseDate(s); err == nil {
		return t, true
	}
	f := strings.Fields(s)
	if len(f) > 0 {
		if off, ok := archiveZones[f[len(f)-1]]; ok {
			loc := time.FixedZone(f[len(f)-1], off*3600)
			rest := strings.Join(f[:len(f)-1], " ")
			for _, layout := range []string{"Mon Jan 02 2006 - 15:04:05", "Mon Jan 2 2006 - 15:04:05", "Mon, 2 Jan 2006 15:04:05", "2006-01-02 15:04:05"} {
				if t, err := time.ParseInLocation(layout, rest, loc); err == nil {
					return t, true
				}
			}
		}
	}
	return time.Time{}, false
}

// parseWebArchive turns archive text into a message whose body lines map
// one for one onto the input's.
func parseWebArchive(name string, lines []string) (*message, error) {
	m := &message{exact: true}
	i := 0
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	m.pos = Pos{name, i + 1}
	m.subject = strings.TrimSpace(lines[i])
	i++
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	for ; i < len(lines); i++ {
		mm := pseudoHeader.FindStringSubmatch(lines[i])
		if mm == nil {
			break
		}
		v := strings.TrimSpace(mm[2])
		switch strings.ToLower(mm[1]) {
		case "from":
			m.from = decodeAddress(v)
		case "to":
			m.to = decodeAddressList(v)
		case "cc":
			m.cc = decodeAddressList(v)
		case "date":
			if t, ok := parseArchiveDate(v); ok {
				m.date, m.hasDate = t, true
			} else {
				m.notices = append(m.notices, Notice{NoticeEncoding, "unparsable Date " + v, Pos{name, i + 1}})
			}
		case "subject":
			m.subject = v
		case "message-id":
			m.messageID = msgID(v)
		case "in-reply-to":
			m.inReplyTo = msgID(v)
		}
	}
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	m.bodyLine = i + 1
	m.body = strings.Join(lines[i:], "\n")
	return m, nil
}
