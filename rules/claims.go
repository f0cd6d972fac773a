package rules

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
	"github.com/patchcheck/patchcheck/parse"
	"github.com/patchcheck/patchcheck/sim"
)

// Message is one text to extract claims from: a patch's commit message, or
// the cover letter (Patch 0).
type Message struct {
	Patch int
	Text  string
	// Old and New are the functions only the patch's removed lines call
	// (Old) or only its added lines call (New). A sentence naming one of
	// them describes the code before or after the patch. They are the
	// fallback when the programs are not known (Code nil).
	Old, New []string
	// Code names the functions each program reaches from its entries. A
	// function a sentence names that only one program reaches says which
	// code the sentence describes; a claim whose subject is a function
	// binds to that function's metrics.
	Code *CodeTerms
}

// CodeTerms are the functions reachable in BEFORE and in AFTER.
type CodeTerms struct {
	Before, After map[string]bool
}

// ReachableNames returns the names of the functions p reaches from its
// entries and from the functions named by roots (see reachable).
func ReachableNames(p *sim.Program, roots ...string) map[string]bool {
	out := map[string]bool{}
	if p == nil {
		return out
	}
	for i, ok := range reachable(p, roots...) {
		if ok {
			out[p.Funcs[i].Name] = true
		}
	}
	return out
}

// Messages returns the cover letter and every patch's message of s, with the
// functions each patch stops or starts calling. Cover-letter cues are the
// union over the series.
func Messages(s *parse.Series) []Message {
	var out []Message
	var allOld, allNew []string
	for _, p := range s.Patches {
		old, nw := changedCalls(p.Files)
		allOld, allNew = append(allOld, old...), append(allNew, nw...)
		out = append(out, Message{Patch: p.Index, Text: p.Message, Old: old, New: nw})
	}
	if s.Cover != nil {
		slices.Sort(allOld)
		slices.Sort(allNew)
		out = append([]Message{{Patch: 0, Text: s.Cover.Body, Old: slices.Compact(allOld), New: slices.Compact(allNew)}}, out...)
	}
	return out
}

var callRE = regexp.MustCompile(`\b([A-Za-z_][A-Za-z0-9_]*)\s*\(`)

var cKeywords = map[string]bool{"if": true, "while": true, "for": true, "switch": true, "return": true, "sizeof": true, "defined": true}

// changedCalls returns the called names that only removed lines contain and
// those that only added lines contain, sorted.
func changedCalls(files []*gitdiff.File) (old, nw []string) {
	del, add := map[string]bool{}, map[string]bool{}
	for _, f := range files {
		for _, frag := range f.TextFragments {
			for _, l := range frag.Lines {
				var set map[string]bool
				switch l.Op {
				case gitdiff.OpDelete:
					set = del
				case gitdiff.OpAdd:
					set = add
				default:
					continue
				}
				for _, m := range callRE.FindAllStringSubmatch(l.Line, -1) {
					if !cKeywords[m[1]] {
						set[m[1]] = true
					}
				}
			}
		}
	}
	for n := range del {
		if !add[n] {
			old = append(old, n)
		}
	}
	for n := range add {
		if !del[n] {
			nw = append(nw, n)
		}
	}
	slices.Sort(old)
	slices.Sort(nw)
	return old, nw
}

var cpuCountRE = regexp.MustCompile(`(?i)\b(\d{1,4})[\s-]*(?:cpus?|cores?|processors?|vcpus?|secondar(?:y|ies)(?:\s+cpus?)?)\b`)

// ExtractClaims returns every quantitative statement of msgs as a Claim,
// bound to a metric by the pack's bindings or marked unsupported. The
// scenario's CPU count comes from the sentence, else from the paragraph so
// far, else from the first count the message states, else defaultCPUs; each
// choice is written into Binding. Verdicts other than "unsupported" are left
// empty for Evaluate.
func ExtractClaims(msgs []Message, cr *ClaimRules, defaultCPUs int) []Claim {
	out := []Claim{}
	for _, m := range msgs {
		out = append(out, extract(m, cr, defaultCPUs)...)
	}
	return out
}

type cue struct {
	pos     int
	variant string
	why     string
}

