package parse

import (
	"strings"
	"testing"
	"time"
)

// TestParseDateZoneNames checks that a Date ending in a zone name is read
// with that zone's fixed offset whatever the local time zone is: the
// offsets are the ones RFC 5322 section 4.3 gives its obsolete zones, and
// the European zones' standard definitions.
func TestParseDateZoneNames(t *testing.T) {
	tests := []struct {
		date string
		want string // RFC 3339
	}{
		{"Fri, 6 Nov 2020 15:25:48 PST", "2020-11-06T15:25:48-08:00"},
		{"Fri, 6 Nov 2020 15:25:48 PDT", "2020-11-06T15:25:48-07:00"},
		{"Fri, 6 Nov 2020 18:25:48 EST", "2020-11-06T18:25:48-05:00"},
		{"Mon, 2 Mar 2026 10:11:12 CEST", "2026-03-02T10:11:12+02:00"},
		{"Mon, 2 Mar 2026 10:11:12 CET", "2026-03-02T10:11:12+01:00"},
		{"Mon, 2 Mar 2026 10:11:12 GMT", "2026-03-02T10:11:12Z"},
		{"Mon, 2 Mar 2026 10:11:12 UT", "2026-03-02T10:11:12Z"},
		{"Mon, 2 Mar 2026 10:11:12 +0100 (CET)", "2026-03-02T10:11:12+01:00"},
		{"Mon, 2 Mar 2026 10:11:12 -0800 (PST)", "2026-03-02T10:11:12-08:00"},
		// Unknown names (here a military zone letter) are "-0000":
		// local time of an unknown zone, read as UTC.
		{"Mon, 2 Mar 2026 10:11:12 J", "2026-03-02T10:11:12Z"},
		{"Mon, 2 Mar 2026 10:11:12 XYZT", "2026-03-02T10:11:12Z"},
	}
	zones := []string{"UTC", "America/Los_Angeles", "Europe/Berlin", "Asia/Tokyo", "America/New_York"}
	saved := time.Local
	defer func() { time.Local = saved }()
	for _, zone := range zones {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Skipf("no zone data for %s: %v", zone, err)
		}
		time.Local = loc
		for _, tt := range tests {
			got, err := parseDate(tt.date)
			if err != nil {
				t.Errorf("TZ=%s parseDate(%q): %v", zone, tt.date, err)
				continue
			}
			if s := got.Format(time.RFC3339); s != tt.want {
				t.Errorf("TZ=%s parseDate(%q) = %s, want %s", zone, tt.date, s, tt.want)
			}
		}
	}
}

// TestRecipients checks that To and Cc are kept, decoded, on a patch and on
// a cover letter, with the cover letter's author.
func TestRecipients(t *testing.T) {
	const series = `From: Ana Developer <ana@example.org>
To: Will Deacon <will@kernel.org>, "Marinas, Catalin" <catalin.marinas@arm.com>
Cc: linux-arm-kernel@lists.infradead.org,
 =?utf-8?q?J=C3=BCrgen_Gro=C3=9F?= <jgross@example.org>
Date: Mon, 2 Mar 2026 10:11:12 +0100
Subject: [PATCH 0/1] misc: blink
Message-Id: <cover@example.org>

A cover letter.

From: Ana Developer <ana@example.org>
To: Will Deacon <will@kernel.org>
Cc: linux-arm-kernel@lists.infradead.org
Date: Mon, 2 Mar 2026 10:11:13 +0100
Subject: [PATCH 1/1] misc: blink: report setup failure
Message-Id: <p1@example.org>
In-Reply-To: <cover@example.org>

Report setup failures.

Signed-off-by: Ana Developer <ana@example.org>
---
diff --git a/drivers/misc/blink.c b/drivers/misc/blink.c
--- a/drivers/misc/blink.c
+++ b/drivers/misc/blink.c
@@ -10,3 +10,3 @@ static int blink_probe(struct device *dev)
 	ret = blink_setup(dev);
-	if (ret)
+	if (ret < 0)
 		return ret;
`
	s, err := Parse("series.mbox", strings.NewReader("From x Mon Mar  2 10:11:12 2026\n"+strings.Replace(series, "\nFrom: Ana", "\nFrom x Mon Mar  2 10:11:13 2026\nFrom: Ana", 1)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Cover == nil || len(s.Patches) != 1 {
		t.Fatalf("cover %v, %d patches", s.Cover, len(s.Patches))
	}
	c, p := s.Cover, s.Patches[0]
	if c.Author != "Ana Developer <ana@example.org>" {
		t.Errorf("cover author %q", c.Author)
	}
	if got, want := strings.Join(c.To, "; "), "Will Deacon <will@kernel.org>; Marinas, Catalin <catalin.marinas@arm.com>"; got != want {
		t.Errorf("cover To %q, want %q", got, want)
	}
	if got, want := strings.Join(c.Cc, "; "), "<linux-arm-kernel@lists.infradead.org>; Jürgen Groß <jgross@example.org>"; got != want {
		t.Errorf("cover Cc %q, want %q", got, want)
	}
	if got, want := strings.Join(p.To, "; ")+" | "+strings.Join(p.Cc, "; "), "Will Deacon <will@kernel.org> | <linux-arm-kernel@lists.infradead.org>"; got != want {
		t.Errorf("patch To | Cc %q, want %q", got, want)
	}
}
