package main

import (
	"net/url"
	"regexp"

	"github.com/spf13/cobra"
)

// addPatchworkFlags adds the flags that fill a patchwork check's fields
// (and the links of the other formats that mention where the report is).
func addPatchworkFlags(cmd *cobra.Command, o *options) {
	f := cmd.Flags()
	f.StringVar(&o.TargetURL, "target-url", "", "`URL` where the full report is published (patchwork's target_url; also linked from the Markdown and email reports)")
	f.StringVar(&o.CheckContext, "check-context", "", "patchwork check `NAME` (context), letters, digits, '-' and '_' (default \"patchcheck\")")
}

var checkContext = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// checkPatchworkFlags refuses values patchwork would refuse, before the run.
func checkPatchworkFlags(o *options) error {
	if o.CheckContext != "" && !checkContext.MatchString(o.CheckContext) {
		return errUsage("--check-context " + o.CheckContext + ": use letters, digits, '-' and '_' only")
	}
	if o.TargetURL != "" {
		u, err := url.Parse(o.TargetURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return errUsage("--target-url " + o.TargetURL + ": want an http or https URL")
		}
	}
	return nil
}
