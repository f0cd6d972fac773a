package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite the exit, error and stdout sections of fixtures/bad from what the command does")

// TestBadInputs runs the command on each bundle of fixtures/bad: hostile
// or broken input must end in one clear outcome, never a panic, a hang or
// a silent partial result.
//
// Sections of a bundle:
//
//	args     flags and arguments, placed before the input files
//	exit     the expected exit status (default 2: usage or input error);
//	         several codes separated by spaces accept any of them (a run
//	         that either proves a property violated or ends inconclusive)
//	error    the exact standard error; with exit 2 it must be one line
//	stdout   lines standard output must contain (with exit 0, 1 or 3)
//	timeout  seconds the command may take (default 60)
//	skip     a known defect that keeps the bundle from passing: the case
//	         is skipped with this text until the defect is fixed
//
// Every other section is an input file written to a temporary directory
// and passed as an argument, except names under "aux/", which are only
// written (rule packs, profiles, trees the args name). Suffix ".latin1"
// encodes the text as ISO-8859-1, ".nul" turns "<NUL>" into a NUL byte,
// ".crlf" turns line ends into CRLF and ".cr" into lone CRs.
//
// With -update the exit, error and stdout sections of the cases that are
// not skipped are rewritten from what the command does (stdout keeps the
// verdict line, or the hand-picked lines already there); review the diff.
func TestBadInputs(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("..", "..", "fixtures", "bad", "*.txtar"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, path := range paths {
		abs, err := filepath.Abs(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			a, err := txtar.ParseFile(abs)
			if err != nil {
				t.Fatal(err)
			}
			c, err := loadBadCase(a, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			if c.skip != "" {
				t.Skip(c.skip)
			}
			t.Chdir(c.dir)
			code, stdout, stderr := executeWithin(t, c.timeout, c.args)
			if *update {
				if err := os.WriteFile(abs, c.updated(a, code, stdout, stderr), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			c.check(t, code, stdout, stderr)
		})
	}
}

// hangGuard is how long a case may run before it is taken for a hang. It
// is a guard, not a speed check (benchmarks measure speed): generous
// enough that a loaded two-CPU machine never trips it on a run that ends.
const hangGuard = 240 * time.Second

// badCase is one bundle of fixtures/bad, its files written to dir.
type badCase struct {
	dir     string
	args    []string
	exit    []int
	err     string   // exact stderr
	stdout  []string // lines stdout must contain
	timeout time.Duration
	skip    string
}

func loadBadCase(a *txtar.Archive, dir string) (*badCase, error) {
	c := &badCase{dir: dir, exit: []int{exitUsage}, timeout: hangGuard}
	var files []string
	for _, f := range a.Files {
		text := strings.TrimSpace(string(f.Data))
		switch f.Name {
		case "args":
			c.args = append(c.args, strings.Fields(text)...)
			continue
		case "exit":
			c.exit = nil
			for _, f := range strings.Fields(text) {
				n, err := strconv.Atoi(f)
				if err != nil {
					return nil, fmt.Errorf("exit section: %v", err)
				}
				c.exit = append(c.exit, n)
			}
			continue
		case "error":
			c.err = string(f.Data)
			continue
		case "stdout":
			for _, l := range strings.Split(text, "\n") {
				if l != "" {
					c.stdout = append(c.stdout, l)
				}
			}
			continue
		case "timeout":
			n, err := strconv.Atoi(text)
			if err != nil {
				return nil, fmt.Errorf("timeout section: %v", err)
			}
			c.timeout = time.Duration(n) * time.Second
			continue
		case "skip":
			c.skip = strings.Join(strings.Fields(text), " ")
			continue
		}
		name, data := f.Name, f.Data
		var err error
		if n, ok := strings.CutSuffix(name, ".latin1"); ok {
			if data, err = charmap.ISO8859_1.NewEncoder().Bytes(data); err != nil {
				return nil, err
			}
			name = n
		}
		if n, ok := strings.CutSuffix(name, ".nul"); ok {
			data, name = bytes.ReplaceAll(data, []byte("<NUL>"), []byte{0}), n
		}
		if n, ok := strings.CutSuffix(name, ".crlf"); ok {
			data, name = bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n")), n
		}
		if n, ok := strings.CutSuffix(name, ".cr"); ok {
			data, name = bytes.ReplaceAll(data, []byte("\n"), []byte("\r")), n
		}
		full := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(full, data, 0o644); err != nil {
			return nil, err
		}
		if !strings.HasPrefix(name, "aux/") {
			files = append(files, name)
		}
	}
	c.args = append(c.args, files...)
	return c, nil
}

// executeWithin runs the command in-process and fails the test if it does
// not return within d (the goroutine of a hung run is abandoned; its
// context is cancelled).
func executeWithin(t *testing.T, d time.Duration, args []string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		code           int
		stdout, stderr string
		panicked       any
	}
	done := make(chan result, 1)
	go func() {
		var out, errb bytes.Buffer
		defer func() {
			if p := recover(); p != nil {
				done <- result{panicked: p}
			}
		}()
		code := execute(ctx, args, nil, &out, &errb)
		done <- result{code: code, stdout: out.String(), stderr: errb.String()}
	}()
	select {
	case r := <-done:
		if r.panicked != nil {
			t.Fatalf("panic: %v", r.panicked)
		}
		return r.code, r.stdout, r.stderr
	case <-time.After(d):
		t.Fatalf("patchcheck %s: no result within %v (a hang)", strings.Join(args, " "), d)
	}
	return
}

var verdictLine = regexp.MustCompile(`(?m)^(PASS|FAIL|INCONCLUSIVE)\b.*$`)

func (c *badCase) check(t *testing.T, code int, stdout, stderr string) {
	t.Helper()
	if !slices.Contains(c.exit, code) {
		t.Errorf("exit %d, want %v; stderr %q", code, c.exit, stderr)
	}
	if stderr != c.err {
		t.Errorf("stderr:\n%s\nwant:\n%s", stderr, c.err)
	}
	switch code {
	case exitUsage:
		if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "patchcheck: ") {
			t.Errorf("error is not one line: %q", stderr)
		}
		if stdout != "" {
			t.Errorf("stdout not empty on error:\n%s", stdout)
		}
	default:
		// A run that ends has a verdict line: no silent partial result.
		if !verdictLine.MatchString(stdout) {
			t.Errorf("stdout has no verdict line:\n%s", stdout)
		}
		if len(c.stdout) == 0 {
			t.Errorf("bundle names no stdout line to check")
		}
	}
	for _, l := range c.stdout {
		if !strings.Contains(stdout, l) {
			t.Errorf("stdout lacks %q:\n%s", l, stdout)
		}
	}
}

// updated returns the archive with exit, error and stdout rewritten.
func (c *badCase) updated(a *txtar.Archive, code int, stdout, stderr string) []byte {
	out := &txtar.Archive{Comment: a.Comment}
	add := func(name, data string) {
		if data != "" && !strings.HasSuffix(data, "\n") {
			data += "\n"
		}
		out.Files = append(out.Files, txtar.File{Name: name, Data: []byte(data)})
	}
	for _, f := range a.Files {
		if f.Name == "args" || f.Name == "skip" || f.Name == "timeout" {
			out.Files = append(out.Files, f)
		}
	}
	if len(c.exit) > 1 && slices.Contains(c.exit, code) {
		add("exit", strings.Trim(fmt.Sprint(c.exit), "[]"))
	} else if code != exitUsage {
		add("exit", strconv.Itoa(code))
	}
	if stderr != "" {
		add("error", stderr)
	}
	if code != exitUsage {
		keep := verdictLine.FindString(stdout)
		for _, f := range a.Files {
			if f.Name == "stdout" {
				keep = string(f.Data) // hand-picked lines stay
			}
		}
		add("stdout", keep)
	}
	for _, f := range a.Files {
		switch f.Name {
		case "args", "skip", "timeout", "exit", "error", "stdout":
		default:
			out.Files = append(out.Files, f)
		}
	}
	return txtar.Format(out)
}
