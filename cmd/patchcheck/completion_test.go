package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFileNamedCompletion: a file called "completion" is an input like any
// other, not a subcommand.
func TestFileNamedCompletion(t *testing.T) {
	seed, err := os.ReadFile(seedMbox)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "completion"), seed, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	var stdout, stderr bytes.Buffer
	if code := execute(context.Background(), []string{"--parse-only", "completion"}, nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "input completion (format-patch)") {
		t.Errorf("stdout:\n%s", stdout.String())
	}
	stdout.Reset()
	if code := execute(context.Background(), []string{"completion"}, nil, &stdout, &stderr); code == exitOK && strings.Contains(stdout.String(), "bash completion") {
		t.Error(`"patchcheck completion" printed a completion script`)
	}
}

// TestCompletion: --completion is listed in --help, writes each shell's
// script, and --format completes to the format names.
func TestCompletion(t *testing.T) {
	out := func(args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if code := execute(context.Background(), args, nil, &stdout, &stderr); code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
		}
		return stdout.String()
	}
	if help := out("--help"); !strings.Contains(help, "--completion SHELL") {
		t.Errorf("--help does not list --completion:\n%s", help)
	}
	for shell, want := range map[string]string{"bash": "__start_patchcheck", "zsh": "#compdef patchcheck", "fish": "complete -c patchcheck", "powershell": "Register-ArgumentCompleter"} {
		if got := out("--completion", shell); !strings.Contains(got, want) {
			t.Errorf("--completion %s lacks %q", shell, want)
		}
	}
	got := out("__complete", "--format", "")
	for _, f := range []string{"text", "json", "sarif", "html", "patchwork", "email", "markdown", "annotations"} {
		if !strings.Contains(got, "\n"+f+"\n") && !strings.HasPrefix(got, f+"\n") {
			t.Errorf("--format does not complete to %s:\n%s", f, got)
		}
	}
	if got := out("__complete", "--completion", ""); !strings.Contains(got, "bash\nzsh\nfish\npowershell\n") {
		t.Errorf("--completion values:\n%s", got)
	}
}

// TestPatchworkFlags: --target-url and --check-context reach the patchwork
// check object. The unrelated driver runs no model, so the run is quick.
func TestPatchworkFlags(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := execute(context.Background(), []string{"--format", "patchwork", "--target-url", "https://ci.example.org/runs/1",
		"--check-context", "arm64-kexec", "../../fixtures/variants/unrelated-driver.mbox"}, nil, &stdout, &stderr)
	if code == exitUsage {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var check struct {
		Context   string `json:"context"`
		TargetURL string `json:"target_url"`
	}
	if err := json.Unmarshal(bytes.SplitN(stdout.Bytes(), []byte("\n"), 2)[0], &check); err != nil {
		t.Fatalf("%v: %s", err, stdout.String())
	}
	if check.Context != "arm64-kexec" || check.TargetURL != "https://ci.example.org/runs/1" {
		t.Errorf("check %+v", check)
	}
}
