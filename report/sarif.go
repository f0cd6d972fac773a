package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/patchcheck/patchcheck/rules"
)

// SARIF 2.1.0 (OASIS), the subset this report uses. Field order follows
// the specification's examples; omitempty keeps absent parts absent.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	Results     []sarifResult     `json:"results"`
	Properties  map[string]any    `json:"properties,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	Help                 sarifHelp      `json:"help"`
	DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties,omitempty"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifHelp struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifInvocation struct {
	ExecutionSuccessful bool     `json:"executionSuccessful"`
	Arguments           []string `json:"arguments,omitempty"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations,omitempty"`
	PartialFingerprints map[string]string `json:"partialFingerprints,omitempty"`
	CodeFlows           []sarifCodeFlow   `json:"codeFlows,omitempty"`
	Properties          map[string]any    `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
	Message          *sarifText     `json:"message,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifCodeFlow struct {
	Message     sarifText         `json:"message"`
	ThreadFlows []sarifThreadFlow `json:"threadFlows"`
}

type sarifThreadFlow struct {
	ID        string                    `json:"id"`
	Locations []sarifThreadFlowLocation `json:"locations"`
}

type sarifThreadFlowLocation struct {
	Location       sarifLocation `json:"location"`
	ExecutionOrder int           `json:"executionOrder"`
	Kinds          []string      `json:"kinds,omitempty"`
}

const informationURI = "https://github.com/patchcheck/patchcheck"

// renderSARIF writes SARIF 2.1.0 for code scanning: one rule per property
// and per finding id, one result per finding located at the patch's
// post-image file and line, and a finding's counterexample as a code flow
// with one thread per CPU ordered by executionOrder.
func renderSARIF(w io.Writer, r *rules.Report, _ Options) error {
	rulesList, index := sarifRules(r)
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:           nameOr(r.Tool.Name),
			Version:        r.Tool.Version,
			InformationURI: informationURI,
			Rules:          rulesList,
		}},
		Invocations: []sarifInvocation{{ExecutionSuccessful: true, Arguments: r.Tool.Args}},
		Results:     []sarifResult{},
		Properties: map[string]any{
			"verdict": r.Verdict,
			"summary": r.Summary,
			"seed":    r.Tool.Seed,
		},
	}
	for i := range r.Findings {
		f := &r.Findings[i]
		res := sarifResult{
			RuleID:    f.ID,
			RuleIndex: index[f.ID],
			Level:     sarifLevel(f.Severity),
			Message:   sarifText{Text: f.Message},
		}
		if loc := sarifFindingLocation(r, f); loc != nil {
			res.Locations = []sarifLocation{*loc}
			res.PartialFingerprints = map[string]string{"patchcheck/v1": fingerprint(f.ID, loc)}
		}
		if p := violation(r, f); p != nil {
			res.CodeFlows = []sarifCodeFlow{codeFlow(p)}
		}
		if f.Claim != "" {
			res.Properties = map[string]any{"claim": f.Claim}
		}
		run.Results = append(run.Results, res)
	}
	log := sarifLog{
		Schema:  "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{run},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(log)
}

// sarifRules makes one rule per property id, then one per finding id that
// is not a property's, in report order, and returns their indexes.
func sarifRules(r *rules.Report) ([]sarifRule, map[string]int) {
	var list []sarifRule
	index := map[string]int{}
	add := func(rule sarifRule) {
		if _, ok := index[rule.ID]; ok {
			return
		}
		index[rule.ID] = len(list)
		list = append(list, rule)
	}
	for _, g := range groupProperties(r.Properties) {
		var help strings.Builder
		fmt.Fprintf(&help, "%s\n\nResults of this run:\n", g.Doc)
		for _, p := range g.Results {
			fmt.Fprintf(&help, "- %s, %s: %s (%s)\n", variant(p.Variant), scenario(p.Scenario), propertyVerdict(p), exploration(p.Explored))
		}
		add(sarifRule{
			ID:                   g.ID,
			ShortDescription:     sarifText{Text: firstSentence(g.Doc)},
			FullDescription:      sarifText{Text: g.Doc},
			Help:                 sarifHelp{Text: help.String(), Markdown: mdText(g.Doc)},
			DefaultConfiguration: sarifConfig{Level: sarifLevel(g.Severity)},
			Properties:           map[string]any{"tags": []string{"patchcheck", "property"}},
		})
	}
	for _, f := range r.Findings {
		if _, ok := index[f.ID]; ok {
			continue
		}
		doc := f.Message
		tags := []string{"patchcheck", "finding"}
		if c := claimByID(r, f.Claim); c != nil {
			doc = fmt.Sprintf("A quantitative statement of the commit message compared with the model's prediction. Claim %s: %q (%s, %s): %s, %s.", c.ID, c.Text, variant(c.Variant), scenario(c.Scenario), c.Verdict, c.Reason)
			tags = append(tags, "claim")
		}
		add(sarifRule{
			ID:                   f.ID,
			ShortDescription:     sarifText{Text: firstSentence(doc)},
			FullDescription:      sarifText{Text: doc},
			Help:                 sarifHelp{Text: doc},
			DefaultConfiguration: sarifConfig{Level: sarifLevel(f.Severity)},
			Properties:           map[string]any{"tags": tags},
		})
	}
	if list == nil {
		list = []sarifRule{}
	}
	return list, index
}

func sarifLevel(severity string) string {
	switch severity {
	case "error":
		return "error"
	case "warning":
		return "warning"
	default: // note, info
		return "note"
	}
}

