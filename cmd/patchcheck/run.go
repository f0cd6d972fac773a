package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/patchcheck/patchcheck/parse"
	"github.com/patchcheck/patchcheck/report"
	"github.com/patchcheck/patchcheck/rules"
	"github.com/patchcheck/patchcheck/semantics"
	"github.com/patchcheck/patchcheck/semantics/models"
	"github.com/patchcheck/patchcheck/sim/profile"
)

// Exit codes.
const (
	exitOK           = 0 // pass (or, with --parse-only, no findings)
	exitFindings     = 1 // fail: a property is violated, a claim is inconsistent, or the patch as sent is inconsistent
	exitUsage        = 2 // usage or input error
	exitInconclusive = 3 // a budget ran out, or something could not be modelled
)

// version is the tool version written into reports.
const version = "0.1.0-dev"

// options are the inputs of one run.
type options struct {
	Files   []string  // files to read; "-" is Stdin
	GitDir  string    // with Range: read commits from this repository
	Range   string    // A..B or a single commit
	Format  string    // an output format of package report
	Outputs []string  // --output files; the format follows each name's ending
	MaxSize int64     // input size limit; 0 means the default
	Verbose bool      // text: the whole report, not one screen
	Quiet   bool      // nothing on stdout for a pass
	From    string    // email: From:
	To, Cc  []string  // email: To: instead of the author, more Cc:
	Stdin   io.Reader // standard input, for "-"
	Args    []string  // the command line, for the report

	TargetURL    string // --target-url: where the report is published
	CheckContext string // --check-context: the patchwork check's name
	Completion   string // --completion: print this shell's script and stop

	ParseOnly        bool // print the series as read and stop
	ExplainFunctions bool // print the functions the patch changes and stop
	DumpPrograms     bool // print BEFORE and AFTER call trees and stop

	Rules     []string // rule packs added to the default pack
	Profile   string   // timing profile file; empty: the built-in default
	Seed      int64
	Runs      int   // timed runs per scenario; 0: the pack's
	MaxStates int64 // explorer states per exploration; 0: the default
	MaxSteps  int64 // steps of one timed run and depth of an exploration; 0: the default
	MaxMemory int64 // MiB of one exploration's tables; 0: the default
	Timeout   time.Duration
	Tree      string
	HZ        int
	SpinTable bool
	PseudoNMI bool
	Progress  bool
}

