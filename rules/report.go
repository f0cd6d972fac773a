// Package rules holds declarative rule packs (properties, claim patterns,
// scenario matrices), evaluates them against the BEFORE and AFTER programs of
// a patch on the simulated machine, and produces the Report every output
// format renders.
package rules

// Schema is the version of the JSON report. Bump it when a field changes
// meaning or disappears; adding a field is compatible.
const Schema = "patchcheck/report/v1"

// Report is the one result value of a run. Every renderer reads it; the JSON
// format is this value marshalled with encoding/json, so field order and
// names here are the public format (see report/schema.json).
type Report struct {
	Schema  string      `json:"schema"`
	Tool    Tool        `json:"tool"`
	Inputs  []Input     `json:"inputs"`
	Series  Series      `json:"series"`
	Profile *ProfileRef `json:"profile,omitempty"`

	Functions        []Function `json:"functions"`
	Models           Models     `json:"models"`
	BehaviourChanged bool       `json:"behaviour_changed"`

	Claims     []Claim      `json:"claims"`
	Properties []Property   `json:"properties"`
	Metrics    []Metric     `json:"metrics,omitempty"`
	Timelines  []Timeline   `json:"timelines,omitempty"`
	Steps      []SeriesStep `json:"steps,omitempty"` // cumulative evaluation after patches 1..k, for series of more than one patch
	Findings   []Finding    `json:"findings"`
	Verdict    string       `json:"verdict"` // pass | fail | inconclusive
	Summary    string       `json:"summary"`
}

// Tool identifies the run so that a reader can reproduce it.
type Tool struct {
	Name    string   `json:"name"`
	Version string   `json:"version"`
	Args    []string `json:"args"` // the command line, without the program name
	Seed    int64    `json:"seed"`
}

// Input is one file or git range that was read.
type Input struct {
	Name string `json:"name"`
	Kind string `json:"kind"` // mbox | mail | format-patch | web-archive | git
}

// Series is the parsed input.
type Series struct {
	Cover   *Cover   `json:"cover"`
	Patches []Patch  `json:"patches"`
	Notices []Notice `json:"notices"`
}

// Cover is a cover letter.
type Cover struct {
	Subject   string `json:"subject"`
	MessageID string `json:"message_id"`
	// Author, To and Cc are the cover letter's sender and recipients
	// ("Name <email>" each), so that a reply to the series reaches them.
	Author string   `json:"author,omitempty"`
	To     []string `json:"to,omitempty"`
	Cc     []string `json:"cc,omitempty"`
}

// Patch is one patch as read.
type Patch struct {
	Index     int    `json:"index"`
	Total     int    `json:"total"`
	Version   int    `json:"version"`
	Subject   string `json:"subject"`
	MessageID string `json:"message_id"`
	// Prefix is the subject's bracketed prefix without brackets, e.g.
	// "RFC PATCH v3 2/7", so that a reply can repeat the subject as sent.
	Prefix string `json:"prefix,omitempty"`
	// References is the patch's own References chain (oldest first); a reply
	// appends MessageID to it to stay in the thread.
	References []string `json:"references,omitempty"`
	Author     string   `json:"author"`
	Date       string   `json:"date"` // RFC 3339
	// To and Cc are the mail's recipients ("Name <email>" each), usually
	// the maintainers and the list, so that a reply keeps them.
	To       []string  `json:"to,omitempty"`
	Cc       []string  `json:"cc,omitempty"`
	Trailers []Trailer `json:"trailers"`
	Files    []File    `json:"files"`
	Mangled  bool      `json:"whitespace_repaired"`
	Notices  []Notice  `json:"notices"`
	// Applies is what the patch is to the baseline: applies,
	// partly-applies, already-applied, applied-since-modified or
	// not-applicable ("" with --parse-only).
	Applies string `json:"applies,omitempty"`
}

// Trailer is a Key: value line.
type Trailer struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	Source string `json:"source"` // "patch" or a reply's Message-Id
}

