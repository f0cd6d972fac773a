package parse

import (
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
