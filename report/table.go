package report

import (
	"strings"
	"unicode/utf8"
)

// table lays out rows of cells in columns for plain text. A cell wider than
// its column's limit wraps onto more lines of the same row.
type table struct {
	head  []string
	limit []int // the most columns a column may take
	rows  [][]string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

// lines renders the table with gap spaces between columns and indent before
// each line. Widths are the widest cell up to the limit.
func (t *table) lines(indent string, gap int) []string {
	width := make([]int, len(t.head))
	measure := func(cells []string) {
		for i, c := range cells {
			for _, l := range wrapCell(c, t.limit[i]) {
				width[i] = max(width[i], utf8.RuneCountInString(l))
			}
		}
	}
	measure(t.head)
	for _, r := range t.rows {
		measure(r)
	}
	var out []string
	emit := func(cells []string) {
		wrapped := make([][]string, len(cells))
		height := 0
		for i, c := range cells {
			wrapped[i] = wrapCell(c, t.limit[i])
			height = max(height, len(wrapped[i]))
		}
		for k := 0; k < height; k++ {
			var b strings.Builder
			b.WriteString(indent)
			for i := range cells {
				s := ""
				if k < len(wrapped[i]) {
					s = wrapped[i][k]
				}
				b.WriteString(s)
				if i < len(cells)-1 {
					b.WriteString(strings.Repeat(" ", width[i]-utf8.RuneCountInString(s)+gap))
				}
			}
			out = append(out, strings.TrimRight(b.String(), " "))
		}
	}
	emit(t.head)
	var rule []string
	for _, w := range width {
		rule = append(rule, strings.Repeat("-", w))
	}
	emit(rule)
	for _, r := range t.rows {
		emit(r)
	}
	return out
}

func wrapCell(s string, limit int) []string {
	if utf8.RuneCountInString(s) <= limit {
		return []string{s}
	}
	var out []string
	for _, l := range wrap(s, limit) {
		// A single word longer than the column is cut, not allowed to
		// push the columns after it out of line.
		for utf8.RuneCountInString(l) > limit {
			r := []rune(l)
			out = append(out, string(r[:limit]))
			l = string(r[limit:])
		}
		out = append(out, l)
	}
	return out
}