// File is one file a patch changes.
type File struct {
	Path    string `json:"path"`
	OldPath string `json:"old_path"`
	Change  string `json:"change"` // modify | add | delete | rename | copy | binary
	Added   int    `json:"added"`
	Deleted int    `json:"deleted"`
	Hunks   int    `json:"hunks"`
	// Diff holds the hunks themselves, so that reports can quote the patch
	// lines a finding or a counterexample step points at.
	Diff []Hunk `json:"diff,omitempty"`
}

// Hunk is one hunk of a file's diff.
type Hunk struct {
	OldStart int      `json:"old_start"`
	OldLines int      `json:"old_lines"`
	NewStart int      `json:"new_start"`
	NewLines int      `json:"new_lines"`
	Section  string   `json:"section,omitempty"` // the text after the closing @@, usually the enclosing function
	Lines    []string `json:"lines"`             // each with its ' ', '+' or '-' marker, without the newline
	// Fate is what the hunk is to the baseline: applies, already-applied,
	// applied-since-modified, not-applicable or unknown; Why says how.
	Fate string `json:"fate,omitempty"`
	Why  string `json:"why,omitempty"`
}

// Notice is a repair or a mismatch the parser reported.
type Notice struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
	File    string `json:"file,omitempty"`
	Line    int    `json:"line"`
}

// ProfileRef names the timing profile used.
type ProfileRef struct {
	Name       string   `json:"name"`
	Source     string   `json:"source"`        // file path or "builtin"
	Calibrated []string `json:"calibrated_on"` // published figures the profile was calibrated on
}

// Function is a C function a patch touches.
type Function struct {
	Patch    int    `json:"patch"`
	File     string `json:"file"`
	Name     string `json:"name"`           // empty for changes outside functions
	Change   string `json:"change"`         // modified | added | removed | outside-function
	What     string `json:"what,omitempty"` // for outside-function changes: include | comment | blank | macro | declaration
	Line     int    `json:"line"`           // first changed line, post-image (pre-image for removals)
	Modelled bool   `json:"modelled"`       // a model covers it
	Note     string `json:"note,omitempty"` // e.g. "no model covers drivers/misc/x.c:blink_probe"
}

// Models says what the BEFORE/AFTER construction could and could not model.
type Models struct {
	Baseline       string          `json:"baseline"` // e.g. "linux v5.10 (smp.c 09c96f57818c, process.c 4784011cecac)"
	UnknownCallees []UnknownCallee `json:"unknown_callees"`
	Unmodelled     []Unmodelled    `json:"unmodelled"` // functions whose patch context did not match the baseline, etc.
	Drift          []Drift         `json:"drift,omitempty"`
	// Source says what BEFORE was compiled from: the bundled restatements
	// or a kernel tree at a base; Functions, every function on the
	// modelled paths with where its code came from.
	Source    *BaselineSource `json:"source,omitempty"`
	Functions []PathFunction  `json:"functions,omitempty"`
}

// BaselineSource is what BEFORE was compiled from.
type BaselineSource struct {
	Kind    string `json:"kind"`             // bundled | tree
	Tree    string `json:"tree,omitempty"`   // the tree as given
	Version string `json:"version"`          // e.g. "6.12.118", "v5.10"
	Commit  string `json:"commit,omitempty"` // base commit of a git tree
	How     string `json:"how"`              // base-commit trailer | index blobs ... | HEAD | directory | bundled
	Guess   bool   `json:"guess"`            // nothing confirms the patch was made against this base
}

// PathFunction is a function on the modelled paths and the origin of its
// code: compiled from the tree's text, bound to a restatement, or missing.
type PathFunction struct {
	Name   string `json:"name"`
	File   string `json:"file"`
	Line   int    `json:"line,omitempty"`
	Origin string `json:"origin"` // tree | bound | missing
	Why    string `json:"why,omitempty"`
}

// UnknownCallee is a call to a function that is neither modelled, nor in the
// patch, nor bound to a primitive.
type UnknownCallee struct {
	Name    string `json:"name"`
	File    string `json:"file"`
	Line    int    `json:"line"`
	Handled string `json:"handled"` // inconclusive | explored-all-returns
}

