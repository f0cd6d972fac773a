package rules

import (
	"regexp"
	"strings"
	"unicode"
)

// A sentence of a commit message, with the paragraph it belongs to.
type sentence struct {
	Text      string
	Paragraph int
}

var trailerRE = regexp.MustCompile(`^(?i:signed-off-by|reviewed-by|acked-by|tested-by|reported-by|suggested-by|co-developed-by|cc|fixes|link|closes|message-id|change-id|base-commit)\s*:`)

// sentences splits a commit message into sentences. Paragraphs are separated
// by blank lines; wrapped lines are joined. Trailers, quoted lines ("> ")
// and indented blocks (logs, code) are not prose and are skipped. A period
// ends a sentence only when it is followed by a space and then by something
// that can start one (an upper-case letter, a digit, a C identifier); so
// ".02", "v5.10", "e.g. the" and "smp_send_stop()." are handled.
func sentences(msg string) []sentence {
	var out []sentence
	para := 0
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			for _, s := range splitSentences(strings.Join(cur, " ")) {
				out = append(out, sentence{s, para})
			}
			para++
			cur = nil
		}
	}
	for _, line := range strings.Split(strings.ReplaceAll(msg, "\r\n", "\n"), "\n") {
		if line == "---" {
			break
		}
		t := strings.TrimSpace(line)
		switch {
		case t == "":
			flush()
			continue
		case strings.HasPrefix(t, ">"), strings.HasPrefix(line, "\t"), strings.HasPrefix(line, "    "),
			trailerRE.MatchString(t):
			flush()
			continue
		}
		cur = append(cur, t)
	}
	flush()
	return out
}

var abbreviations = map[string]bool{
	"e.g": true, "i.e": true, "vs": true, "cf": true, "approx": true, "resp": true,
	"fig": true, "no": true, "al": true, "incl": true, "esp": true, "ca": true, "mr": true, "dr": true,
}

func splitSentences(p string) []string {
	var out []string
	start := 0
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c != '.' && c != '!' && c != '?' {
			continue
		}
		j := i + 1
		for j < len(p) && strings.IndexByte(`"')]`, p[j]) >= 0 {
			j++
		}
		if j < len(p) && p[j] != ' ' {
			continue
		}
		if c == '.' {
			w := p[start:i]
			if k := strings.LastIndexAny(w, " ("); k >= 0 {
				w = w[k+1:]
			}
			if abbreviations[strings.ToLower(w)] {
				continue
			}
		}
		k := j
		for k < len(p) && p[k] == ' ' {
			k++
		}
		if k < len(p) && !startsSentence(p[k:]) {
			continue
		}
		if s := strings.TrimSpace(p[start:j]); s != "" {
			out = append(out, s)
		}
		start = j
	}
	if s := strings.TrimSpace(p[start:]); s != "" {
		out = append(out, s)
	}
	return out
}

var identStartRE = regexp.MustCompile(`^[a-z_][a-z0-9_]*(?:_[a-z0-9_]*|\(\))`)

func startsSentence(s string) bool {
	r := rune(s[0])
	if unicode.IsUpper(r) || unicode.IsDigit(r) || strings.ContainsRune(`"'(`, r) {
		return true
	}
	// A sentence may begin with a C identifier: "machine_shutdown() is ...".
	return identStartRE.MatchString(s)
}
