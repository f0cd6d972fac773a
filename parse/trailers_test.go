package parse

import "testing"

func TestSignoffChain(t *testing.T) {
	tests := []struct {
		author   string
		trailers []Trailer
		chain    int
		signed   bool
	}{
		{"Ana <ana@example.org>", []Trailer{{"Signed-off-by", "Ana <ana@example.org>", "patch"}, {"Signed-off-by", "Bo <bo@example.org>", "patch"}}, 2, true},
		{"Ana", []Trailer{{"Signed-off-by", "Ana <ana@example.org>", "patch"}}, 1, true},
		{"Ana <ana@example.org>", []Trailer{{"Signed-off-by", "Ana <ana@other.org>", "patch"}}, 1, false},
		{"Ana <ana@example.org>", []Trailer{{"Signed-off-by", "Ana <ana@example.org>", "reply@x"}}, 0, false},
		{"Ana <ana@example.org>", []Trailer{{"Reviewed-by", "Ana <ana@example.org>", "patch"}}, 0, false},
	}
	for i, tt := range tests {
		p := &Patch{Author: tt.author, Trailers: tt.trailers}
		if got := len(p.SignoffChain()); got != tt.chain {
			t.Errorf("%d: chain of %d, want %d", i, got, tt.chain)
		}
		if got := p.AuthorSignedOff(); got != tt.signed {
			t.Errorf("%d: AuthorSignedOff = %v", i, got)
		}
	}
}
