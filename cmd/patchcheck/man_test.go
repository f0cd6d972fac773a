package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra/doc"
)

// manPage is the man page docs/patchcheck.1, generated from the cobra
// command so that it lists exactly the flags --help does.
const manPage = "../../docs/patchcheck.1"

func renderManPage(t *testing.T) []byte {
	t.Helper()
	// A fixed date: the page must not change with the day it is rendered.
	date := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var buf bytes.Buffer
	err := doc.GenMan(newCommand(func(*options) {}), &doc.GenManHeader{
		Title: "PATCHCHECK", Section: "1", Date: &date,
		Source: "patchcheck " + version, Manual: "patchcheck manual",
	}, &buf)
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestManPage compares docs/patchcheck.1 with the page generated from the
// command; go test ./cmd/patchcheck -run ManPage -update rewrites it.
func TestManPage(t *testing.T) {
	got := renderManPage(t)
	if *update {
		if err := os.WriteFile(manPage, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(manPage)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is out of date with the command's flags: run go test ./cmd/patchcheck -run ManPage -update", manPage)
	}
	for _, flag := range []string{"--format", "--output", "--completion", "--target-url", "--check-context", "--parse-only"} {
		if !strings.Contains(string(got), `\fB`+flag+`\fP`) {
			t.Errorf("the man page does not describe %s", flag)
		}
	}
}