// Unmodelled is a function that could not be modelled, with the reason.
type Unmodelled struct {
	Name   string `json:"name"`
	File   string `json:"file"`
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

// Drift is a difference between the model library's baseline and a real tree.
type Drift struct {
	File    string `json:"file"`
	Name    string `json:"name"`
	Message string `json:"message"`
}

// Scenario is a point of the scenario matrix.
type Scenario struct {
	CPUs   int      `json:"cpus"`
	Load   string   `json:"load"`   // idle | busy
	Faults []string `json:"faults"` // empty when the machine is healthy
	// PseudoNMI: the machine boots with pseudo-NMI enabled
	// (irqchip.gicv3_pseudo_nmi=1; sim.Config.PseudoNMI).
	PseudoNMI bool `json:"pseudo_nmi,omitempty"`
}

// Distribution summarises a metric over Monte Carlo runs, in seconds.
type Distribution struct {
	P5     float64 `json:"p5"`
	Median float64 `json:"median"`
	P95    float64 `json:"p95"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	Runs   int     `json:"runs"`
	Never  int     `json:"never"` // runs in which the metric's event never happened
}

// Claim is one quantitative statement of the commit message or cover letter.
type Claim struct {
	ID        string        `json:"id"`
	Patch     int           `json:"patch"`
	Text      string        `json:"text"`     // only the words stating the value, e.g. "less than 5 msecs"
	Sentence  string        `json:"sentence"` // the whole sentence
	Variant   string        `json:"variant"`  // before | after: which code the claim describes; "" when unbound
	Scenario  Scenario      `json:"scenario"`
	Metric    string        `json:"metric"`  // the bound metric, empty when unsupported
	Binding   string        `json:"binding"` // how and why the sentence was bound
	Claimed   Claimed       `json:"claimed"`
	Predicted *Distribution `json:"predicted"`
	Also      []AlsoMetric  `json:"also,omitempty"` // metrics the claimed one hides (e.g. time until CPUs are really OFF)
	// Cost is where the predicted median goes, by cause (console output,
	// sleeps, polling waits, firmware calls, RCU, stop_machine, IPI
	// delivery, ...), for the variant the claim describes (AFTER for a
	// change).
	Cost    []CostShare `json:"cost,omitempty"`
	Source  string      `json:"source"`  // "simulation: scenario ..., seed S, R runs, profile P"
	Verdict string      `json:"verdict"` // consistent | inconsistent | unsupported | not-evaluated
	Reason  string      `json:"reason"`
}

// Claimed is the value or bound a claim states, in seconds.
type Claimed struct {
	Relation string  `json:"relation"` // about | less-than | more-than | range | several
	Low      float64 `json:"low"`
	High     float64 `json:"high"`
	PerCPU   bool    `json:"per_cpu"`
}

// AlsoMetric is a second metric reported next to a claim's.
type AlsoMetric struct {
	Metric    string        `json:"metric"`
	Predicted *Distribution `json:"predicted"`
	Why       string        `json:"why"`
}

// Property is one property evaluated for one variant and scenario.
type Property struct {
	ID          string   `json:"id"`
	Entry       string   `json:"entry"`    // the entry (scenario family) it was checked on: kexec, kdump, panic, ...
	Severity    string   `json:"severity"` // error | warning | info
	Doc         string   `json:"doc"`
	Variant     string   `json:"variant"` // before | after
	Scenario    Scenario `json:"scenario"`
	Verdict     string   `json:"verdict"` // holds | holds-if-bounds | violated | inconclusive
	NeedsExpiry []string `json:"needs_expiry"`
	// CertainExpiry names the waits the counterexample lets expire that
	// expire in every run reaching them (their conditions can never become
	// false there): a violated property with them does not depend on a
	// bound running out by chance, and a holds-if-bounds one depends only
	// on the waits in NeedsExpiry.
	CertainExpiry  []string        `json:"certain_expiry,omitempty"`
	Counterexample *Counterexample `json:"counterexample"`
	Explored       Exploration     `json:"explored"`
	Reason         string          `json:"reason,omitempty"`
}

// Exploration says how much of the state space was covered.
type Exploration struct {
	Mode     string `json:"mode"` // exhaustive | random; "" when no exploration ran
	States   int64  `json:"states"`
	Symmetry bool   `json:"symmetry"`
	Complete bool   `json:"complete"`
	Seed     int64  `json:"seed,omitempty"`
	Note     string `json:"note,omitempty"`
}

// Counterexample is a replayable interleaving.
type Counterexample struct {
	CPUs  int    `json:"cpus"`
	Steps []Step `json:"steps"`
}

// Step is one atomic action of a counterexample.
type Step struct {
	CPU    int    `json:"cpu"`
	Action string `json:"action"`
	File   string `json:"file"`
	Line   int    `json:"line"`
	Side   string `json:"side"` // pre | post | model; "" for an event step that runs no code
	Func   string `json:"func"`
	Text   string `json:"text,omitempty"` // the source line
	Event  string `json:"event,omitempty"`
}

// Metric is a named measurement in one scenario.
type Metric struct {
	Name     string        `json:"name"`
	Variant  string        `json:"variant"`
	Scenario Scenario      `json:"scenario"`
	Value    *Distribution `json:"value"`
	Cost     []CostShare   `json:"cost,omitempty"` // where the median goes, by cause
	Source   string        `json:"source"`
}

// CostShare is one cause's part of a predicted median.
type CostShare struct {
	What  string  `json:"what"`
	Share float64 `json:"share"` // 0..1 of the median
}

// Timeline is the per-CPU state history of one timed run, for pictures.
type Timeline struct {
	Variant  string   `json:"variant"`
	Scenario Scenario `json:"scenario"`
	// Entry is the entry the run started in (docs/models.md, "Entries");
	// empty for the kexec reboot.
	Entry    string     `json:"entry,omitempty"`
	Seed     int64      `json:"seed"`
	CPUs     []CPUTrack `json:"cpus"`
	Relocate float64    `json:"relocate"` // seconds; negative if never
	End      float64    `json:"end"`
}

// CPUTrack is one CPU's states over time.
type CPUTrack struct {
	CPU      int       `json:"cpu"`
	Segments []Segment `json:"segments"`
}

// Segment is a state held from Start to End (seconds).
type Segment struct {
	State string  `json:"state"` // running | ipi | stopping | firmware | off | parked | ...
	Start float64 `json:"start"`
	End   float64 `json:"end"`
}

// SeriesStep is the evaluation after applying patches 1..Upto.
type SeriesStep struct {
	Upto             int    `json:"upto"`
	BehaviourChanged bool   `json:"behaviour_changed"`
	Verdict          string `json:"verdict"`
	Summary          string `json:"summary"`
	// PatchVerdict is patch Upto on its own: the programs after it
	// against those after patch Upto-1, with its own message's claims.
	PatchVerdict string `json:"patch_verdict"`
	PatchSummary string `json:"patch_summary"`
}

// Finding is something a reviewer should read, at a location.
type Finding struct {
	ID       string    `json:"id"`
	Severity string    `json:"severity"` // error | warning | note
	Message  string    `json:"message"`
	Location *Location `json:"location"`
	// Property and Claim name what the finding reports on, when it reports
	// on one: a Properties[i].ID (whose counterexample then illustrates it)
	// or a Claims[i].ID.
	Property string `json:"property,omitempty"`
	Claim    string `json:"claim,omitempty"`
	// Variant and Scenario name the Properties row whose counterexample
	// illustrates a property finding (a property has one row per variant
	// and fault set).
	Variant  string    `json:"variant,omitempty"`
	Scenario *Scenario `json:"scenario,omitempty"`
}

// Location points into the patch (post-image line when it exists).
type Location struct {
	Patch int    `json:"patch"`
	File  string `json:"file"`
	Line  int    `json:"line"`
	Side  string `json:"side"`
}
