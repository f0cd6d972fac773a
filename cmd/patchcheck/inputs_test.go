package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchcheck/patchcheck/rules"
)

// nackReply answers the seed on the list with a Nacked-by, as a
// maintainer's reply in a lore thread does.
const nackReply = `From reviewer@example.org Mon Nov  9 10:00:00 2020
From: Will Deacon <will@example.org>
Date: Mon, 9 Nov 2020 10:00:00 +0000
Subject: Re: [PATCH] arm64: kexec: Use smp_send_stop in machine_shutdown
Message-Id: <20201109100000.GA1@example.org>
In-Reply-To: <1604705148-1831-1-git-send-email-henry.willard@xxxxxxxxxx>
References: <1604705148-1831-1-git-send-email-henry.willard@xxxxxxxxxx>

> machine_shutdown() is called by kernel_kexec() to shutdown

This loses the wait for the CPUs to be off in the firmware.

Nacked-by: Will Deacon <will@example.org>
`

// loreThread writes the seed and a NACKing reply as lore's t.mbox.gz.
func loreThread(t *testing.T) string {
	t.Helper()
	seed, err := os.ReadFile(seedMbox)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(seed)
	zw.Write([]byte("\n" + nackReply))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "t.mbox.gz")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestLoreThreadGz reads lore's compressed thread mbox (refused before as
// "NUL byte in input"), and shows the reply's Nacked-by: as a finding and
// at the head of the summary, with the verdict the code gives unchanged.
func TestLoreThreadGz(t *testing.T) {
	path := loreThread(t)
	var stdout, stderr bytes.Buffer
	if code := execute(context.Background(), []string{"--parse-only", path}, nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{"input " + path + " (mbox)", "Nacked-by: Will Deacon <will@example.org>"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("--parse-only output lacks %q:\n%s", want, stdout.String())
		}
	}

	stdout.Reset()
	stderr.Reset()
	code := execute(context.Background(), []string{"--runs", "10", "--format", "json", path}, nil, &stdout, &stderr)
	var rep rules.Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("exit %d: %v\n%s", code, err, stderr.String())
	}
	// The seed's own verdict (fixtures/expect/seed.yaml): fail, whatever
	// the reply says.
	if rep.Verdict != "fail" || code != exitFindings {
		t.Errorf("verdict %s, exit %d; want fail, 1", rep.Verdict, code)
	}
	if !strings.HasPrefix(rep.Summary, "Nacked-by on the list (patch 1 by Will Deacon <will@example.org>); ") {
		t.Errorf("summary %q does not say the patch was nacked", rep.Summary)
	}
	found := false
	for _, f := range rep.Findings {
		found = found || f.ID == "review.nacked" && strings.Contains(f.Message, "<20201109100000.GA1@example.org>")
	}
	if !found {
		t.Errorf("no review.nacked finding in %+v", rep.Findings)
	}
}

// TestDirectoryArgument reads a git format-patch -o directory.
func TestDirectoryArgument(t *testing.T) {
	dir := t.TempDir()
	seed, err := os.ReadFile(seedMbox)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "0001-arm64-kexec-Use-smp_send_stop-in-machine_shutdown.patch"), seed, 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := execute(context.Background(), []string{"--parse-only", dir}, nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "[1/1 v1] arm64: kexec: Use smp_send_stop in machine_shutdown") {
		t.Errorf("output:\n%s", stdout.String())
	}
}
