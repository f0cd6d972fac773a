// Command patchcheck validates Linux kernel patches by executing them. This
// stage reads a patch or series in any of the forms it arrives in (mbox,
// mail, git format-patch files, web-archive text, a git range) and prints
// what was read.
package main

import (
	"context"
	"io"
	"os"

	"github.com/spf13/cobra"
)

func main() {
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
		Long: `patchcheck reads a kernel patch or series and reports what it holds.

FILE may be an mbox (mboxo or mboxrd), a single mail, several git format-patch
files, text copied from a web archive, or "-" for standard input. With --git,
the commits of RANGE (A..B, or a single commit) in the repository DIR are read.

Exit status: 0 no findings, 1 findings, 2 usage or input error.`,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args: func(cmd *cobra.Command, args []string) error {
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
			switch o.Format {
			case "text", "json":
			default:
				return errUsage("unknown --format " + o.Format + " (want text or json)")
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
	f.StringVar(&o.Format, "format", "text", "output format: text or json")
	f.StringVar(&o.GitDir, "git", "", "read the commits of RANGE from the git repository `DIR`")
	f.Int64Var(&o.MaxSize, "max-size", 0, "largest accepted input in bytes (default 256 MiB)")
	return cmd
}

type usageError string

func (e usageError) Error() string { return string(e) }

func errUsage(s string) error { return usageError(s) }