func extract(m Message, cr *ClaimRules, defaultCPUs int) []Claim {
	sents := sentences(m.Text)
	msgCPUs := 0
	for _, s := range sents {
		if n := cpuCount(s.Text); n > 0 {
			msgCPUs = n
			break
		}
	}
	var out []Claim
	names := nameCues(m)
	paraCPUs, para := 0, -1
	carried := cue{variant: ""}
	n := 0
	for _, s := range sents {
		if s.Paragraph != para {
			para, paraCPUs, carried = s.Paragraph, 0, cue{}
		}
		cues := findCues(s.Text, names, cr)
		qs := cr.quantities(s.Text)
		sentCPUs := cpuCount(s.Text)
		load, loadWhy := sentenceLoad(s.Text, cr)
		for qi, q := range qs {
			n++
			c := Claim{
				ID:       "p" + strconv.Itoa(m.Patch) + ".c" + strconv.Itoa(n),
				Patch:    m.Patch,
				Sentence: s.Text,
				Claimed:  Claimed{Relation: q.Relation, Low: round(q.Low), High: round(q.High)},
			}
			end := q.End
			if cr.PerCPU != nil {
				if loc := cr.PerCPU.FindStringIndex(s.Text[q.End:]); loc != nil {
					c.Claimed.PerCPU = true
					end = q.End + loc[1]
				}
			}
			c.Text = s.Text[q.Start:end]
			var why []string
			subject, subjectWhy := claimSubject(s.Text, q, m.Code)
			// Which code the value describes.
			switch {
			case subject != "" && q.Relation != "speedup" && onlyIn(m.Code, subject) != "":
				c.Variant = onlyIn(m.Code, subject)
				why = append(why, "describes "+c.Variant+" code: "+subject+"() is on the path of the "+strings.ToUpper(c.Variant)+" program only")
			case q.Relation == "speedup":
				c.Variant = "change"
				why = append(why, "a relative change: compares before and after")
			default:
				v, w := fromTo(s.Text, qs, qi)
				if v == "" {
					v, w = nearestCue(cues, q.Start)
				}
				if v == "" && carried.variant != "" {
					v, w = carried.variant, "no cue in the sentence; carried from the paragraph ("+carried.why+")"
				}
				c.Variant = v
				if w != "" {
					why = append(why, "describes "+orUnknown(v)+" code: "+w)
				}
			}
			// Scenario.
			cpus, cwhy := sentCPUs, "the sentence states "+strconv.Itoa(sentCPUs)+" CPUs"
			switch {
			case cpus > 0:
			case paraCPUs > 0:
				cpus, cwhy = paraCPUs, "CPU count "+strconv.Itoa(paraCPUs)+" carried from the paragraph"
			case msgCPUs > 0:
				cpus, cwhy = msgCPUs, "no CPU count in the sentence; "+strconv.Itoa(msgCPUs)+", the count the message states"
			default:
				cpus, cwhy = defaultCPUs, "no CPU count in the message; the pack's largest timing scenario, "+strconv.Itoa(defaultCPUs)
			}
			c.Scenario = Scenario{CPUs: cpus, Load: load, Faults: []string{}}
			why = append(why, cwhy, loadWhy)
			if subject != "" {
				bindFunction(&c, m.Code, subject, subjectWhy, conditional(s.Text, qs, qi), why)
			} else {
				bindClaim(&c, s.Text, cr, why)
			}
			out = append(out, c)
		}
		if sentCPUs > 0 {
			paraCPUs = sentCPUs
		}
		if len(cues) > 0 {
			carried = cues[len(cues)-1]
		}
	}
	return out
}

func orUnknown(v string) string {
	if v == "" {
		return "unknown"
	}
	return v
}

func bindClaim(c *Claim, sent string, cr *ClaimRules, why []string) {
	for _, b := range cr.Bindings {
		if b.PerCPU != nil && *b.PerCPU != c.Claimed.PerCPU {
			continue
		}
		if (b.Relation == "speedup") != (c.Claimed.Relation == "speedup") {
			continue
		}
		if b.Relation != "" && b.Relation != c.Claimed.Relation {
			continue
		}
		if b.Match == nil || !b.Match.MatchString(sent) || b.Unless != nil && b.Unless.MatchString(sent) {
			continue
		}
		c.Binding = "binding " + b.ID + " (" + b.Pos.String() + "); " + strings.Join(why, "; ")
		if b.Unsupported != "" {
			c.Verdict, c.Reason = "unsupported", b.Unsupported
			return
		}
		if c.Variant == "" {
			c.Verdict = "unsupported"
			c.Reason = "the sentence does not say whether it describes the code before or after the patch"
			return
		}
		c.Metric = b.Metric
		for _, a := range b.Also {
			c.Also = append(c.Also, AlsoMetric{Metric: a.Metric, Why: a.Why})
		}
		return
	}
	c.Binding = strings.Join(why, "; ")
	c.Verdict = "unsupported"
	c.Reason = "no binding of the rule pack matches the sentence: it does not talk about a modelled metric"
}