// run reads the inputs, runs the pipeline and writes the result; it returns
// the exit code. Errors are written to stderr as one line
// "patchcheck: FILE:LINE: what".
func run(ctx context.Context, o *options, stdout, stderr io.Writer) int {
	// The memory budget covers the whole run, reading the input included;
	// the evaluation below stops when it runs out (memory.go).
	budgetMiB := o.MaxMemory
	if budgetMiB <= 0 {
		budgetMiB = defaultMaxMemoryMiB
	}
	mem := watchMemory(uint64(budgetMiB) << 20)
	defer mem.Stop()
	s, err := readSeries(ctx, o)
	if err != nil {
		writeErr(stderr, err.Error())
		return exitUsage
	}
	if o.ParseOnly {
		return writeParsed(o, s, stdout, stderr)
	}

	sopts := &semantics.Options{Config: semantics.Config{HZ: o.HZ, SpinTable: o.SpinTable}}
	if o.Tree != "" {
		t, err := semantics.OpenTree(o.Tree)
		if err != nil {
			writeErr(stderr, "--tree "+o.Tree+": "+err.Error())
			return exitUsage
		}
		sopts.Tree = t
	}
	if o.ExplainFunctions {
		res, err := semantics.Map(s, sopts)
		if err != nil {
			writeErr(stderr, err.Error())
			return exitUsage
		}
		if err := semantics.WriteFunctions(stdout, res); err != nil {
			writeErr(stderr, err.Error())
			return exitUsage
		}
		return exitOK
	}

	pack, err := loadPack(o.Rules)
	if err != nil {
		writeErr(stderr, err.Error())
		return exitUsage
	}
	prof := profile.Default()
	if o.Profile != "" {
		if prof, err = profile.Load(o.Profile); err != nil {
			writeErr(stderr, err.Error())
			return exitUsage
		}
	}

	if o.DumpPrograms {
		_, _, res, err := rules.Analyze(s, sopts)
		if err != nil {
			writeErr(stderr, err.Error())
			return exitUsage
		}
		return dumpPrograms(res, stdout, stderr)
	}

	// The pipeline runs under the wall-clock budget: when it does not finish
	// in time, the answer is an explicit inconclusive report, not a hang.
	type outcome struct {
		rep *rules.Report
		err error
	}
	done := make(chan outcome, 1)
	// A progress line on stderr, only when it is a terminal.
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	var progress *report.Progress
	if f, ok := stderr.(*os.File); ok {
		progress = report.NewProgress(f, "reading the patch", 0)
		progress.SetDeadline(time.Now().Add(timeout))
	}
	var last lastReport
	// When the run stops early, the evaluation starts no more engine runs.
	evalCtx, stopEval := context.WithCancel(ctx)
	defer stopEval()
	go func() {
		rep, err := evaluate(evalCtx, o, s, sopts, pack, prof, progress, &last, budgetMiB<<20/2)
		done <- outcome{rep, err}
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var rep *rules.Report
	var out outcome
	finished := false
	select {
	case out = <-done:
		finished = true
	case <-timer.C:
		progress.Done() // the line must not run into the report
		rep = timedOut(o, s, timeout, last.get())
	case <-mem.exceeded:
		progress.Done()
		rep = stopped(o, s, last.get(), "budget.memory", fmt.Sprintf("the run needed more than %d MiB of memory (--max-memory)", budgetMiB),
			fmt.Sprintf("stopped by --max-memory at %d MiB", budgetMiB))
	case <-ctx.Done():
		writeErr(stderr, ctx.Err().Error())
		return exitInconclusive
	}
	if !finished {
		// A budget and the end of the run at once: select picks either,
		// and a finished report is worth more than a stopped one.
		select {
		case out = <-done:
			finished = true
		default:
		}
	}
	if finished {
		if out.err != nil {
			writeErr(stderr, out.err.Error())
			return exitUsage
		}
		rep = out.rep
	}

	if err := writeReport(o, rep, stdout, stdoutColor(stdout)); err != nil {
		writeErr(stderr, err.Error())
		return exitUsage
	}
	// A patch that is inconsistent as sent (its diffstat lies, a hunk
	// miscounts) is a finding whatever the models could say about it.
	if hasFindings(s) {
		return exitFindings
	}
	return rules.ExitCode(rep.Verdict)
}

// defaultTimeout is the wall-clock budget of one run when --timeout is not
// given: far above a normal run (seconds), low enough that a CI job that
// meets a pathological input ends with an answer.
const defaultTimeout = 5 * time.Minute

// evaluate runs semantics, the engines and the rules on s. progress, when
// not nil, shows the explorations on a terminal.
func evaluate(ctx context.Context, o *options, s *parse.Series, sopts *semantics.Options, pack *rules.Pack, prof *profile.Profile, progress *report.Progress, last *lastReport, exploreMemory int64) (*rules.Report, error) {
	defer progress.Done()
	variants, steps, res, err := rules.Analyze(s, sopts)
	if err != nil {
		return nil, err
	}
	base := newReport(o, s)
	base.Functions, base.Models = rules.Describe(res, models.Default())
	rules.MarkFates(&base.Series, res)
	complete := func(rep *rules.Report) {
		rep.Schema, rep.Tool, rep.Inputs, rep.Series = base.Schema, base.Tool, base.Inputs, base.Series
		rep.Functions, rep.Models = base.Functions, base.Models
	}
	rep, err := rules.Evaluate(&rules.EvalInput{
		Series: s, Programs: variants, Steps: steps, Pack: pack, Profile: prof, Seed: o.Seed,
		Budget:    rules.Budget{MaxStates: o.MaxStates, MaxSteps: o.MaxSteps, MaxMemory: exploreMemory, Runs: o.Runs},
		Engines:   stoppable{withProgress(progress), ctx},
		Partial:   func(p *rules.Report) { complete(p); last.set(p) },
		Added:     rules.AddedLines(res),
		Plots:     drawsPlots(o),
		PseudoNMI: o.PseudoNMI,
	})
	if err != nil {
		return nil, err
	}
	complete(rep)
	rules.NoteNacks(rep)
	return rep, nil
}

// stoppable refuses engine runs once ctx is done: an evaluation whose run
// was stopped by a budget ends soon after (a process goes on in tests).
type stoppable struct {
	rules.Engines
	ctx context.Context
}

func (e stoppable) Explore(req *rules.ExploreRequest) ([]rules.CheckResult, error) {
	if err := e.ctx.Err(); err != nil {
		return nil, err
	}
	return e.Engines.Explore(req)
}

func (e stoppable) Measure(req *rules.MeasureRequest) (*rules.MeasureResult, error) {
	if err := e.ctx.Err(); err != nil {
		return nil, err
	}
	return e.Engines.Measure(req)
}

// drawsPlots reports whether stdout's format or an --output draws the
// timing plots, which only then are computed.
func drawsPlots(o *options) bool {
	names := []string{o.Format}
	for _, p := range o.Outputs {
		if name, _, err := report.FormatFor(p); err == nil {
			names = append(names, name)
		}
	}
	return report.DrawsPlots(names...)
}

// lastReport holds the last partial report of a running evaluation, for
// the report of a run its wall-clock budget stops.
type lastReport struct {
	mu  sync.Mutex
	rep *rules.Report
}

func (l *lastReport) set(r *rules.Report) { l.mu.Lock(); l.rep = r; l.mu.Unlock() }

func (l *lastReport) get() *rules.Report { l.mu.Lock(); defer l.mu.Unlock(); return l.rep }

// timedOut is the report of a run stopped by its wall-clock budget. Budgets
// never lower a verdict: what was decided before the stop (partial, when
// the evaluation got that far) is reported, and a violation found fails the
// run; otherwise the verdict is inconclusive and says why.
func timedOut(o *options, s *parse.Series, d time.Duration, partial *rules.Report) *rules.Report {
	return stopped(o, s, partial, "budget.timeout", fmt.Sprintf("the run did not finish within %s (--timeout)", d),
		fmt.Sprintf("stopped by --timeout after %s", d))
}

// stopped is the report of a run a budget of the whole run stopped: the
// finding id and why it stopped, and the summary's note.
func stopped(o *options, s *parse.Series, partial *rules.Report, id, why, note string) *rules.Report {
	if partial != nil {
		rep := *partial
		msg := why + "; what was decided before is reported, the rest was not checked"
		rep.Findings = append(slices.Clone(rep.Findings), rules.Finding{ID: id, Severity: "warning", Message: msg})
		if rep.Verdict != "fail" {
			rep.Verdict = "inconclusive"
		}
		rep.Summary = joinSummary(rep.Summary, note)
		rules.NoteNacks(&rep)
		return &rep
	}
	rep := newReport(o, s)
	msg := why + "; no verdict was reached"
	rep.Functions, rep.Claims, rep.Properties = []rules.Function{}, []rules.Claim{}, []rules.Property{}
	rep.Models.UnknownCallees, rep.Models.Unmodelled = []rules.UnknownCallee{}, []rules.Unmodelled{}
	rep.Findings = []rules.Finding{{ID: id, Severity: "warning", Message: msg}}
	rep.Verdict, rep.Summary = "inconclusive", msg
	rules.NoteNacks(rep)
	return rep
}

func joinSummary(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// loadPack returns the default rule pack with the user's packs merged in.
func loadPack(files []string) (*rules.Pack, error) {
	if len(files) == 0 {
		return rules.DefaultPack()
	}
	return rules.LoadPack(files...)
}

// writeReport renders the report to stdout in o.Format and to every
// --output file. color is for stdout only: files never get escape codes.
func writeReport(o *options, rep *rules.Report, stdout io.Writer, color bool) error {
	ropts := report.Options{
		From: o.From, To: o.To, Cc: o.Cc, Verbose: o.Verbose,
		GitHubActions: os.Getenv("GITHUB_ACTIONS") == "true",
		TargetURL:     o.TargetURL, Context: o.CheckContext,
	}
	var buf bytes.Buffer
	stdoutOpts := ropts
	stdoutOpts.Color = color
	if err := report.Render(&buf, o.Format, rep, stdoutOpts); err != nil {
		return err
	}
	if len(o.Outputs) > 0 {
		if err := report.WriteOutputs(o.Outputs, rep, ropts); err != nil {
			return err
		}
	}
	if o.Quiet && report.Silent(rep) {
		return nil
	}
	_, err := stdout.Write(buf.Bytes())
	return err
}

// stdoutColor reports whether the text report on stdout may be coloured.
func stdoutColor(stdout io.Writer) bool {
	f, ok := stdout.(*os.File)
	return ok && report.ColorFor(f)
}

// dumpPrograms prints the call structure of BEFORE and AFTER.
func dumpPrograms(res *semantics.Result, stdout, stderr io.Writer) int {
	for _, v := range []struct {
		name string
		b    *semantics.Build
	}{{"BEFORE", res.Before}, {"AFTER", res.After}} {
		fmt.Fprintf(stdout, "== %s ==\n", v.name)
		if v.b == nil || v.b.Program == nil {
			fmt.Fprintln(stdout, "(no program)")
			continue
		}
		if err := semantics.WriteCallTree(stdout, v.b.Program); err != nil {
			writeErr(stderr, err.Error())
			return exitUsage
		}
	}
	return exitOK
}

// readSeries reads the series the options name.
func readSeries(ctx context.Context, o *options) (*parse.Series, error) {
	popts := &parse.Options{MaxSize: o.MaxSize}
	if o.GitDir != "" {
		return parse.ReadGitRange(ctx, o.GitDir, o.Range, popts)
	}
	return parse.ParseFiles(o.Files, o.Stdin, popts)
}

// writeErr prints one error line. Input errors already carry FILE:LINE.
func writeErr(w io.Writer, msg string) {
	msg = strings.ReplaceAll(strings.TrimSpace(msg), "\n", " ")
	fmt.Fprintf(w, "patchcheck: %s\n", msg)
}

// newReport fills the parts of a report the ingestion stage knows: tool,
// inputs and series.
func newReport(o *options, s *parse.Series) *rules.Report {
	args := o.Args
	if args == nil {
		args = []string{}
	}
	rep := &rules.Report{
		Schema: rules.Schema,
		Tool:   rules.Tool{Name: "patchcheck", Version: version, Args: args, Seed: o.Seed},
		Series: convertSeries(s),
	}
	rep.Inputs = []rules.Input{}
	for _, in := range s.Inputs {
		rep.Inputs = append(rep.Inputs, rules.Input{Name: in.Name, Kind: in.Kind})
	}
	return rep
}

func writeJSON(w io.Writer, rep any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep "Name <addr>" readable
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		return errors.New("encode report: " + err.Error())
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// isFinding reports whether a parse notice is a finding: the patch as sent
// is inconsistent (git apply would reject it, or its diffstat lies).
func isFinding(n parse.Notice) bool {
	return n.Kind == parse.NoticeDiffstat || n.Kind == parse.NoticeHunkCount
}

func hasFindings(s *parse.Series) bool {
	for _, n := range s.Notices {
		if isFinding(n) {
			return true
		}
	}
	for _, p := range s.Patches {
		for _, n := range p.Notices {
			if isFinding(n) {
				return true
			}
		}
	}
	return false
}
