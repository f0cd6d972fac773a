package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/patchcheck/patchcheck/rules"
)

// passPatch is a real patch that passes against the bundled baseline: it
// only marks cpu_die(), which already ends in BUG(), __noreturn (its
// meta.yaml says why, from the kernel tree).
const passPatch = "../../fixtures/real/20-poimboeuf-cpu_die-noreturn/patch.eml"

// TestSeedReports runs the seed once with the short text report on stdout
// and the reply, the terse lines and the JSON as files, and checks what a
// reviewer gets: one screen of text, a reply under 150 lines addressed to
// the author and threaded under the patch, a terse line per finding.
func TestSeedReports(t *testing.T) {
	dir := t.TempDir()
	eml, terse, js := filepath.Join(dir, "r.eml"), filepath.Join(dir, "r.terse"), filepath.Join(dir, "r.json")
	var stdout, stderr bytes.Buffer
	code := execute(context.Background(), []string{"--output", eml, "--output", terse, "--output", js, seedMbox}, nil, &stdout, &stderr)
	if code != exitFindings {
		t.Fatalf("exit %d, want 1 (the seed fails): %s", code, stderr.String())
	}
	var rep rules.Report
	data, err := os.ReadFile(js)
	if err != nil || json.Unmarshal(data, &rep) != nil {
		t.Fatalf("json: %v", err)
	}

	text := stdout.String()
	if n := strings.Count(text, "\n"); n > 60 {
		t.Errorf("the text report is %d lines, want one screen (at most 60)", n)
	}
	for _, want := range []string{"FAIL", "arch/arm64/kernel/process.c:159  kexec.secondaries-off-at-relocation", "Claims in the commit message", "reproduce: patchcheck"} {
		if !strings.Contains(text, want) {
			t.Errorf("the text report lacks %q:\n%s", want, text)
		}
	}

	reply, err := os.ReadFile(eml)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(reply, []byte("\n")); n >= 150 {
		t.Errorf("the reply is %d lines, want under 150", n)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(reply))
	if err != nil {
		t.Fatal(err)
	}
	if to, err := msg.Header.AddressList("To"); err != nil || len(to) != 1 || to[0].Address != "henry.willard@xxxxxxxxxx" {
		t.Errorf("To: %v (%v)", to, err)
	}
	if got := msg.Header.Get("In-Reply-To"); got != "<1604705148-1831-1-git-send-email-henry.willard@xxxxxxxxxx>" {
		t.Errorf("In-Reply-To: %q", got)
	}
	for _, want := range []string{"Link: https://lore.kernel.org/r/1604705148-1831-1-git-send-email-henry.willard@xxxxxxxxxx\n", "b4 am -o - ", "Base: "} {
		if !bytes.Contains(reply, []byte(want)) {
			t.Errorf("the reply lacks %q", want)
		}
	}

	lines, err := os.ReadFile(terse)
	if err != nil {
		t.Fatal(err)
	}
	form := regexp.MustCompile(`^[^: ]+:\d+: (error|warning|note): [^ ]+: .+$`)
	got := strings.Split(strings.TrimSuffix(string(lines), "\n"), "\n")
	if len(got) != len(rep.Findings) {
		t.Errorf("%d terse lines for %d findings", len(got), len(rep.Findings))
	}
	for _, l := range got {
		if !form.MatchString(l) {
			t.Errorf("terse line %q is not FILE:LINE: SEVERITY: ID: message", l)
		}
	}
}

// TestQuietAndTerseOnPass checks that a PASS prints nothing with -q and
// nothing in the terse format, with exit status 0.
func TestQuietAndTerseOnPass(t *testing.T) {
	for _, args := range [][]string{{"-q", passPatch}, {"--format", "terse", passPatch}} {
		var stdout, stderr bytes.Buffer
		if code := execute(context.Background(), args, nil, &stdout, &stderr); code != exitOK {
			t.Fatalf("%v: exit %d, want 0 (the patch passes): %s", args, code, stderr.String())
		}
		if stdout.Len() != 0 {
			t.Errorf("%v printed %q", args, stdout.String())
		}
	}
}

// TestVersionAndVerboseFlags checks that --version prints the version and
// -v is --verbose, not the version.
func TestVersionAndVerboseFlags(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := execute(context.Background(), []string{"--version"}, nil, &stdout, &stderr); code != exitOK || !strings.Contains(stdout.String(), version) {
		t.Errorf("--version: exit %d, %q", code, stdout.String())
	}
	stdout.Reset()
	if code := execute(context.Background(), []string{"-v", "--parse-only", seedMbox}, nil, &stdout, &stderr); code != exitOK || strings.Contains(stdout.String(), "version") {
		t.Errorf("-v --parse-only: exit %d, %q", code, stdout.String())
	}
	for _, bad := range []string{"--from=not an address", "--from=a@b.org, c@d.org", "--cc=a@b, <", "--to=<x", "--to="} {
		stderr.Reset()
		if code := execute(context.Background(), []string{bad, seedMbox}, nil, &stdout, &stderr); code != exitUsage {
			t.Errorf("%s: exit %d, want 2", bad, code)
		}
	}
}
