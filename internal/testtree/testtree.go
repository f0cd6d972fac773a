// Package testtree finds the kernel trees the tests run against: Debian's
// linux-source packages, of which .ci/kernel-trees extracts the files the
// models read into $PATCHCHECK_TREES (default ~/.cache/patchcheck/trees) as
// linux-6.1 and linux-6.12.
//
// A test that needs a tree is skipped when it is absent, except under
// CI=true, where a missing tree is a failure: CI installs them.
package testtree

import (
	"os"
	"path/filepath"
	"testing"
)

// Root is the directory holding the extracted trees.
func Root() string {
	if d := os.Getenv("PATCHCHECK_TREES"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".cache", "patchcheck", "trees")
}

// Dir returns the tree of kernel version v ("6.1", "6.12"), or skips t
// (fails it under CI=true) when it is not there.
func Dir(t testing.TB, v string) string {
	t.Helper()
	d := filepath.Join(Root(), "linux-"+v)
	if st, err := os.Stat(filepath.Join(d, "arch", "arm64", "kernel", "smp.c")); err == nil && !st.IsDir() {
		return d
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("kernel tree %s is missing at %s (.ci/kernel-trees installs it)", v, d)
	}
	t.Skipf("kernel tree %s not at %s (run .ci/kernel-trees)", v, d)
	return ""
}
