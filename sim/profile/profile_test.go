package profile

import (
	"errors"
	"flag"
	"math"
	"os"
	"strings"
	"testing"
)

func TestDefault(t *testing.T) {
	p := Default()
	if p.Name != DefaultName {
		t.Fatalf("name = %q", p.Name)
	}
	if len(p.CalibratedOn) == 0 {
		t.Error("default profile lists no calibration figures")
	}
	for id := range NumParams {
		prm := &p.Params[id]
		if prm.ID != id || prm.Unit == "" {
			t.Errorf("%s: not set", id)
		}
		if prm.Assumption == (prm.Source != "") {
			t.Errorf("%s: needs exactly one of source and assumption", id)
		}
		if prm.Pos.Line == 0 {
			t.Errorf("%s: no position", id)
		}
	}
}

// The default profile must not be built from the figures of the patch whose
// claims it is used to check.
func TestDefaultAvoidsCheckedClaims(t *testing.T) {
	data, err := builtinFS.ReadFile("builtin/" + DefaultName + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ToLower(string(data))
	for _, bad := range []string{".65", ".02 to .03", "0.02 to 0.03", "5 msec", "several seconds", "willard", "23 cpus"} {
		if strings.Contains(text, bad) {
			t.Errorf("default profile mentions %q, a figure under check", bad)
		}
	}
}

// base is a complete profile in few lines: it inherits everything.
const base = "name: t\nextends: generic-arm64-server\nparams:\n"

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string // the whole error text
	}{
		{"unknown param key", base + "  hz:\n    unit: Hz\n    values: [250]\n    sourc: x\n",
			"t.yaml:7: unknown key \"sourc\""},
		{"unknown top key", "name: t\nextends: generic-arm64-server\nparameters: {}\n",
			"t.yaml:3: unknown key \"parameters\""},
		{"inverted range", base + "  rcu_gp_idle:\n    unit: ms\n    min: 20\n    max: 10\n    source: x\n",
			"t.yaml:4: rcu_gp_idle: inverted range: min 20 > max 10"},
		{"negative duration", base + "  ipi_latency:\n    unit: us\n    min: -1\n    max: 3\n    source: x\n",
			"t.yaml:4: ipi_latency: negative duration -1 us"},
		{"no source", base + "  ipi_latency:\n    unit: us\n    min: 1\n    max: 3\n",
			"t.yaml:4: ipi_latency: no source; cite where the value comes from, or label it assumption: true with a reason"},
		{"assumption without reason", base + "  ipi_latency:\n    unit: us\n    min: 1\n    max: 3\n    assumption: true\n",
			"t.yaml:4: ipi_latency: assumption: true needs a reason"},
		{"source and assumption", base + "  ipi_latency:\n    unit: us\n    value: 1\n    source: x\n    assumption: true\n    reason: y\n",
			"t.yaml:4: ipi_latency: both a source and assumption: true; a value is either cited or assumed"},
		{"unknown param", base + "  ipi_latncy:\n    unit: us\n    value: 1\n    source: x\n",
			"t.yaml:4: unknown parameter \"ipi_latncy\" (did you mean \"ipi_latency\"?)"},
		{"wrong dimension", base + "  ipi_latency:\n    unit: Hz\n    value: 1\n    source: x\n",
			"t.yaml:4: ipi_latency: unit \"Hz\" is a frequency, but ipi_latency is a duration (use one of jiffies, ms, ns, s, us, µs)"},
		{"unknown unit", base + "  ipi_latency:\n    unit: fortnights\n    value: 1\n    source: x\n",
			"t.yaml:4: ipi_latency: unknown unit \"fortnights\" (a duration: one of jiffies, ms, ns, s, us, µs)"},
		{"triangular needs typical", base + "  ipi_latency:\n    unit: us\n    min: 1\n    max: 3\n    shape: triangular\n    source: x\n",
			"t.yaml:4: ipi_latency: a triangular shape needs a typical value (its mode)"},
		{"loguniform from zero", base + "  ipi_latency:\n    unit: us\n    min: 0\n    max: 3\n    shape: loguniform\n    source: x\n",
			"t.yaml:4: ipi_latency: a loguniform shape needs min > 0"},
		{"typical outside", base + "  ipi_latency:\n    unit: us\n    min: 1\n    typical: 9\n    max: 3\n    source: x\n",
			"t.yaml:4: ipi_latency: typical 9 outside [min 1, max 3]"},
		{"ratio above one", base + "  usleep_position:\n    unit: ratio\n    value: 2\n    source: x\n",
			"t.yaml:4: usleep_position: 2 is not a ratio (must be in [0, 1])"},
		{"half a range", base + "  ipi_latency:\n    unit: us\n    min: 1\n    source: x\n",
			"t.yaml:4: ipi_latency: a range needs both min and max (or a single value)"},
		{"bad vary", base + "  ipi_latency:\n    unit: us\n    value: 1\n    vary: often\n    source: x\n",
			"t.yaml:4: ipi_latency: vary is \"often\"; want run (one value per run) or event (a draw at every use)"},
		{"bad type", base + "  ipi_latency:\n    unit: us\n    value: fast\n    source: x\n",
			"t.yaml:6: cannot unmarshal !!str `fast` into float64"},
		{"duplicate key", base + "  ipi_latency:\n    unit: us\n    value: 1\n    value: 2\n    source: x\n",
			"t.yaml:7: mapping key \"value\" already defined at line 6"},
		{"missing params", "name: t\nparams:\n  hz:\n    unit: Hz\n    value: 250\n    source: x\n",
			"t.yaml:2: missing parameters: " + strings.Join(specNames()[1:], ", ")},
		{"missing name", "extends: generic-arm64-server\n", "t.yaml:1: missing name"},
		{"unknown base", "name: t\nextends: nowhere\n", "t.yaml:2: extends: no builtin profile \"nowhere\" (builtin: generic-arm64-server)"},
		{"empty", "", "t.yaml:1: empty profile"},
		{"two documents", base + "---\nname: u\n", "t.yaml:4: more than one YAML document; a profile is one document"},
		{"syntax", "name: [t\n", "t.yaml:1: did not find expected ',' or ']'"},
		{"empty choice", base + "  console_loglevel:\n    unit: level\n    values: []\n    source: x\n",
			"t.yaml:4: console_loglevel: a choice needs values"},
		{"choice with a range", base + "  console_loglevel:\n    unit: level\n    values: [4, 7]\n    min: 4\n    max: 7\n    source: x\n",
			"t.yaml:4: console_loglevel: give either values or min and max"},
		{"choice shape on a range", base + "  console_baud:\n    unit: baud\n    min: 9600\n    max: 115200\n    shape: choice\n    source: x\n",
			"t.yaml:4: console_baud: shape choice goes with values lists only"},
		{"level not an integer", base + "  console_loglevel:\n    unit: level\n    values: [4, 6.5]\n    source: x\n",
			"t.yaml:4: console_loglevel: 6.5 is not a log level (an integer 0..15)"},
		{"typical not a value", base + "  console_loglevel:\n    unit: level\n    values: [4, 7]\n    typical: 5\n    source: x\n",
			"t.yaml:4: console_loglevel: typical 5 is not one of the values"},
		{"zero baud", base + "  console_baud:\n    unit: baud\n    values: [0, 115200]\n    source: x\n",
			"t.yaml:4: console_baud: a baud rate must be positive"},
		{"choice values not numbers", base + "  console_baud:\n    unit: baud\n    values: [serial, virtual]\n    source: x\n",
			"t.yaml:6: cannot unmarshal !!str `serial` into float64\nt.yaml:6: cannot unmarshal !!str `virtual` into float64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse("t.yaml", []byte(tt.src))
			if err == nil {
				t.Fatalf("no error; profile %q", p.Name)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error\n got: %s\nwant: %s", got, tt.want)
			}
			var l ErrorList
			if !errors.As(err, &l) {
				t.Errorf("error is %T, not an ErrorList", err)
			}
		})
	}
}

