package parse

import (
	"strconv"
	"strings"
)

// subjectInfo is what a patch subject line says about its mail.
type subjectInfo struct {
	reply   bool   // "Re:" (or "Fwd:") in front
	tagged  bool   // a [PATCH ...] / [RFC ...] tag was found
	prefix  string // the tag's contents, e.g. "RFC PATCH v3 2/7"
	version int
	index   int
	total   int
	subject string // the rest
}

// parseSubject splits "[RFC PATCH net-next v3 2/7] foo: bar" into its tag
// and the summary. Tags other than the first patch tag ("[net-next]") stay
// in the prefix.
func parseSubject(s string) subjectInfo {
	si := subjectInfo{version: 1, index: 1, total: 1}
	s = strings.TrimSpace(s)
	for {
		l := strings.ToLower(s)
		switch {
		case strings.HasPrefix(l, "re:"), strings.HasPrefix(l, "aw:"):
			si.reply = true
			s = strings.TrimSpace(s[3:])
			continue
		case strings.HasPrefix(l, "fwd:"):
			si.reply = true
			s = strings.TrimSpace(s[4:])
			continue
		}
		break
	}
	var tags []string
	for strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			break
		}
		tags = append(tags, strings.TrimSpace(s[1:end]))
		s = strings.TrimSpace(s[end+1:])
		if l := strings.ToLower(s); strings.HasPrefix(l, "re:") {
			si.reply = true
			s = strings.TrimSpace(s[3:])
		}
	}
	si.subject = s
	si.prefix = strings.Join(tags, "] [")
	for _, tag := range tags {
		fields := strings.Fields(tag)
		patchTag := false
		for _, f := range fields {
			u := strings.ToUpper(f)
			if u == "PATCH" || u == "RFC" || u == "PATCHV2" || strings.HasPrefix(u, "PATCH") {
				patchTag = true
			}
		}
		if !patchTag {
			continue
		}
		si.tagged = true
		for _, f := range fields {
			lf := strings.ToLower(f)
			if strings.HasPrefix(lf, "patchv") { // "[PATCHv2]"
				lf = lf[5:]
			}
			if len(lf) > 1 && lf[0] == 'v' {
				if v, err := strconv.Atoi(lf[1:]); err == nil && v > 0 {
					si.version = v
				}
				continue
			}
			if i := strings.IndexByte(lf, '/'); i > 0 {
				n, err1 := strconv.Atoi(lf[:i])
				m, err2 := strconv.Atoi(lf[i+1:])
				if err1 == nil && err2 == nil && m > 0 && n >= 0 { // n > m is kept: the series assembly reports it
					si.index, si.total = n, m
				}
			}
		}
	}
	return si
}
