package rules

import (
	"slices"
	"strings"
	"testing"

	"github.com/patchcheck/patchcheck/parse"
)

// TestEntriesPack: the default pack declares the entries, every property
// names declared ones, and a property naming an undeclared entry is an
// error at its line.
func TestEntriesPack(t *testing.T) {
	p := defaultPack(t)
	var ids []string
	for _, e := range p.EntryList() {
		ids = append(ids, e.ID)
	}
	if got := strings.Join(ids, ","); got != "kexec,kdump,kdump-two-cpus,panic,panic-two-cpus,restart,power-off,halt,"+
		"kdump-stuck,kdump-stuck-nmi,panic-stuck,panic-stuck-nmi,restart-stuck,restart-stuck-nmi" {
		t.Errorf("entries %s", got)
	}
	for _, id := range []string{"kdump-stuck", "panic-stuck-nmi", "restart-stuck-nmi"} {
		e := p.Entry(id)
		if e == nil || e.PseudoNMI != strings.HasSuffix(id, "-nmi") || e.Safety == nil || len(e.Safety.Faults) != 1 || e.Safety.Faults[0][0] != "stuck-irqs-masked" {
			t.Errorf("%s entry %+v", id, e)
		}
	}
	if e := p.Entry("kdump"); e == nil || e.Boot != "kdump_entry" || e.Safety == nil || len(e.Safety.CPUs) == 0 {
		t.Errorf("kdump entry %+v", e)
	}
	if e := p.Entry("panic-two-cpus"); e == nil || e.AlsoBoot != 1 {
		t.Errorf("panic-two-cpus entry %+v", e)
	}
	if r := p.Property("kexec.secondaries-off-at-relocation"); r == nil || !r.OnEntry("kexec") || r.OnEntry("kdump") {
		t.Errorf("a property naming no entry is kexec's only: %+v", r)
	}
	bad := `pack: x
properties:
  - id: a.b
    severity: error
    at: end
    expr: "true"
    doc: d
    entries: [nowhere]
`
	q, err := ParsePack("bad.yaml", []byte(bad))
	if err != nil {
		t.Fatal(err)
	}
	err = Merge(p, q).Validate()
	if err == nil || !strings.Contains(err.Error(), `bad.yaml:3: property a.b: entry "nowhere" is not declared`) {
		t.Errorf("undeclared entry: %v", err)
	}
	over := `pack: x
entries:
  - id: kdump
    boot: kdump_entry
    also_boot: 1
    doc: d
    safety: {cpus: [1, 2]}
`
	if _, err := ParsePack("over.yaml", []byte(over)); err == nil || !strings.Contains(err.Error(), "over.yaml:7: entry kdump: 1 CPUs cannot have 1 secondaries") {
		t.Errorf("also_boot beyond the CPU count: %v", err)
	}
}

// TestClaimOnEntryFunction: a claim about crash_smp_send_stop(), which
// only the kdump entry runs, is bound to the function's calls and measured
// on the kdump entry's programs, and its source says so.
func TestClaimOnEntryFunction(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the explorer and the timed engine")
	}
	r := evaluateFile(t, "testdata/entries/crash-stop-claim.mbox", defaultPack(t))
	var found bool
	for _, c := range r.Claims {
		if c.Text != "less than 1 ms" {
			continue
		}
		found = true
		if c.Metric != "call:crash_smp_send_stop" || c.Variant != "after" {
			t.Errorf("claim bound to %s %s, want call:crash_smp_send_stop after", c.Metric, c.Variant)
		}
		if !strings.HasSuffix(c.Source, ", entry kdump") {
			t.Errorf("source %q does not name the kdump entry", c.Source)
		}
		if c.Predicted == nil || c.Predicted.Runs == 0 || c.Predicted.Never != 0 {
			t.Errorf("predicted %+v: want every run of the kdump entry to call crash_smp_send_stop", c.Predicted)
		}
	}
	if !found {
		t.Fatalf("no claim \"less than 1 ms\" in %+v", r.Claims)
	}
}

// TestEntryTimelines: with the HTML report's plots, every entry that ran
// has one timeline per variant, named by the entry, of its own program:
// a run that starts in the entry's boot function, in a machine of its
// matrix; without plots there are none.
func TestEntryTimelines(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the timed engine on every entry")
	}
	s, err := parse.ParseFiles([]string{"../fixtures/seed/arm64-kexec-smp-send-stop.mbox"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	pack := defaultPack(t)
	for _, plots := range []bool{false, true} {
		r, err := Check(s, Options{Pack: pack, Seed: 1, Budget: Budget{Runs: 4}, Plots: plots})
		if err != nil {
			t.Fatal(err)
		}
		ran := map[string]bool{}
		for _, p := range r.Properties {
			if p.Entry != DefaultEntry {
				ran[p.Entry] = true
			}
		}
		got := map[string][]string{}
		for _, tl := range r.Timelines {
			if tl.Entry == "" {
				continue
			}
			got[tl.Entry] = append(got[tl.Entry], tl.Variant)
			en := pack.Entry(tl.Entry)
			if en == nil {
				t.Errorf("timeline of undeclared entry %q", tl.Entry)
				continue
			}
			if tl.Scenario.PseudoNMI != en.PseudoNMI || !slices.Contains(en.Safety.CPUs, tl.Scenario.CPUs) {
				t.Errorf("%s: scenario %+v is not of its matrix", tl.Entry, tl.Scenario)
			}
			if len(tl.CPUs) != tl.Scenario.CPUs || tl.End <= 0 {
				t.Errorf("%s %s: %d CPU tracks, end %v", tl.Entry, tl.Variant, len(tl.CPUs), tl.End)
			}
		}
		if !plots {
			if len(r.Timelines) != 0 {
				t.Errorf("without plots: %d timelines", len(r.Timelines))
			}
			continue
		}
		if len(ran) < 6 {
			t.Fatalf("only %d entries ran", len(ran))
		}
		for id := range ran {
			if pack.Entry(id).PseudoNMI {
				t.Errorf("entry %s ran on v5.10, whose programs request no IPI as an NMI", id)
			}
		}
		for id := range ran {
			if v := strings.Join(got[id], ","); v != "before,after" {
				t.Errorf("entry %s: timelines %q, want before,after", id, v)
			}
		}
		for id := range got {
			if !ran[id] {
				t.Errorf("timeline of entry %s, which did not run", id)
			}
		}
	}
}
