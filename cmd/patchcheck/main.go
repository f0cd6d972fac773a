// Command patchcheck validates Linux kernel patches by executing them: it
// reads a patch or series in any of the forms it arrives in (mbox, mail, git
// format-patch files, web-archive text, a git range), builds executable
// models of the code before and after the patch, runs both on a simulated
// arm64 machine, and reports on the commit message's claims and on safety
// properties.
package main

import (
	"context"
	"fmt"
	"io"
	"net/mail"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/patchcheck/patchcheck/report"
	"github.com/spf13/cobra"
)

func main() {
	if os.Getenv(supervisedEnv) == "" {
		// See crash.go: a supervisor turns a runtime crash of the run into
		// exit status 4 with a clear message.
		if exe, err := os.Executable(); err == nil {
			os.Exit(supervise(exe, os.Args[1:], os.Environ(), os.Stdin, os.Stdout, os.Stderr))
		}
	}
	childSetup()
	os.Exit(execute(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// execute parses the command line and runs; it returns the exit code.
func execute(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	code := exitOK
	cmd := newCommand(func(o *options) {
		o.Stdin = stdin
		o.Args = append([]string{}, args...)
		code = run(ctx, o, stdout, stderr)
	})
	cmd.SetArgs(args)
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	if err := cmd.ExecuteContext(ctx); err != nil {
		writeErr(stderr, err.Error())
		return exitUsage
	}
	return code
}

// newCommand builds the cobra command; do is called with the options once
// the flags and arguments are valid.
func newCommand(do func(*options)) *cobra.Command {
	o := &options{}
	cmd := &cobra.Command{
		Use:   "patchcheck [flags] FILE... | --git DIR RANGE",
		Short: "Check a Linux kernel patch or series",
		Long: `patchcheck reads a kernel patch or series, runs the code before and after
it on a simulated arm64 machine with PSCI firmware, and reports whether the
commit message's performance claims agree with the model and whether safety
properties hold.

FILE may be an mbox (mboxo or mboxrd), a single mail, several git format-patch
files, text copied from a web archive, any of them compressed with gzip or xz
(lore's t.mbox.gz), a directory of patch files (read in file-name order), or
"-" for standard input. With --git, the commits of RANGE (A..B, or a single
commit) in the repository DIR are read.

Exit status: 0 pass, 1 fail (a property violated, a claim inconsistent, or the
patch as sent is inconsistent), 2 usage or input error, 3 inconclusive, 4 internal
error (the Go runtime or the system stopped the run).`,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args: func(cmd *cobra.Command, args []string) error {
			if o.Completion != "" {
				return nil
			}
			if o.GitDir != "" {
				if len(args) != 1 {
					return errUsage("--git needs exactly one RANGE argument")
				}
				return nil
			}
			if len(args) == 0 {
				return errUsage("no input: give FILE..., - for standard input, or --git DIR RANGE")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Completion != "" {
				return writeCompletion(cmd, o.Completion, cmd.OutOrStdout())
			}
			if err := checkPatchworkFlags(o); err != nil {
				return err
			}
			if !slices.Contains(report.Formats(), o.Format) {
				return errUsage("unknown --format " + o.Format + " (want one of " + strings.Join(report.Formats(), ", ") + ")")
			}
			if o.ParseOnly && o.Format != "text" && o.Format != "json" {
				return errUsage("--parse-only prints text or json")
			}
			if o.ParseOnly {
				if err := checkParsedOutputs(o); err != nil {
					return err
				}
			}
			for _, b := range []struct {
				flag string
				neg  bool
			}{
				{"--runs", o.Runs < 0}, {"--max-states", o.MaxStates < 0}, {"--max-steps", o.MaxSteps < 0},
				{"--timeout", o.Timeout < 0}, {"--max-size", o.MaxSize < 0}, {"--hz", o.HZ < 0}, {"--max-memory", o.MaxMemory < 0},
			} {
				if b.neg {
					return errUsage(b.flag + " must not be negative")
				}
			}
			for _, b := range []struct {
				flag     string
				val, max int64
				unit     string
			}{
				{"--runs", int64(o.Runs), maxRuns, ""}, {"--max-states", o.MaxStates, maxStates, ""}, {"--max-steps", o.MaxSteps, maxSteps, ""},
				{"--max-memory", o.MaxMemory, maxMemoryMiB, " MiB"}, {"--max-size", o.MaxSize, maxInputSize, " bytes"},
				{"--timeout", int64(o.Timeout), int64(maxTimeout), ""},
			} {
				if b.val > b.max {
					limit := fmt.Sprintf("%d%s", b.max, b.unit)
					if b.flag == "--timeout" {
						limit = maxTimeout.String()
					}
					return errUsage(b.flag + " must be at most " + limit)
				}
			}
			if o.From != "" {
				if _, err := mail.ParseAddress(o.From); err != nil {
					return errUsage("--from " + strconv.Quote(o.From) + ": " + err.Error())
				}
			}
			for _, a := range append(append([]string{}, o.To...), o.Cc...) {
				if _, err := mail.ParseAddressList(a); err != nil {
					return errUsage("address " + strconv.Quote(a) + ": " + err.Error())
				}
			}
			for _, path := range o.Outputs {
				if _, _, err := report.FormatFor(path); err != nil {
					return errUsage("--output " + path + ": " + err.Error())
				}
			}
			if o.GitDir != "" {
				o.Range = args[0]
			} else {
				o.Files = args
			}
			do(o)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Format, "format", "text", "output format on stdout: "+strings.Join(report.Formats(), ", "))
	f.BoolVarP(&o.Verbose, "verbose", "v", false, "text report: everything (inputs, models, every scenario, counterexample traces), not one screen")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "print nothing on standard output when the verdict is pass")
	f.StringVar(&o.From, "from", "", "email report: the From: `ADDRESS` (default none: git send-email adds it)")
	f.StringArrayVar(&o.To, "to", nil, "email report: send To: `ADDRESS` instead of the author; repeatable")
	f.StringArrayVar(&o.Cc, "cc", nil, "email report: also Cc: `ADDRESS`; repeatable")
	f.StringArrayVar(&o.Outputs, "output", nil, "also write the report to `FILE`, in the format its name ends with (.json .html .sarif .md .eml .txt .patchwork.json .annotations); repeatable")
	f.BoolVar(&o.ParseOnly, "parse-only", false, "print the series as read and stop")
	f.BoolVar(&o.ExplainFunctions, "explain-functions", false, "print the functions each patch changes and what models them, and stop")
	f.BoolVar(&o.DumpPrograms, "dump-programs", false, "print the call structure of the BEFORE and AFTER programs, and stop")
	f.StringArrayVar(&o.Rules, "rules", nil, "rule pack `FILE` that adds to or overrides the default pack; repeatable")
	f.StringVar(&o.Profile, "profile", "", "timing profile `FILE` (default: the built-in generic-arm64-server)")
	f.Int64Var(&o.Seed, "seed", 1, "seed of the timed engine's Monte Carlo runs and of randomized exploration")
	f.IntVar(&o.Runs, "runs", 0, "timed runs per scenario (default: the rule pack's)")
	f.Int64Var(&o.MaxStates, "max-states", 0, "states stored per exploration before it stops as inconclusive (default 4,000,000)")
	f.Int64Var(&o.MaxSteps, "max-steps", 0, "machine steps of one timed run, and steps from the start of an exploration, before it stops as inconclusive (default: 2,000,000 + 4·N² per timed run of N CPUs / unbounded)")
	f.Int64Var(&o.MaxMemory, "max-memory", 0, "MiB of memory the whole run may take (default 1024): one exploration's tables get half and stop as inconclusive past it; past the whole, the run stops with what was decided")
	f.DurationVar(&o.Timeout, "timeout", 0, "wall-clock budget of the whole run; when it runs out the verdict is inconclusive (default 5m)")
	f.StringVar(&o.Tree, "tree", "", "take baselines from the kernel checkout or bare repository `DIR` and report model drift")
	f.IntVar(&o.HZ, "hz", 0, "CONFIG_HZ of the modelled kernel (default 250)")
	f.BoolVar(&o.SpinTable, "spin-table", false, "model the spin-table enable method (no cpu_die) instead of PSCI")
	f.BoolVar(&o.PseudoNMI, "pseudo-nmi", false, "boot every modelled machine with pseudo-NMI enabled (irqchip.gicv3_pseudo_nmi=1): v6.7+ then retries a failed stop with an NMI")
	f.StringVar(&o.GitDir, "git", "", "read the commits of RANGE from the git repository `DIR`")
	f.Int64Var(&o.MaxSize, "max-size", 0, "largest accepted input in bytes (default 256 MiB)")
	addPatchworkFlags(cmd, o)
	addCompletion(cmd, o)
	return cmd
}

// Upper bounds of the numeric flags: each far above any useful value, and
// low enough that no flag alone can make the run allocate more than the
// machine has (--runs 1000000000 asked for a 16 GB table of runs).
const (
	maxRuns      = 100_000       // as the rule pack's scenarios.timing.runs
	maxStates    = 1_000_000_000 // states per exploration; --max-memory ends it far earlier
	maxSteps     = 1 << 40       // steps of one timed run or depth of an exploration
	maxMemoryMiB = 1 << 20       // 1 TiB
	maxInputSize = 1 << 32       // 4 GiB
	maxTimeout   = 24 * time.Hour
)

type usageError string

func (e usageError) Error() string { return string(e) }

func errUsage(s string) error { return usageError(s) }
