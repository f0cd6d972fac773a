package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultPack(t *testing.T) {
	p := defaultPack(t)
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"kexec.secondaries-off-at-relocation", "kexec.reboot-completes", "psci.cpu-off-preconditions"} {
		if p.Property(id) == nil {
			t.Errorf("default pack lacks %s", id)
		}
	}
	for _, n := range []int{2, 3, 4} {
		if !containsInt(p.Scenarios.CPUs, n) {
			t.Errorf("safety matrix lacks %d CPUs", n)
		}
	}
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func TestPropertyCheck(t *testing.T) {
	p := defaultPack(t)
	off := CPUEnv{ID: 1, Power: "off"}
	parked := CPUEnv{ID: 2, Power: "on", Exec: "parked"}
	tests := []struct {
		id   string
		env  Env
		want bool
	}{
		{"kexec.secondaries-off-at-relocation", Env{Event: "relocate", Secondaries: []CPUEnv{off, off}}, true},
		{"kexec.secondaries-off-at-relocation", Env{Event: "relocate", Secondaries: []CPUEnv{off, parked}}, false},
		{"kexec.reboot-completes", Env{Event: "end", Outcome: "relocated"}, true},
		{"kexec.reboot-completes", Env{Event: "end", Outcome: "bug"}, false},
		{"psci.cpu-off-preconditions", Env{Event: "cpu_off", CPU: CPUEnv{IRQsMigrated: true, IRQsMasked: true}}, true},
		{"psci.cpu-off-preconditions", Env{Event: "cpu_off", CPU: CPUEnv{IRQsMasked: true}}, false},
		{"kexec.cpu-die-context", Env{Event: "call:cpu_die", CPU: CPUEnv{Context: "task"}}, true},
		{"kexec.cpu-die-context", Env{Event: "call:cpu_die", CPU: CPUEnv{Context: "irq"}}, false},
		{"kexec.waits-bounded", Env{Event: "wait", Wait: WaitEnv{Bounded: true}}, true},
	}
	for _, tt := range tests {
		got, err := p.Property(tt.id).Check(&tt.env)
		if err != nil || got != tt.want {
			t.Errorf("%s on %+v = %v, %v; want %v", tt.id, tt.env, got, err, tt.want)
		}
	}
}

func TestParsePackErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"unknown key", "pack: x\nproperties:\n  - id: a.b\n    severity: error\n    doc: d\n    at: end\n    expr: 'true'\n    colour: red\n", "p.yaml:8: field colour not found"},
		{"bad expr", "pack: x\nproperties:\n  - id: a.b\n    severity: error\n    doc: d\n    at: end\n    expr: 'secondaries +'\n", "p.yaml:7: property a.b: bad expression"},
		{"not bool", "pack: x\nproperties:\n  - id: a.b\n    severity: error\n    doc: d\n    at: end\n    expr: 'online'\n", "p.yaml:7: property a.b: bad expression"},
		{"unknown field in expr", "pack: x\nproperties:\n  - id: a.b\n    severity: error\n    doc: d\n    at: end\n    expr: 'cpu.colour == 1'\n", "p.yaml:7:"},
		{"duplicate id", "pack: x\nproperties:\n  - {id: a.b, severity: error, doc: d, at: end, expr: 'true'}\n  - {id: a.b, severity: error, doc: d, at: end, expr: 'true'}\n", "p.yaml:4: duplicate property id \"a.b\" (first at line 3)"},
		{"unknown event", "pack: x\nproperties:\n  - {id: a.b, severity: error, doc: d, at: reboot, expr: 'true'}\n", "p.yaml:3: property a.b: unknown event \"reboot\""},
		{"bad severity", "pack: x\nproperties:\n  - id: a.b\n    severity: fatal\n    doc: d\n    at: end\n    expr: 'true'\n", "p.yaml:4: property a.b: severity \"fatal\""},
		{"bad regexp", "pack: x\nclaims:\n  bindings:\n    - id: b\n      match: '(['\n      metric: m\n", "p.yaml:5: bad pattern"},
		{"duplicate binding", "pack: x\nclaims:\n  bindings:\n    - {id: b, match: x, metric: m}\n    - {id: b, match: x, metric: m}\n", "p.yaml:5: duplicate binding id"},
		{"metric and unsupported", "pack: x\nclaims:\n  bindings:\n    - {id: b, match: x, metric: m, unsupported: why}\n", "p.yaml:4: binding b: want exactly one"},
		{"unknown fault", "pack: x\nscenarios:\n  safety:\n    faults:\n      - []\n      - [cosmic-ray]\n", "p.yaml:6: unknown fault \"cosmic-ray\""},
		{"bad cpus", "pack: x\nscenarios:\n  safety:\n    cpus: [2, 0]\n", "p.yaml:4: CPU count 0"},
		{"syntax", "pack: x\nproperties: [\n", "p.yaml:"},
		{"empty", "", "p.yaml: empty rule pack"},
		{"two docs", "pack: x\n---\npack: y\n", "p.yaml:2: more than one YAML document"},
		{"vague without unit", "pack: x\nclaims:\n  vague:\n    - {phrase: several, relation: range, low: 2, high: 10}\n", "p.yaml:4: vague phrase \"several\" must contain {unit}"},
	}
	for _, tt := range tests {
		_, err := ParsePack("p.yaml", []byte(tt.src))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want it to contain %q", tt.name, err, tt.want)
		}
	}
}

