package parse

import (
	"fmt"
	"strings"
	"testing"
)

// hunkMail is one mail whose diff has n one-line hunks.
func hunkMail(i, total, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "From 0 Mon Sep 17 00:00:00 2001\nFrom: A <a@example.org>\nDate: Mon, 2 Mar 2026 10:11:12 +0100\n")
	fmt.Fprintf(&b, "Subject: [PATCH %d/%d] misc: hunks\nMessage-Id: <h%d@example.org>\n\nHunks.\n---\n", i, total, i)
	fmt.Fprintf(&b, "diff --git a/f%d.c b/f%d.c\nindex 1111111..2222222 100644\n--- a/f%d.c\n+++ b/f%d.c\n", i, i, i, i)
	for k := 0; k < n; k++ {
		fmt.Fprintf(&b, "@@ -%d +%d @@\n-a\n+b\n", 10*k+1, 10*k+1)
	}
	b.WriteString("-- \n2.39.5\n\n")
	return b.String()
}

func TestHunkLimit(t *testing.T) {
	tests := []struct {
		name  string
		mails []string
		err   string
	}{
		{"at the limit", []string{hunkMail(1, 1, MaxHunks)}, ""},
		{"one patch over", []string{hunkMail(1, 1, MaxHunks+1)}, fmt.Sprintf("more than %d hunks in one patch", MaxHunks)},
		{"a series over", []string{hunkMail(1, 2, MaxHunks/2+1), hunkMail(2, 2, MaxHunks/2+1)}, fmt.Sprintf("the series has more than %d hunks", MaxHunks)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.mbox", strings.NewReader(strings.Join(tt.mails, "")), nil)
			switch {
			case tt.err == "" && err != nil:
				t.Fatal(err)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err) || !strings.HasPrefix(err.Error(), "x.mbox:")):
				t.Fatalf("error %v, want x.mbox:LINE: ...%s", err, tt.err)
			}
		})
	}
}