// A claim's subject is the function the sentence says the value is the
// time of: "cpu_psci_cpu_kill() needs to wait for 10ms", "smp_send_stop()
// needs only 5 msecs", "wait 10 ms in cpu_psci_cpu_kill()". It is the code
// term right before the value (a few words, no comma, no noun naming
// another quantity such as "the shutdown time"), else right after it behind
// a preposition; only functions one of the programs reaches count.
var (
	codeTermRE     = regexp.MustCompile(`\b([A-Za-z_][A-Za-z0-9_]*)(\s*\(\))?`)
	otherQuantity  = regexp.MustCompile(`(?i)\b(?:time|latency|duration|delay|overhead)s?\b|[,;:]`)
	afterSubjectRE = regexp.MustCompile(`(?i)^\s*(?:per\s+call\s+)?(?:in|inside|within|of|by|for)\s+(?:the\s+|each\s+|a\s+)?(?:call\s+(?:of|to)\s+)?$`)
	conditionRE    = regexp.MustCompile(`(?i)\b(?:if|when|whenever|unless|in case)\b`)
)

const maxSubjectGap = 5 // words between the function and the value

func claimSubject(sent string, q quantity, code *CodeTerms) (string, string) {
	if code == nil {
		return "", ""
	}
	known := func(name string, paren bool) bool {
		return (code.Before[name] || code.After[name]) && (paren || strings.Contains(name, "_"))
	}
	// a function written with "()" is a subject whether or not a program
	// runs it (bindFunction makes one no program runs unsupported)
	var before, after []int
	for _, m := range codeTermRE.FindAllStringSubmatchIndex(sent, -1) {
		if m[4] < 0 && !known(sent[m[2]:m[3]], false) {
			continue // a word, not a function
		}
		if m[1] <= q.Start {
			before = m
		} else if m[0] >= q.End && after == nil {
			after = m
		}
	}
	if before != nil {
		gap := sent[before[1]:q.Start]
		if !otherQuantity.MatchString(gap) && len(strings.Fields(gap)) <= maxSubjectGap {
			name := sent[before[2]:before[3]]
			return name, fmt.Sprintf("the sentence gives the time of %s() (%q)", name, strings.TrimSpace(sent[before[0]:q.End]))
		}
	}
	if after != nil && afterSubjectRE.MatchString(sent[q.End:after[0]]) {
		name := sent[after[2]:after[3]]
		return name, fmt.Sprintf("the sentence gives a time in %s() (%q)", name, strings.TrimSpace(sent[q.Start:after[1]]))
	}
	return "", ""
}

// onlyIn names the one program that reaches name, or "".
func onlyIn(code *CodeTerms, name string) string {
	switch {
	case code == nil:
		return ""
	case code.Before[name] && !code.After[name]:
		return "before"
	case code.After[name] && !code.Before[name]:
		return "after"
	}
	return ""
}

// conditional reports whether the value is stated under a condition
// ("if affinity_info() does not return OFF quickly, ... needs to wait
// 10ms"): a condition word between the previous value and this one.
func conditional(sent string, qs []quantity, i int) bool {
	from := 0
	if i > 0 {
		from = qs[i-1].End
	}
	return conditionRE.MatchString(sent[from:qs[i].Start])
}

// bindFunction binds a claim about function name to the time of one call
// of it (on any CPU), with the time one CPU spends in it over the run next
// to it. A value stated under a condition the runs are not sorted by is
// unsupported: the distribution over all calls does not answer it.
func bindFunction(c *Claim, code *CodeTerms, name, subjectWhy string, cond bool, why []string) {
	c.Binding = "names the function: " + subjectWhy + "; " + strings.Join(why, "; ")
	if code == nil || !code.Before[name] && !code.After[name] {
		c.Verdict = "unsupported"
		c.Reason = "the sentence gives the time of " + name + "(), which neither the BEFORE nor the AFTER program runs on the modelled path"
		return
	}
	c.Metric = "call:" + name
	if cond {
		c.Verdict = "unsupported"
		c.Reason = "the sentence states the time of " + name + "() only under a condition (if/when ...); the model's calls are not sorted by that condition, so the distribution over all calls of " + c.Metric + " does not answer it"
		return
	}
	if c.Variant == "" {
		c.Verdict = "unsupported"
		c.Reason = "the sentence does not say whether it describes the code before or after the patch, and both programs reach " + name + "()"
		return
	}
	c.Also = append(c.Also, AlsoMetric{Metric: "cpu:" + name, Why: "the time one CPU spends in " + name + "() over the run, all its calls together"})
}

