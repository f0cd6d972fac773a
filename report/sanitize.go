package report

import (
	"encoding/json"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/patchcheck/patchcheck/rules"
)

// The Report quotes the patch: its subject, its author, its code lines. The
// patch author may be an adversary, and every reader of a rendering acts on
// what it shows: a terminal obeys escape sequences (ESC, OSC titles and
// hyperlinks, CSI clear-screen, BEL), a bare CR makes a terminal overwrite
// the line ("PASS: every property holds"), Markdown ends a fenced block at
// a CR, and bidirectional overrides make code read in a different order
// than it runs. So before any human-facing format is rendered, every string
// of the Report has its control characters replaced by visible stand-ins.
// Tab and LF are kept: code needs tabs, and multi-line messages are laid
// out by each renderer.

// cleanText returns s with every control character except tab and LF
// replaced by a visible character, bidirectional controls and invalid
// UTF-8 by U+FFFD. A string that needs nothing is returned as it is.
func cleanText(s string) string {
	if !needsCleaning(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for _, r := range s { // ranging over invalid UTF-8 yields U+FFFD
		b.WriteRune(cleanRune(r))
	}
	return b.String()
}

func needsCleaning(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 && c != '\t' && c != '\n') || c == 0x7f {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || cleanRune(r) != r {
			return true
		}
		i += size
	}
	return false
}

// cleanRune maps C0 controls to their Control Pictures (ESC to ␛, CR to
// ␍), DEL to ␡, and C1 controls (which include the 8-bit CSI and OSC) and
// the bidirectional embedding, override and isolate controls to U+FFFD.
func cleanRune(r rune) rune {
	switch {
	case r == '\t' || r == '\n':
		return r
	case r < 0x20:
		return 0x2400 + r
	case r == 0x7f:
		return 0x2421
	case r >= 0x80 && r <= 0x9f:
		return utf8.RuneError
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return utf8.RuneError
	}
	return r
}

// cleanReport returns a deep copy of r with every string cleaned by
// cleanText. Renderers for people work on the copy, so that no field can
// be forgotten; the JSON output is the Report itself (its encoder escapes
// control characters).
func cleanReport(r *rules.Report) (*rules.Report, error) {
	data, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	var c rules.Report
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, err
	}
	cleanValue(reflect.ValueOf(&c).Elem())
	return &c, nil
}

func cleanValue(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		if s := v.String(); needsCleaning(s) {
			v.SetString(cleanText(s))
		}
	case reflect.Pointer:
		if !v.IsNil() {
			cleanValue(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				cleanValue(v.Field(i))
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			cleanValue(v.Index(i))
		}
	case reflect.Map:
		// rules.Report has no maps; a map added later must be cleaned too.
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			cleanValue(e)
			v.SetMapIndex(k, e)
		}
	}
}