func TestLoadPackOverride(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "site.yaml")
	src := `pack: site
properties:
  - id: kexec.reboot-completes
    severity: warning
    doc: Relaxed on this site.
    at: end
    expr: outcome != "panic"
  - id: site.no-warn
    severity: info
    doc: No WARN fires.
    at: warn
    expr: "false"
scenarios:
  safety:
    cpus: [2]
claims:
  bindings:
    - id: site-boot
      match: '(?i)\bboot\b'
      metric: relocation
`
	if err := os.WriteFile(f, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := LoadPack(f)
	if err != nil {
		t.Fatal(err)
	}
	r := p.Property("kexec.reboot-completes")
	if r.Severity != "warning" || r.Pos.File != f {
		t.Errorf("override not applied: %+v", r)
	}
	if p.Property("site.no-warn") == nil || p.Property("kexec.secondaries-off-at-relocation") == nil {
		t.Error("merge lost or did not add properties")
	}
	if len(p.Scenarios.CPUs) != 1 || len(p.Scenarios.Loads) == 0 {
		t.Errorf("scenario merge: %+v", p.Scenarios)
	}
	if last := p.Claims.Bindings[len(p.Claims.Bindings)-1]; last.ID != "site-boot" {
		t.Errorf("binding not appended: %s", last.ID)
	}
	// A binding naming an undeclared metric is an error at its line.
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("pack: bad\nclaims:\n  bindings:\n    - {id: x, match: y, metric: nosuch}\n"), 0o644)
	if _, err := LoadPack(bad); err == nil || !strings.Contains(err.Error(), "bad.yaml:4: binding x: metric \"nosuch\"") {
		t.Errorf("undeclared metric: %v", err)
	}
}

func FuzzParsePack(f *testing.F) {
	data, _ := builtinPacks.ReadFile("packs/arm64-kexec.yaml")
	f.Add(data)
	f.Add([]byte("pack: x\nproperties:\n  - {id: a, severity: error, doc: d, at: end, expr: 'true'}\n"))
	// expressions ReadsIRQMasks walks: fields, iterations, whole CPUs
	f.Add([]byte("pack: x\nproperties:\n  - {id: a, severity: error, doc: d, at: relocate, expr: 'all(secondaries, .irqs_masked || # == boot) && cpus[1][\"power\"] == \"off\"'}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePack("f.yaml", data)
		if err == nil && p == nil {
			t.Fatal("nil pack without error")
		}
		if err != nil && !strings.HasPrefix(err.Error(), "f.yaml") {
			t.Fatalf("error without file name: %v", err)
		}
		if p != nil {
			for _, r := range p.Properties {
				r.ReadsIRQMasks()
			}
		}
	})
}
