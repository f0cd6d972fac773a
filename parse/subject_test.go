package parse

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestParseSubject(t *testing.T) {
	tests := []struct {
		in   string
		want subjectInfo
	}{
		{"[PATCH] arm64: kexec: x", subjectInfo{tagged: true, prefix: "PATCH", version: 1, index: 1, total: 1, subject: "arm64: kexec: x"}},
		{"[RFC PATCH v3 2/7] mm: y", subjectInfo{tagged: true, prefix: "RFC PATCH v3 2/7", version: 3, index: 2, total: 7, subject: "mm: y"}},
		{"[PATCH net-next v2 0/5] net: z", subjectInfo{tagged: true, prefix: "PATCH net-next v2 0/5", version: 2, index: 0, total: 5, subject: "net: z"}},
		{"Re: [PATCH v2 1/2] a: b", subjectInfo{reply: true, tagged: true, prefix: "PATCH v2 1/2", version: 2, index: 1, total: 2, subject: "a: b"}},
		{"RE: Re: [PATCH] a", subjectInfo{reply: true, tagged: true, prefix: "PATCH", version: 1, index: 1, total: 1, subject: "a"}},
		{"[PATCHv4 03/10] a", subjectInfo{tagged: true, prefix: "PATCHv4 03/10", version: 4, index: 3, total: 10, subject: "a"}},
		{"[PATCH RESEND 1/1] a", subjectInfo{tagged: true, prefix: "PATCH RESEND 1/1", version: 1, index: 1, total: 1, subject: "a"}},
		{"[net] [PATCH v2] a", subjectInfo{tagged: true, prefix: "net] [PATCH v2", version: 2, index: 1, total: 1, subject: "a"}},
		{"plain subject", subjectInfo{version: 1, index: 1, total: 1, subject: "plain subject"}},
		{"[PATCH 9/3] bad numbering", subjectInfo{tagged: true, prefix: "PATCH 9/3", version: 1, index: 9, total: 3, subject: "bad numbering"}},
	}
	for _, tt := range tests {
		if got := parseSubject(tt.in); got != tt.want {
			t.Errorf("parseSubject(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

// TestNumberBeyondTotal: a patch numbered 3/2 next to a real 1/2 was read
// as 1/1 and reported as a "duplicate patch 1/1"; it is kept as 3/2 and
// reported as numbered beyond its series.
func TestNumberBeyondTotal(t *testing.T) {
	mail := func(n, total int, id string) string {
		return fmt.Sprintf(`From ana@example.org Mon Mar  2 10:11:12 2026
From: Ana Developer <ana@example.org>
Date: Mon, 2 Mar 2026 10:11:12 +0100
Subject: [PATCH %d/%d] misc: blink %d
Message-Id: <%s@example.org>

Fix.

Signed-off-by: Ana Developer <ana@example.org>
---
diff --git a/drivers/misc/blink%d.c b/drivers/misc/blink%d.c
index 1d3b1a2..8c0e4f1 100644
--- a/drivers/misc/blink%d.c
+++ b/drivers/misc/blink%d.c
@@ -1,2 +1,2 @@
 a
-b
+c

`, n, total, n, id, n, n, n, n)
	}
	s, err := Parse("inbox.mbox", strings.NewReader(mail(1, 2, "p1")+mail(3, 2, "p3")), nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range s.Notices {
		got = append(got, n.Message)
	}
	want := []string{"patch 3/2 is numbered beyond its series' 2 patches", "patch 2/2 is missing from the input"}
	if !slices.Equal(got, want) {
		t.Errorf("notices %q, want %q", got, want)
	}
	if len(s.Patches) != 2 || s.Patches[1].Index != 3 {
		t.Errorf("patches %d", len(s.Patches))
	}
}
