package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchcheck/patchcheck/parse"
)

func defaultPack(t testing.TB) *Pack {
	t.Helper()
	p, err := DefaultPack()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSentences(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"It takes .02 to .03 seconds. Then it stops.", []string{"It takes .02 to .03 seconds.", "Then it stops."}},
		{"Drivers, e.g. GIC, are fine. Next one.", []string{"Drivers, e.g. GIC, are fine.", "Next one."}},
		{"Seen on v5.10. The fix is small.", []string{"Seen on v5.10.", "The fix is small."}},
		{"It calls smp_send_stop(). machine_shutdown() returns.", []string{"It calls smp_send_stop().", "machine_shutdown() returns."}},
		{"about .65 seconds on an idle\nsystem to less than 5 msecs.", []string{"about .65 seconds on an idle system to less than 5 msecs."}},
		{"One paragraph.\n\nAnother (i.e. two).\n\nSigned-off-by: A <a@b>", []string{"One paragraph.", "Another (i.e. two)."}},
		{"Prose.\n\tcode line 5 ms\n> quoted 3 ms", []string{"Prose."}},
		{"Is it fast? Yes! Very.", []string{"Is it fast?", "Yes!", "Very."}},
	}
	for _, tt := range tests {
		var got []string
		for _, s := range sentences(tt.in) {
			got = append(got, s.Text)
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("sentences(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

// wantClaim is the part of a Claim a test checks; zero fields are not checked
// except Variant and Verdict.
type wantClaim struct {
	text     string
	variant  string
	cpus     int
	load     string
	relation string
	low      float64
	high     float64
	perCPU   bool
	metric   string
	verdict  string // "" or unsupported
}

func TestExtractClaims(t *testing.T) {
	pack := defaultPack(t)
	seedOld := []string{"smp_shutdown_nonboot_cpus"}
	seedNew := []string{"cpu_die", "num_online_cpus", "smp_send_stop", "udelay"}
	tests := []struct {
		name     string
		msg      string
		old, new []string
		want     []wantClaim
	}{
		{
			name: "seed", msg: readMessage(t, "../fixtures/seed/arm64-kexec-smp-send-stop.mbox"), old: seedOld, new: seedNew,
			want: []wantClaim{
				{".02 to .03 seconds per CPU", "before", 23, "idle", "range", 0.02, 0.03, true, "cpu_offline", ""},
				{"the better part of a second", "before", 23, "idle", "range", 0.5, 1, false, "machine_shutdown", ""},
				{"several seconds", "before", 23, "busy", "range", 2, 10, false, "machine_shutdown", ""},
				{"less than a second", "before", 23, "idle", "less-than", 0, 1, false, "", "unsupported"},
				{"about .65 seconds", "before", 23, "idle", "about", 0.65, 0.65, false, "machine_shutdown", ""},
				{"less than 5 msecs", "after", 23, "idle", "less-than", 0, 0.005, false, "machine_shutdown", ""},
				{"several seconds", "before", 23, "busy", "range", 2, 10, false, "machine_shutdown", ""},
				{"needs only the 5 msecs", "after", 23, "busy", "less-than", 0, 0.005, false, "machine_shutdown", ""},
			},
		},
		{
			name: "park-only", msg: readMessage(t, "../fixtures/variants/park-only.mbox"), old: seedOld, new: []string{"num_online_cpus", "smp_send_stop", "udelay"},
			want: []wantClaim{
				{".02 to .03 seconds per CPU", "before", 23, "idle", "range", 0.02, 0.03, true, "cpu_offline", ""},
				{"about .65 seconds", "before", 23, "idle", "about", 0.65, 0.65, false, "machine_shutdown", ""},
				{"less than 5 msecs", "after", 23, "idle", "less-than", 0, 0.005, false, "machine_shutdown", ""},
			},
		},
		{
			name: "unrelated", msg: readMessage(t, "../fixtures/variants/unrelated-driver.mbox"),
		},
		{
			name: "speedup and cores",
			msg:  "With this patch kexec shutdown is 2x faster on 8-core systems.\nIt also cuts reboot time by 40%.",
			want: []wantClaim{
				{"2x faster", "change", 8, "idle", "speedup", 2, 2, false, "machine_shutdown", ""},
				{"by 40%", "change", 8, "idle", "speedup", 1 / 0.6, 1 / 0.6, false, "machine_shutdown", ""},
			},
		},
		{
			name: "tens of milliseconds under load, per-CPU",
			msg:  "Currently offlining takes tens of milliseconds per CPU under load, and\nmore than 2 s in total for 64 CPUs. After this patch it takes about 3 ms.",
			want: []wantClaim{
				{"tens of milliseconds per CPU", "before", 64, "busy", "range", 0.01, 0.1, true, "cpu_offline", ""},
				{"more than 2 s", "before", 64, "busy", "more-than", 2, 0, false, "machine_shutdown", ""},
				{"about 3 ms", "after", 64, "idle", "about", 0.003, 0.003, false, "machine_shutdown", ""},
			},
		},
		{
			name: "down from, each, old code",
			msg:  "With this patch shutdown takes ~30ms on 64 CPUs, down from 3.5 seconds.\nStopping the CPUs used to take 1-2 ms each.\nUnder heavy load the old code took more than 10 seconds per CPU.",
			want: []wantClaim{
				{"~30ms", "after", 64, "idle", "about", 0.03, 0.03, false, "machine_shutdown", ""},
				{"3.5 seconds", "before", 64, "idle", "about", 3.5, 3.5, false, "machine_shutdown", ""},
				{"1-2 ms each", "before", 64, "idle", "range", 0.001, 0.002, true, "cpu_offline", ""},
				{"more than 10 seconds per CPU", "before", 64, "busy", "more-than", 10, 0, true, "cpu_offline", ""},
			},
		},
		{
			name: "no variant cue",
			msg:  "Shutdown takes 10 ms on 4 CPUs.",
			want: []wantClaim{
				{"10 ms", "", 4, "idle", "about", 0.01, 0.01, false, "", "unsupported"},
			},
		},
		{
			name: "not a modelled metric",
			msg:  "This patch makes the driver probe in less than 2 ms. Version v5.10 had 1.5 MB tables.",
			want: []wantClaim{
				{"less than 2 ms", "after", 16, "idle", "less-than", 0, 0.002, false, "", "unsupported"},
			},
		},
		{
			name: "range with units on both ends and from-to",
			msg:  "This patch reduces the time to stop 16 CPUs from 250 ms to 300 us.",
			want: []wantClaim{
				{"250 ms", "before", 16, "idle", "about", 0.25, 0.25, false, "machine_shutdown", ""},
				{"300 us", "after", 16, "idle", "about", 0.0003, 0.0003, false, "machine_shutdown", ""},
			},
		},
		{
			name: "numbers in words, fractions, ratios",
			msg:  "With this patch shutdown takes less than five milliseconds on 8 CPUs, down from half a second.\nThe new code stops CPUs 65x faster, and cuts the shutdown time by 99%.\nStopping takes twenty-five ms today.",
			want: []wantClaim{
				{"less than five milliseconds", "after", 8, "idle", "less-than", 0, 0.005, false, "machine_shutdown", ""},
				{"half a second", "before", 8, "idle", "about", 0.5, 0.5, false, "machine_shutdown", ""},
				{"65x faster", "change", 8, "idle", "speedup", 65, 65, false, "machine_shutdown", ""},
				{"by 99%", "change", 8, "idle", "speedup", 100, 100, false, "machine_shutdown", ""},
				{"twenty-five ms", "before", 8, "idle", "about", 0.025, 0.025, false, "machine_shutdown", ""},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ExtractClaims([]Message{{Patch: 1, Text: tt.msg, Old: tt.old, New: tt.new}}, &pack.Claims, 16)
			if len(got) != len(tt.want) {
				for _, c := range got {
					t.Logf("got %q (%s) in %q", c.Text, c.Variant, c.Sentence)
				}
				t.Fatalf("got %d claims, want %d", len(got), len(tt.want))
			}
			for i, w := range tt.want {
				c := got[i]
				g := wantClaim{c.Text, c.Variant, c.Scenario.CPUs, c.Scenario.Load, c.Claimed.Relation, c.Claimed.Low, c.Claimed.High, c.Claimed.PerCPU, c.Metric, c.Verdict}
				if !closeClaim(g, w) {
					t.Errorf("claim %d:\n got %+v\nwant %+v\nbinding: %s", i, g, w, c.Binding)
				}
				if c.Binding == "" || c.Sentence == "" {
					t.Errorf("claim %d: empty binding or sentence", i)
				}
				if c.Verdict == "unsupported" && c.Reason == "" {
					t.Errorf("claim %d: unsupported without reason", i)
				}
			}
		})
	}
}

func closeClaim(a, b wantClaim) bool {
	near := func(x, y float64) bool { d := x - y; return d < 1e-9 && d > -1e-9 }
	if !near(a.low, b.low) || !near(a.high, b.high) {
		return false
	}
	a.low, a.high, b.low, b.high = 0, 0, 0, 0
	return a == b
}

// readMessage parses an mbox fixture far enough to get the commit message:
// the body between the headers and the "---" line.
func readMessage(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.FromSlash(path))
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	i := strings.Index(s, "\n\n")
	j := strings.Index(s, "\n---\n")
	if i < 0 || j < i {
		t.Fatalf("%s: no message body", path)
	}
	return s[i+2 : j]
}

func TestMessagesCues(t *testing.T) {
	s := &parse.Series{Patches: []*parse.Patch{{Index: 1, Message: "x"}}}
	if got := Messages(s); len(got) != 1 || got[0].Patch != 1 {
		t.Fatalf("Messages = %+v", got)
	}
}

func FuzzExtractClaims(f *testing.F) {
	pack := defaultPack(f)
	f.Add("reduces the shutdown time for 23 CPUs from about .65 seconds on an idle system to less than 5 msecs.")
	f.Add("e.g. v5.10. 2x faster. by 40%. several seconds. the better part of a second")
	f.Add("between 1 and 2 ms; 3 to 4 us per CPU on 8-core systems")
	f.Fuzz(func(t *testing.T, msg string) {
		for _, c := range ExtractClaims([]Message{{Patch: 1, Text: msg}}, &pack.Claims, 16) {
			if c.Text == "" || !strings.Contains(c.Sentence, c.Text) {
				t.Fatalf("claim text %q not in sentence %q", c.Text, c.Sentence)
			}
			if c.Claimed.Low < 0 || c.Claimed.High < 0 {
				t.Fatalf("negative bound: %+v", c.Claimed)
			}
		}
	})
}

func BenchmarkExtractClaims(b *testing.B) {
	pack := defaultPack(b)
	data, err := os.ReadFile("../fixtures/seed/arm64-kexec-smp-send-stop.mbox")
	if err != nil {
		b.Fatal(err)
	}
	msgs := []Message{{Patch: 1, Text: string(data), Old: []string{"smp_shutdown_nonboot_cpus"}, New: []string{"smp_send_stop"}}}
	b.ReportAllocs()
	for b.Loop() {
		ExtractClaims(msgs, &pack.Claims, 16)
	}
}

// TestClaimsBindToFunctions: with the programs known, a value whose subject
// is a function binds to that function's per-call time, and which code it
// describes follows the program that reaches the function.
func TestClaimsBindToFunctions(t *testing.T) {
	pack := defaultPack(t)
	set := func(names ...string) map[string]bool {
		m := map[string]bool{}
		for _, n := range names {
			m[n] = true
		}
		return m
	}
	code := &CodeTerms{
		Before: set("machine_shutdown", "smp_shutdown_nonboot_cpus", "cpu_psci_cpu_kill", "cpu_die"),
		After:  set("machine_shutdown", "smp_send_stop", "cpu_psci_cpu_kill", "cpu_die"),
	}
	tests := []struct {
		name, msg string
		want      []wantClaim
	}{
		{
			name: "conditional wait in a function both programs run",
			msg:  "In this process, if PSCI affinity_info() does not return LEVEL_OFF quickly,\ncpu_psci_cpu_kill() needs to wait for 10ms.",
			want: []wantClaim{{"10ms", "", 16, "idle", "about", 0.01, 0.01, false, "call:cpu_psci_cpu_kill", "unsupported"}},
		},
		{
			name: "function only AFTER reaches, wording says nothing",
			msg:  "On a busy system smp_shutdown_nonboot_cpus() may take several seconds,\nwhile smp_send_stop() needs only the 5 msecs.",
			want: []wantClaim{
				{"several seconds", "before", 16, "busy", "range", 2, 10, false, "call:smp_shutdown_nonboot_cpus", ""},
				{"needs only the 5 msecs", "after", 16, "busy", "less-than", 0, 0.005, false, "call:smp_send_stop", ""},
			},
		},
		{
			name: "a function after the value",
			msg:  "With this patch there is no need to wait 10 ms in cpu_psci_cpu_kill().",
			want: []wantClaim{{"10 ms", "after", 16, "idle", "about", 0.01, 0.01, false, "call:cpu_psci_cpu_kill", ""}},
		},
		{
			name: "a quantity noun between the function and the value",
			msg:  "Using smp_send_stop() instead of smp_shutdown_nonboot_cpus() reduces the shutdown time\nfor 23 CPUs from about .65 seconds on an idle system to less than 5 msecs.",
			want: []wantClaim{
				{"about .65 seconds", "before", 23, "idle", "about", 0.65, 0.65, false, "machine_shutdown", ""},
				{"less than 5 msecs", "after", 23, "idle", "less-than", 0, 0.005, false, "machine_shutdown", ""},
			},
		},
		{
			name: "a function no program runs",
			msg:  "With this patch foo_bar_probe() takes less than 2 ms.",
			want: []wantClaim{{"less than 2 ms", "after", 16, "idle", "less-than", 0, 0.002, false, "", "unsupported"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ExtractClaims([]Message{{Patch: 1, Text: tt.msg, Code: code}}, &pack.Claims, 16)
			if len(got) != len(tt.want) {
				for _, c := range got {
					t.Logf("got %q (%s) in %q", c.Text, c.Variant, c.Sentence)
				}
				t.Fatalf("got %d claims, want %d", len(got), len(tt.want))
			}
			for i, w := range tt.want {
				c := got[i]
				g := wantClaim{c.Text, c.Variant, c.Scenario.CPUs, c.Scenario.Load, c.Claimed.Relation, c.Claimed.Low, c.Claimed.High, c.Claimed.PerCPU, c.Metric, c.Verdict}
				if !closeClaim(g, w) {
					t.Errorf("claim %d:\n got %+v\nwant %+v\nbinding: %s\nreason: %s", i, g, w, c.Binding, c.Reason)
				}
			}
		})
	}
}
