package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/patchcheck/patchcheck/report"
	"github.com/spf13/cobra"
)

// completionShells are the shells --completion writes a script for.
var completionShells = []string{"bash", "zsh", "fish", "powershell"}

// addCompletion replaces cobra's hidden "completion" subcommand with a
// --completion flag: patchcheck's arguments are file names, and a file
// named "completion" must be read as one, not run a subcommand. It also
// tells the shells the values --format and the flags naming files take.
func addCompletion(cmd *cobra.Command, o *options) {
	cmd.CompletionOptions.DisableDefaultCmd = true
	cmd.Flags().StringVar(&o.Completion, "completion", "", "print the shell completion script for `SHELL` ("+strings.Join(completionShells, ", ")+") and stop, e.g. source <(patchcheck --completion bash)")
	fixed := func(values []string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return values, cobra.ShellCompDirectiveNoFileComp
		}
	}
	must := func(err error) {
		if err != nil {
			panic(err) // a flag name typo here is a programming error
		}
	}
	must(cmd.RegisterFlagCompletionFunc("format", fixed(report.Formats())))
	must(cmd.RegisterFlagCompletionFunc("completion", fixed(completionShells)))
	must(cmd.MarkFlagDirname("git"))
	must(cmd.MarkFlagDirname("tree"))
	must(cmd.MarkFlagFilename("rules", "yaml", "yml"))
	must(cmd.MarkFlagFilename("profile", "yaml", "yml"))
}

// writeCompletion writes the completion script for shell to w.
func writeCompletion(cmd *cobra.Command, shell string, w io.Writer) error {
	switch shell {
	case "bash":
		return cmd.GenBashCompletionV2(w, true)
	case "zsh":
		return cmd.GenZshCompletion(w)
	case "fish":
		return cmd.GenFishCompletion(w, true)
	case "powershell":
		return cmd.GenPowerShellCompletionWithDesc(w)
	}
	return errUsage(fmt.Sprintf("--completion %s: want one of %s", shell, strings.Join(completionShells, ", ")))
}
