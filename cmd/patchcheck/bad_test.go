package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/tools/txtar"
)

// TestBadInputs runs the command on each bundle of fixtures/bad and checks
// it exits 2 with exactly the bundle's one-line error. Input files are
// written to a temporary directory under their bundle names (suffix
// ".latin1" encodes the text as ISO-8859-1, ".nul" turns "<NUL>" into a NUL
// byte); an "args" section adds flags or arguments.
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
			dir := t.TempDir()
			t.Chdir(dir)
			var args []string
			var want string
			for _, f := range a.Files {
				switch f.Name {
				case "args":
					args = append(args, strings.Fields(string(f.Data))...)
					continue
				case "error":
					want = string(f.Data)
					continue
				}
				name, data := f.Name, f.Data
				if n, ok := strings.CutSuffix(name, ".latin1"); ok {
					if data, err = charmap.ISO8859_1.NewEncoder().Bytes(data); err != nil {
						t.Fatal(err)
					}
					name = n
				}
				if n, ok := strings.CutSuffix(name, ".nul"); ok {
					data, name = bytes.ReplaceAll(data, []byte("<NUL>"), []byte{0}), n
				}
				if err := os.WriteFile(name, data, 0o644); err != nil {
					t.Fatal(err)
				}
				args = append(args, name)
			}
			var stdout, stderr bytes.Buffer
			code := execute(context.Background(), args, nil, &stdout, &stderr)
			if code != exitUsage {
				t.Errorf("exit %d, want %d; stdout:\n%s", code, exitUsage, stdout.String())
			}
			if stderr.String() != want {
				t.Errorf("stderr:\n%s\nwant:\n%s", stderr.String(), want)
			}
			if strings.Count(stderr.String(), "\n") != 1 {
				t.Errorf("error is not one line: %q", stderr.String())
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout not empty on error:\n%s", stdout.String())
			}
		})
	}
}