func specNames() []string {
	var s []string
	for _, sp := range Specs {
		s = append(s, sp.Name)
	}
	return s
}

func TestExtends(t *testing.T) {
	p, err := Parse("t.yaml", []byte(base+"  rcu_gp_idle:\n    unit: ms\n    min: 30\n    max: 40\n    vary: event\n    assumption: true\n    reason: slower machine\ncalibrated_on: [\"own figure\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	g := &p.Params[RCUGPIdle]
	if g.Min != 30 || g.Max != 40 || g.From != "t" || !g.PerEvent {
		t.Errorf("override not applied: %+v", g)
	}
	if h := &p.Params[HZ]; h.From != DefaultName {
		t.Errorf("hz from %q, want inherited", h.From)
	}
	if last := p.CalibratedOn[len(p.CalibratedOn)-1]; last != "own figure" {
		t.Errorf("calibrated_on ends with %q", last)
	}
}

func TestLoadFile(t *testing.T) {
	p, err := Load("testdata/slow-firmware.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "slow-firmware" || p.Params[PSCICPUOff].Min != 5 {
		t.Errorf("got %q %+v", p.Name, p.Params[PSCICPUOff])
	}
	if _, err := Load("testdata/missing.yaml"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if p, err := Load(DefaultName); err != nil || p.Name != DefaultName {
		t.Errorf("builtin by name: %v", err)
	}
}

func TestSampleDeterministic(t *testing.T) {
	p := Default()
	a := p.Sample(NewRand(7, 0))
	b := p.Sample(NewRand(7, 0))
	c := p.Sample(NewRand(8, 0))
	differs := false
	for id := range NumParams {
		if a.Value(id) != b.Value(id) {
			t.Errorf("%s: %v != %v for one seed", id, a.Value(id), b.Value(id))
		}
		if a.Value(id) != c.Value(id) {
			differs = true
		}
		d := p.Params[id].dist(a.Jiffy())
		if v := a.Value(id); v < d.Min || v > d.Max {
			t.Errorf("%s: %v outside [%v, %v]", id, v, d.Min, d.Max)
		}
	}
	if !differs {
		t.Error("seeds 7 and 8 sample identical sets")
	}
	if a.Value(HZ) != 250 || math.Abs(a.Jiffy()-0.004) > 1e-15 {
		t.Errorf("hz %v jiffy %v", a.Value(HZ), a.Jiffy())
	}
	// rcu_gp_busy is written in jiffies: 3-6 ticks of 4 ms.
	if d := a.Dist(RCUGPBusy); math.Abs(d.Min-0.012) > 1e-12 || math.Abs(d.Max-0.024) > 1e-12 {
		t.Errorf("rcu_gp_busy in seconds = [%v, %v]", d.Min, d.Max)
	}
}

// Changing one parameter's range leaves the others' draws unchanged.
func TestCommonRandomNumbers(t *testing.T) {
	p := Default()
	q := *p
	q.Params[StopMachinePerCPU].Min, q.Params[StopMachinePerCPU].Max = 100, 200
	a, b := p.Sample(NewRand(3, 1)), q.Sample(NewRand(3, 1))
	for id := range NumParams {
		same := a.Value(id) == b.Value(id)
		if same != (id != StopMachinePerCPU) {
			t.Errorf("%s: %v vs %v", id, a.Value(id), b.Value(id))
		}
	}
}

func TestTypical(t *testing.T) {
	s := Default().Typical()
	if got := s.Value(SchedHandoffIdle); math.Abs(got-60e-6) > 1e-15 {
		t.Errorf("typical sched_handoff_idle = %v, want the stated 60 us", got)
	}
	if got := s.Value(RCUGPIdle); math.Abs(got-14.05e-3) > 1e-12 {
		t.Errorf("typical rcu_gp_idle = %v, want the median 14.05 ms", got)
	}
}

func TestParamText(t *testing.T) {
	p := Default()
	if got := p.Params[RCUGPIdle].Range(); got != "12.6–15.5 ms" {
		t.Errorf("range %q", got)
	}
	if got := p.Params[HZ].Range(); got != "{250} Hz" {
		t.Errorf("range %q", got)
	}
	if got := p.Params[IPILatency].Cite(); !strings.HasPrefix(got, "assumption: ") {
		t.Errorf("cite %q", got)
	}
}

func FuzzParse(f *testing.F) {
	data, _ := builtinFS.ReadFile("builtin/" + DefaultName + ".yaml")
	f.Add(data)
	f.Add([]byte(base + "  ipi_latency:\n    unit: us\n    min: 1\n    max: 3\n    source: x\n"))
	f.Add([]byte("name: [t\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("f.yaml", data)
		if err != nil {
			var l ErrorList
			if !errors.As(err, &l) || len(l) == 0 {
				t.Fatalf("error %T without positions: %v", err, err)
			}
			return
		}
		for id := range NumParams {
			if msgs := p.Params[id].check(); len(msgs) > 0 {
				t.Fatalf("accepted an invalid parameter: %v", msgs)
			}
		}
		s := p.Sample(NewRand(1, 1))
		for id := range NumParams {
			if v := s.Value(id); math.IsNaN(v) || v < 0 {
				t.Fatalf("%s sampled %v", id, v)
			}
		}
	})
}

var update = flag.Bool("update", false, "rewrite the parameter table in docs/timing.md")

// docs/timing.md carries the default profile's parameter table between
// markers; it must match the embedded profile (go test -update rewrites it).
func TestDocsTable(t *testing.T) {
	const path = "../../docs/timing.md"
	const begin, end = "<!-- params:begin -->\n", "<!-- params:end -->"
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(doc)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("%s: no parameter table markers", path)
	}
	want := Default().Markdown()
	if got := s[i+len(begin) : j]; got != want {
		if *update {
			if err := os.WriteFile(path, []byte(s[:i+len(begin)]+want+s[j:]), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("%s: parameter table differs from the default profile; run go test -update ./sim/profile", path)
	}
}

// The default profile does not know the machine's console: each run draws
// the log level (quiet 4 or the kernel default 7) and the speed (115200-baud
// serial or a virtual console), each value in about half the runs and the
// four combinations in about a quarter.
func TestDefaultConsoleDrawn(t *testing.T) {
	p := Default()
	const runs = 4000
	count := map[[2]float64]int{}
	for i := range runs {
		s := p.Sample(NewRand(1, uint64(i)<<32))
		count[[2]float64{s.Value(ConsoleLoglevel), s.Value(ConsoleBaud)}]++
	}
	for _, lv := range []float64{4, 7} {
		for _, baud := range []float64{115200, 1e6} {
			if f := float64(count[[2]float64{lv, baud}]) / runs; f < 0.2 || f > 0.3 {
				t.Errorf("console_loglevel %g, console_baud %g in %.1f%% of runs, want about 25%%", lv, baud, 100*f)
			}
		}
	}
	if len(count) != 4 {
		t.Errorf("console settings drawn: %v, want the four combinations only", count)
	}
}
