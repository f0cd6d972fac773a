package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestParseOnlyOutput checks that --output with --parse-only writes the
// series: the JSON file holds the same bytes as --format json prints, the
// text file the same as the default output.
func TestParseOnlyOutput(t *testing.T) {
	dir := t.TempDir()
	jsonFile, textFile := filepath.Join(dir, "series.json"), filepath.Join(dir, "series.txt")
	run := func(args ...string) []byte {
		var stdout, stderr bytes.Buffer
		if code := execute(context.Background(), append(args, seedMbox), nil, &stdout, &stderr); code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
		}
		return stdout.Bytes()
	}
	run("--parse-only", "--output", jsonFile, "--output", textFile)
	for _, c := range []struct {
		file string
		args []string
	}{
		{jsonFile, []string{"--parse-only", "--format", "json"}},
		{textFile, []string{"--parse-only"}},
	} {
		got, err := os.ReadFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		want := run(c.args...)
		// The command line is part of the JSON: compare from the series on.
		if c.file == jsonFile {
			got, want = got[bytes.Index(got, []byte(`"inputs"`)):], want[bytes.Index(want, []byte(`"inputs"`)):]
		}
		if len(got) == 0 || !bytes.Equal(got, want) {
			t.Errorf("%s:\n%s\nwant\n%s", c.file, got, want)
		}
	}
}
