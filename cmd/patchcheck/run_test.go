package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchcheck/patchcheck/rules"
)

const seedMbox = "../../fixtures/seed/arm64-kexec-smp-send-stop.mbox"

// endlessLine is a reader of one line of n bytes that counts what was read.
type endlessLine struct{ n, read int64 }

func (r *endlessLine) Read(p []byte) (int, error) {
	if r.read >= r.n {
		return 0, io.EOF
	}
	k := min(int64(len(p)), r.n-r.read)
	for i := range p[:k] {
		p[i] = 'a'
	}
	r.read += k
	return int(k), nil
}

// TestLongLine feeds a 100 MB line on standard input: it must be refused
// with exit 2 after reading little more than the line limit.
func TestLongLine(t *testing.T) {
	r := &endlessLine{n: 100 << 20}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), &options{Files: []string{"-"}, Stdin: r, Format: "text"}, &stdout, &stderr)
	if code != exitUsage {
		t.Fatalf("exit %d", code)
	}
	if want := "patchcheck: -:1: line is longer than the limit of 1048576 bytes\n"; stderr.String() != want {
		t.Errorf("stderr %q, want %q", stderr.String(), want)
	}
	if r.read > 2<<20 {
		t.Errorf("read %d bytes before refusing the line", r.read)
	}
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	seed, err := os.ReadFile(seedMbox)
	if err != nil {
		t.Fatal(err)
	}
	lying := bytes.Replace(seed, []byte("21 insertions(+)"), []byte("22 insertions(+)"), 1)
	miscount := bytes.Replace(seed, []byte("@@ -847,6 +849,10 @@"), []byte("@@ -847,6 +849,9 @@"), 1)
	for name, data := range map[string][]byte{"lying.mbox": lying, "miscount.mbox": miscount} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		args   []string
		stdin  string
		code   int
		stdout string // a line the output must contain
		stderr string
	}{
		{"seed", []string{seedMbox}, "", exitOK, "  diffstat:   consistent (2 files, +21 -4)", ""},
		{"stdin", []string{"-"}, string(seed), exitOK, "input - (format-patch)", ""},
		{"lying diffstat", []string{filepath.Join(dir, "lying.mbox")}, "", exitFindings, "  diffstat:   MISMATCH (says 2 files, +22 -4; diff has 2 files, +21 -4)", ""},
		{"miscounted hunk", []string{filepath.Join(dir, "miscount.mbox")}, "", exitFindings, "    hunk-count: " + filepath.Join(dir, "miscount.mbox") + ":103: hunk header says -847,6 +849,9 but its body has 6 old and 10 new lines", ""},
		{"no args", nil, "", exitUsage, "", "patchcheck: no input: give FILE..., - for standard input, or --git DIR RANGE\n"},
		{"bad format", []string{"--format", "xml", seedMbox}, "", exitUsage, "", "patchcheck: unknown --format xml (want one of text, terse, sarif, patchwork, json, email, markdown, annotations, html)\n"},
		{"bad flag", []string{"--frobnicate", seedMbox}, "", exitUsage, "", "patchcheck: unknown flag: --frobnicate\n"},
		{"git without range", []string{"--git", dir}, "", exitUsage, "", "patchcheck: --git needs exactly one RANGE argument\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := execute(context.Background(), append([]string{"--parse-only"}, tt.args...), strings.NewReader(tt.stdin), &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.code, stderr.String())
			}
			if tt.stdout != "" && !strings.Contains(stdout.String()+"\n", tt.stdout+"\n") {
				t.Errorf("stdout lacks %q:\n%s", tt.stdout, stdout.String())
			}
			if stderr.String() != tt.stderr {
				t.Errorf("stderr %q, want %q", stderr.String(), tt.stderr)
			}
		})
	}
}

// TestJSON checks the --parse-only JSON form: the series document (a Report
// without verdict, under rules.SeriesSchema), deterministic bytes,
// and the web-archive form's repair flag.
func TestJSON(t *testing.T) {
	out := func(args ...string) []byte {
		var stdout, stderr bytes.Buffer
		if code := execute(context.Background(), append([]string{"--parse-only", "--format", "json"}, args...), nil, &stdout, &stderr); code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
		return stdout.Bytes()
	}
	a, b := out(seedMbox), out(seedMbox)
	if !bytes.Equal(a, b) {
		t.Fatal("two runs differ")
	}
	var rep rules.Report
	dec := json.NewDecoder(bytes.NewReader(a))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		t.Fatal(err)
	}
	if strings.Join(rep.Tool.Args, " ") != "--parse-only --format json "+seedMbox {
		t.Errorf("tool.args %q", rep.Tool.Args)
	}
	if rep.Schema != rules.SeriesSchema || rep.Tool.Name != "patchcheck" || len(rep.Inputs) != 1 || rep.Inputs[0].Kind != "format-patch" {
		t.Errorf("header %+v %+v", rep.Tool, rep.Inputs)
	}
	if len(rep.Series.Patches) != 1 {
		t.Fatalf("%d patches", len(rep.Series.Patches))
	}
	p := rep.Series.Patches[0]
	if p.Date != "2020-11-06T15:25:48-08:00" || p.Prefix != "PATCH" || len(p.Files) != 2 || p.Files[1].Path != "arch/arm64/kernel/smp.c" || p.Files[1].Hunks != 2 || len(p.Files[1].Diff) != 2 {
		t.Errorf("patch %+v", p)
	}
	if got := p.Files[1].Diff[1].Lines[5]; got != "+\t\tcpu_die();" {
		t.Errorf("hunk line %q", got)
	}
	var web rules.Report
	if err := json.Unmarshal(out("../../fixtures/seed/arm64-kexec-smp-send-stop.lkml.txt"), &web); err != nil {
		t.Fatal(err)
	}
	if !web.Series.Patches[0].Mangled || len(web.Series.Patches[0].Notices) != 20 {
		t.Errorf("web archive: repaired=%v, %d notices", web.Series.Patches[0].Mangled, len(web.Series.Patches[0].Notices))
	}
}
