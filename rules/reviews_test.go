package rules

import (
	"strings"
	"testing"
)

func TestNoteNacks(t *testing.T) {
	r := &Report{
		Series: Series{Patches: []Patch{
			{Index: 1, Subject: "arm64: kexec: use smp_send_stop", Trailers: []Trailer{
				{Key: "Signed-off-by", Value: "Henry Willard <henry@example.org>", Source: "patch"},
				{Key: "Nacked-by", Value: "Will Deacon <will@example.org>", Source: "reply-1@example.org"},
			}},
			{Index: 2, Subject: "arm64: smp: other", Trailers: []Trailer{{Key: "Acked-by", Value: "A <a@example.org>", Source: "r2@example.org"}}},
		}},
		Verdict: "fail", Summary: "kexec.secondaries-off-at-relocation is violated after the patch",
	}
	NoteNacks(r)
	if r.Verdict != "fail" {
		t.Errorf("verdict %q: a NACK must not change it", r.Verdict)
	}
	if want := "Nacked-by on the list (patch 1 by Will Deacon <will@example.org>); kexec.secondaries-off-at-relocation is violated after the patch"; r.Summary != want {
		t.Errorf("summary %q, want %q", r.Summary, want)
	}
	if len(r.Findings) != 1 || r.Findings[0].ID != "review.nacked" || !strings.Contains(r.Findings[0].Message, "<reply-1@example.org>") {
		t.Errorf("findings %+v", r.Findings)
	}

	clean := &Report{Series: Series{Patches: []Patch{{Index: 1}}}, Summary: "ok"}
	NoteNacks(clean)
	if clean.Summary != "ok" || len(clean.Findings) != 0 {
		t.Errorf("no NACK: %+v", clean)
	}
}
