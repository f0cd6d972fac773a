package rules

import (
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// unitPattern matches a time unit; unitSeconds gives its size. Units are
// facts of the language, not claim patterns, so they live here.
const unitPattern = `seconds?|secs?|milliseconds?|msecs?|ms|microseconds?|usecs?|us|µs|nanoseconds?|nsecs?|ns|minutes?|mins?|s`

func unitSeconds(u string) float64 {
	u = strings.ToLower(u)
	switch {
	case strings.HasPrefix(u, "milli"), strings.HasPrefix(u, "msec"), u == "ms":
		return 1e-3
	case strings.HasPrefix(u, "micro"), strings.HasPrefix(u, "usec"), u == "us", u == "µs":
		return 1e-6
	case strings.HasPrefix(u, "nano"), strings.HasPrefix(u, "nsec"), u == "ns":
		return 1e-9
	case strings.HasPrefix(u, "min"):
		return 60
	}
	return 1
}

// Numbers are digits or English number words ("five", "twenty-five",
// "a hundred"). "one" and "a" are left to articleRE: "a second CPU" and
// "one second thought" are rarely claims.
const (
	wordUnits  = `two|three|four|five|six|seven|eight|nine`
	wordTeens  = `ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen`
	wordTens   = `twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety`
	wordNumber = `(?:(?:` + wordTens + `)(?:[-\s](?:one|` + wordUnits + `))?|` + wordTeens + `|` + wordUnits + `|(?:a|one)\s+hundred|(?:a|one)\s+thousand)`
	numPattern = `(?:\d+(?:\.\d+)?|\.\d+|` + wordNumber + `)`
)

var (
	rangeRE   = regexp.MustCompile(`(?i)(?:between\s+)?(` + numPattern + `)\s*(` + unitPattern + `)?\s*(?:to|-|–|and)\s*(` + numPattern + `)\s*(` + unitPattern + `)\b`)
	singleRE  = regexp.MustCompile(`(?i)(` + numPattern + `)\s*(` + unitPattern + `)\b`)
	articleRE = regexp.MustCompile(`(?i)\b(?:a|an|one)\s+(second|millisecond|microsecond|minute)\b`)
	timesRE   = regexp.MustCompile(`(?i)(` + numPattern + `)\s*(?:x|×|times)\s+(faster|quicker|slower|speed-?up)\b`)
	percentRE = regexp.MustCompile(`(?i)(?:by\s+)?(` + numPattern + `)\s*(?:%|percent)(?:\s+(faster|quicker|slower|less|shorter|longer|reduction|lower|higher))?`)
	reduceRE  = regexp.MustCompile(`(?i)\b(?:reduc|cut|shorten|lower|decreas|sav|improv|speed)\w*`)
	// fractions of a unit: "half a second", "a quarter of a second"
	fractionRE = regexp.MustCompile(`(?i)\b(half|a\s+quarter|three\s+quarters|a\s+third|a\s+tenth|a\s+hundredth)\s+(?:of\s+)?an?\s+(second|millisecond|microsecond|minute)\b`)
)

var fractionValue = map[string]float64{"half": 0.5, "a quarter": 0.25, "three quarters": 0.75, "a third": 1.0 / 3, "a tenth": 0.1, "a hundredth": 0.01}

var wordValue = map[string]float64{
	"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
	"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
	"seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
	"sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000,
}

// quantity is a value found in a sentence.
type quantity struct {
	Start, End int // byte span in the sentence, relation words included
	Relation   string
	Low, High  float64 // seconds; for speedup, the factor before/after
}

// quantities finds the values stated in s, left to right, without overlaps.
func (cr *ClaimRules) quantities(s string) []quantity {
	var qs []quantity
	taken := func(a, b int) bool {
		for _, q := range qs {
			if a < q.End && q.Start < b {
				return true
			}
		}
		return false
	}
	add := func(q quantity) {
		if !taken(q.Start, q.End) {
			qs = append(qs, q)
		}
	}
	for _, v := range cr.Vague {
		for _, m := range v.Pattern.FindAllStringSubmatchIndex(s, -1) {
			u := unitSeconds(s[m[2]:m[3]])
			q := quantity{Start: m[0], End: m[1], Relation: v.Relation, Low: v.Low * u, High: v.High * u}
			add(cr.withRelation(s, q, false))
		}
	}
	for _, m := range timesRE.FindAllStringSubmatchIndex(s, -1) {
		if !numberStart(s, m[0]) {
			continue
		}
		f := num(s[m[2]:m[3]])
		if strings.EqualFold(s[m[4]:m[5]], "slower") && f != 0 {
			f = 1 / f
		}
		add(cr.withRelation(s, quantity{Start: m[0], End: m[1], Relation: "speedup", Low: f, High: f}, true))
	}
	for _, m := range percentRE.FindAllStringSubmatchIndex(s, -1) {
		if !numberStart(s, m[2]) {
			continue
		}
		p := num(s[m[2]:m[3]]) / 100
		word := ""
		if m[4] >= 0 {
			word = strings.ToLower(s[m[4]:m[5]])
		}
		var f float64
		switch {
		case word == "faster" || word == "quicker":
			f = 1 + p
		case word == "slower" || word == "longer" || word == "higher":
			f = 1 / (1 + p)
		case (word != "" || reduceRE.MatchString(s[:m[0]])) && p < 1:
			// "reduces the time by 40%", "40% less": after = (1-p) before.
			f = 1 / (1 - p)
		default:
			continue // a percentage of something else (load, CPUs)
		}
		add(cr.withRelation(s, quantity{Start: m[0], End: m[1], Relation: "speedup", Low: f, High: f}, true))
	}
	for _, m := range rangeRE.FindAllStringSubmatchIndex(s, -1) {
		if !numberStart(s, m[2]) {
			continue
		}
		hu := unitSeconds(s[m[8]:m[9]])
		lu := hu
		if m[4] >= 0 {
			lu = unitSeconds(s[m[4]:m[5]])
		}
		lo, hi := num(s[m[2]:m[3]])*lu, num(s[m[6]:m[7]])*hu
		if hi < lo {
			continue
		}
		add(cr.withRelation(s, quantity{Start: m[0], End: m[1], Relation: "range", Low: lo, High: hi}, false))
	}
	for _, m := range singleRE.FindAllStringSubmatchIndex(s, -1) {
		if !numberStart(s, m[2]) {
			continue
		}
		v := num(s[m[2]:m[3]]) * unitSeconds(s[m[4]:m[5]])
		add(cr.withRelation(s, quantity{Start: m[0], End: m[1], Relation: "about", Low: v, High: v}, false))
	}
	for _, m := range fractionRE.FindAllStringSubmatchIndex(s, -1) {
		f := fractionValue[strings.Join(strings.Fields(strings.ToLower(s[m[2]:m[3]])), " ")]
		v := f * unitSeconds(s[m[4]:m[5]])
		add(cr.withRelation(s, quantity{Start: m[0], End: m[1], Relation: "about", Low: v, High: v}, false))
	}
	for _, m := range articleRE.FindAllStringSubmatchIndex(s, -1) {
		v := unitSeconds(s[m[2]:m[3]])
		q := cr.withRelation(s, quantity{Start: m[0], End: m[1], Relation: "about", Low: v, High: v}, false)
		if q.Start == m[0] {
			continue // "a second" alone is rarely a claim ("a second CPU"); it needs a relation word
		}
		add(q)
	}
	slices.SortFunc(qs, func(a, b quantity) int { return a.Start - b.Start })
	return qs
}

// withRelation extends q to the left over a relation phrase ("less than",
// "about", "needs only the") and sets its relation from it.
func (cr *ClaimRules) withRelation(s string, q quantity, speedup bool) quantity {
	before := strings.ToLower(s[:q.Start])
	trimmed := strings.TrimRight(before, " ")
	trimmed = strings.TrimSuffix(trimmed, " the")
	trimmed = strings.TrimRight(trimmed, " ")
	best, bestRel := "", ""
	for _, rel := range []string{"less-than", "more-than", "about"} {
		for _, ph := range cr.Relations[rel] {
			ph = strings.ToLower(ph)
			if len(ph) > len(best) && strings.HasSuffix(trimmed, ph) {
				k := len(trimmed) - len(ph)
				if k == 0 || !isWordByte(trimmed[k-1]) || !isWordByte(ph[0]) {
					best, bestRel = ph, rel
				}
			}
		}
	}
	if best == "" {
		return q
	}
	q.Start = len(trimmed) - len(best)
	v := q.High
	if q.Relation == "range" || speedup {
		if bestRel == "about" {
			return q
		}
		// "less than 2 to 3 ms" is odd; keep the range's outer bound.
		if bestRel == "more-than" {
			v = q.Low
		}
	}
	switch bestRel {
	case "less-than":
		if speedup {
			q.Relation = "speedup"
		} else {
			q.Relation, q.Low, q.High = "less-than", 0, v
		}
	case "more-than":
		if speedup {
			q.Relation = "speedup"
		} else {
			q.Relation, q.Low, q.High = "more-than", v, 0
		}
	case "about":
		if q.Relation != "range" {
			q.Relation = "about"
		}
	}
	return q
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// numberStart reports whether a number can start at i: not inside a word or a
// version ("v5.10", "x86").
func numberStart(s string, i int) bool {
	if i == 0 {
		return true
	}
	c := s[i-1]
	return !isWordByte(c) && c != '.'
}

func num(s string) float64 {
	if w := strings.Fields(strings.ToLower(strings.ReplaceAll(s, "-", " "))); len(w) > 0 && (w[0] == "a" || wordValue[w[0]] > 0) {
		// "twenty five" = 20 + 5, "a hundred" = 100
		v := 0.0
		for _, x := range w {
			switch {
			case x == "a":
				v = max(v, 1)
			case x == "hundred" || x == "thousand":
				v = max(v, 1) * wordValue[x]
			default:
				v += wordValue[x]
			}
		}
		return v
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) {
		return 0
	}
	return v
}
