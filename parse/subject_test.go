package parse

import "testing"

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
		{"[PATCH 9/3] bad numbering", subjectInfo{tagged: true, prefix: "PATCH 9/3", version: 1, index: 1, total: 1, subject: "bad numbering"}},
	}
	for _, tt := range tests {
		if got := parseSubject(tt.in); got != tt.want {
			t.Errorf("parseSubject(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}