// sarifFindingLocation places a finding at its file and line. A finding
// about the commit message has no line of code; code scanning needs a
// location, so it is placed at the first function its patch changes (else
// the first changed line), and the location's message says why.
func sarifFindingLocation(r *rules.Report, f *rules.Finding) *sarifLocation {
	if l := f.Location; l != nil && l.File != "" {
		loc := &sarifLocation{PhysicalLocation: &sarifPhysical{ArtifactLocation: sarifArtifact{URI: sarifURI(l.File), URIBaseID: "%SRCROOT%"}}}
		if l.Line > 0 {
			loc.PhysicalLocation.Region = &sarifRegion{StartLine: l.Line}
		}
		if l.Side == "pre" {
			loc.Message = &sarifText{Text: fmt.Sprintf("line %d of the file before the patch (the line was removed)", l.Line)}
		}
		return loc
	}
	patch := 1
	if c := claimByID(r, f.Claim); c != nil && c.Patch > 0 {
		patch = c.Patch
	}
	// the first function the patch changes in code (not an #include or a
	// comment outside any function), modelled ones first
	for _, modelled := range []bool{true, false} {
		for _, fn := range r.Functions {
			if fn.Patch == patch && fn.Name != "" && fn.Change != "outside-function" && fn.Modelled == modelled && fn.Line > 0 {
				return &sarifLocation{
					PhysicalLocation: &sarifPhysical{ArtifactLocation: sarifArtifact{URI: sarifURI(fn.File), URIBaseID: "%SRCROOT%"}, Region: &sarifRegion{StartLine: firstAddedFrom(r, patch, fn.File, fn.Line)}},
					Message:          &sarifText{Text: fmt.Sprintf("about the commit message of patch %d; shown at the first function it changes, %s()", patch, fn.Name)},
				}
			}
		}
	}
	for _, p := range r.Series.Patches {
		if p.Index != patch {
			continue
		}
		for _, file := range p.Files {
			if len(file.Diff) == 0 {
				continue
			}
			line := max(file.Diff[0].NewStart, 1)
			return &sarifLocation{
				PhysicalLocation: &sarifPhysical{ArtifactLocation: sarifArtifact{URI: sarifURI(file.Path), URIBaseID: "%SRCROOT%"}, Region: &sarifRegion{StartLine: line}},
				Message:          &sarifText{Text: fmt.Sprintf("about the commit message of patch %d; shown at its first changed file", patch)},
			}
		}
	}
	return nil
}

// firstAddedFrom is the first added line of the patch's file at or after
// line (a function's first line) that is not blank or a comment; line when
// there is none.
func firstAddedFrom(r *rules.Report, patch int, file string, line int) int {
	for _, h := range numberHunks(r) {
		if h.Patch != patch || h.File != file {
			continue
		}
		for _, l := range h.Lines {
			t := strings.TrimSpace(strings.TrimPrefix(l.Text, "+"))
			if l.Old == 0 && l.New >= line && t != "" && !strings.HasPrefix(t, "/") && !strings.HasPrefix(t, "*") {
				return l.New
			}
		}
	}
	return line
}

// fingerprint identifies a result across runs for code scanning: the rule
// and the place, not the wording of the message.
func fingerprint(id string, loc *sarifLocation) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s", id, loc.PhysicalLocation.ArtifactLocation.URI)
	if reg := loc.PhysicalLocation.Region; reg != nil {
		fmt.Fprintf(h, "\x00%d", reg.StartLine)
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// codeFlow turns a counterexample into one thread flow per CPU; the
// interleaving is the global executionOrder.
func codeFlow(p *rules.Property) sarifCodeFlow {
	cx := p.Counterexample
	byCPU := map[int]*sarifThreadFlow{}
	var order []int
	for i, s := range cx.Steps {
		tf := byCPU[s.CPU]
		if tf == nil {
			tf = &sarifThreadFlow{ID: cpuName(s.CPU)}
			byCPU[s.CPU] = tf
			order = append(order, s.CPU)
		}
		loc := sarifLocation{Message: &sarifText{Text: fmt.Sprintf("%d. %s", i+1, stepSummary(s))}}
		if s.File != "" && s.Side != "model" {
			loc.PhysicalLocation = &sarifPhysical{ArtifactLocation: sarifArtifact{URI: sarifURI(s.File), URIBaseID: "%SRCROOT%"}}
			if s.Line > 0 {
				loc.PhysicalLocation.Region = &sarifRegion{StartLine: s.Line}
			}
		}
		tfl := sarifThreadFlowLocation{Location: loc, ExecutionOrder: i + 1}
		if s.Event != "" {
			tfl.Kinds = []string{s.Event}
		}
		tf.Locations = append(tf.Locations, tfl)
	}
	var flows []sarifThreadFlow
	for _, cpu := range order {
		flows = append(flows, *byCPU[cpu])
	}
	return sarifCodeFlow{
		Message:     sarifText{Text: fmt.Sprintf("%s violated %s, %s: a shortest interleaving of %s", p.ID, variant(p.Variant), scenario(p.Scenario), plural(len(cx.Steps), "step"))},
		ThreadFlows: flows,
	}
}

// sarifURI makes a file name of the patch a relative URI reference under
// %SRCROOT%: the path is made relative and cleaned (no leading "/", no
// ".."), and every byte but the unreserved characters and "/" is
// percent-encoded (RFC 3986), ":" included, so that no name can be read as
// a scheme ("javascript:...") or carry markup into a viewer.
func sarifURI(name string) string {
	p := path.Clean("/" + name)[1:]
	if p == "" {
		p = "."
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.IndexByte("-._~/", c) >= 0:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