func cpuCount(s string) int {
	for _, m := range cpuCountRE.FindAllStringSubmatchIndex(s, -1) {
		if !numberStart(s, m[2]) {
			continue
		}
		if n, err := strconv.Atoi(s[m[2]:m[3]]); err == nil && n > 0 && n <= MaxCPUs {
			return n
		}
	}
	return 0
}

func sentenceLoad(s string, cr *ClaimRules) (string, string) {
	for _, l := range cr.Loads {
		if loc := l.Pattern.FindStringIndex(s); loc != nil {
			return l.Load, "load " + l.Load + " (\"" + s[loc[0]:loc[1]] + "\")"
		}
	}
	return "idle", "no load stated: idle (the best case)"
}

// nameCue is a function name whose mention marks a variant.
type nameCue struct {
	re      *regexp.Regexp
	name    string
	variant string
	what    string
}

// nameCues compiles the patch's removed-only and added-only callees once
// per message.
func nameCues(m Message) []nameCue {
	var out []nameCue
	if m.Code != nil {
		// the programs decide: a function only one of them reaches
		for _, set := range []struct {
			names         map[string]bool
			other         map[string]bool
			variant, what string
		}{{m.Code.Before, m.Code.After, "before", "on the BEFORE program's path only"}, {m.Code.After, m.Code.Before, "after", "on the AFTER program's path only"}} {
			var names []string
			for n := range set.names {
				if !set.other[n] && strings.Contains(n, "_") {
					names = append(names, n)
				}
			}
			slices.Sort(names)
			for _, n := range names {
				out = append(out, nameCue{regexp.MustCompile(`\b` + regexp.QuoteMeta(n) + `\b`), n, set.variant, set.what})
			}
		}
		return out
	}
	for _, set := range []struct {
		names         []string
		variant, what string
	}{{m.Old, "before", "called only by the removed lines"}, {m.New, "after", "called only by the added lines"}} {
		for _, n := range set.names {
			out = append(out, nameCue{regexp.MustCompile(`\b` + regexp.QuoteMeta(n) + `\b`), n, set.variant, set.what})
		}
	}
	return out
}

// findCues returns the variant cues of a sentence in order of position.
func findCues(s string, names []nameCue, cr *ClaimRules) []cue {
	var cs []cue
	addRE := func(res []*regexp.Regexp, v string) {
		for _, re := range res {
			for _, loc := range re.FindAllStringIndex(s, -1) {
				cs = append(cs, cue{loc[0], v, fmt.Sprintf("%q", s[loc[0]:loc[1]])})
			}
		}
	}
	addRE(cr.Before, "before")
	addRE(cr.After, "after")
	for _, n := range names {
		if !strings.Contains(s, n.name) {
			continue
		}
		for _, loc := range n.re.FindAllStringIndex(s, -1) {
			cs = append(cs, cue{loc[0], n.variant, n.name + "() is " + n.what})
		}
	}
	slices.SortStableFunc(cs, func(a, b cue) int { return a.pos - b.pos })
	return cs
}

// nearestCue picks the cue closest before pos, else the first after it.
func nearestCue(cs []cue, pos int) (string, string) {
	var best *cue
	for i := range cs {
		if cs[i].pos < pos {
			best = &cs[i]
		}
	}
	if best == nil && len(cs) > 0 {
		best = &cs[0]
	}
	if best == nil {
		return "", ""
	}
	return best.variant, best.why
}

var fromRE = regexp.MustCompile(`(?i)\bfrom\s*$`)

// fromTo recognises "from X ... to Y": X describes the code before, Y after.
func fromTo(s string, qs []quantity, i int) (string, string) {
	if i+1 < len(qs) && fromRE.MatchString(s[:qs[i].Start]) && strings.Contains(strings.ToLower(s[qs[i].End:qs[i+1].Start]), " to ") {
		return "before", `"from ` + s[qs[i].Start:qs[i].End] + ` to ..."`
	}
	if i > 0 && fromRE.MatchString(s[:qs[i-1].Start]) && strings.HasSuffix(strings.ToLower(strings.TrimSpace(s[qs[i-1].End:qs[i].Start])), "to") {
		return "after", `"from ... to ` + s[qs[i].Start:qs[i].End] + `"`
	}
	return "", ""
}

func round(v float64) float64 {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 12, 64), 64)
	return f
}
