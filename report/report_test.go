package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchcheck/patchcheck/rules"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// loadReport reads a sample Report. Unknown fields are an error, so a sample
// cannot drift from rules.Report unnoticed.
func loadReport(t testing.TB, name string) *rules.Report {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var r rules.Report
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &r
}

func render(t testing.TB, format string, r *rules.Report, opts Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, format, r, opts); err != nil {
		t.Fatalf("Render %s: %v", format, err)
	}
	return buf.Bytes()
}

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; first difference at line %d:\n got: %q\nwant: %q\n(run go test ./report -update and review the diff if the change is intended)",
			name, diffLine1(got, want), lineAt(got, diffLine1(got, want)), lineAt(want, diffLine1(got, want)))
	}
}

func diffLine1(a, b []byte) int {
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return i + 1
		}
	}
	return min(len(al), len(bl)) + 1
}

func lineAt(b []byte, n int) string {
	l := strings.Split(string(b), "\n")
	if n-1 < len(l) {
		return l[n-1]
	}
	return "<EOF>"
}

// samples are the sample Reports every format is rendered from.
var samples = []string{"seed-report.json", "minimal-report.json"}

func TestGolden(t *testing.T) {
	for _, sample := range samples {
		r := loadReport(t, sample)
		base := strings.TrimSuffix(sample, "-report.json")
		for _, f := range formats {
			t.Run(base+"/"+f.name, func(t *testing.T) {
				got := render(t, f.name, r, Options{TargetURL: "https://ci.example.org/runs/1"})
				golden(t, base+"."+f.name, got)
				// The same Report renders to the same bytes.
				if again := render(t, f.name, r, Options{TargetURL: "https://ci.example.org/runs/1"}); !bytes.Equal(got, again) {
					t.Errorf("%s: two renderings differ", f.name)
				}
			})
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	r := loadReport(t, "seed-report.json")
	out := render(t, "json", r, Options{})
	var back rules.Report
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&back); err != nil {
		t.Fatal(err)
	}
	again := render(t, "json", &back, Options{})
	if !bytes.Equal(out, again) {
		t.Error("JSON output does not survive a round trip through rules.Report")
	}
	if !bytes.Contains(out, []byte(`smp_cross_call(&mask, IPI_CPU_STOP);`)) || !bytes.Contains(out, []byte(`num_online_cpus() > 1`)) {
		t.Error("code is HTML-escaped in JSON output")
	}
}

func TestFormatFor(t *testing.T) {
	tests := []struct {
		path, format, file string
		err                bool
	}{
		{"report.json", "json", "report.json", false},
		{"reply.eml", "email", "reply.eml", false},
		{"report.sarif", "sarif", "report.sarif", false},
		{"report.sarif.json", "sarif", "report.sarif.json", false},
		{"checks.patchwork.json", "patchwork", "checks.patchwork.json", false},
		{"gh.annotations", "annotations", "gh.annotations", false},
		{"annotations:-", "annotations", "-", false},
		{"summary.md", "markdown", "summary.md", false},
		{"report.html", "html", "report.html", false},
		{"out/REPORT.HTM", "html", "out/REPORT.HTM", false},
		{"report.txt", "text", "report.txt", false},
		{"json:out.data", "json", "out.data", false},
		{"c:/x/report.json", "json", "c:/x/report.json", false},
		{"report", "", "", true},
		{"json:", "", "", true},
		{"report.pdf", "", "", true},
	}
	for _, tt := range tests {
		format, file, err := FormatFor(tt.path)
		if (err != nil) != tt.err || format != tt.format || file != tt.file {
			t.Errorf("FormatFor(%q) = %q, %q, %v; want %q, %q, error %v", tt.path, format, file, err, tt.format, tt.file, tt.err)
		}
	}
}

func TestRenderErrors(t *testing.T) {
	var buf bytes.Buffer
	if err := Render(&buf, "pdf", &rules.Report{}, Options{}); err == nil || !strings.Contains(err.Error(), "unknown report format") {
		t.Errorf("unknown format: got %v", err)
	}
	if err := Render(&buf, "text", nil, Options{}); err == nil {
		t.Error("nil report: no error")
	}
}

func TestWriteOutputs(t *testing.T) {
	r := loadReport(t, "seed-report.json")
	dir := t.TempDir()
	paths := []string{filepath.Join(dir, "r.txt"), filepath.Join(dir, "r.json"), "json:" + filepath.Join(dir, "r.data")}
	if err := WriteOutputs(paths, r, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ file, format string }{{"r.txt", "text"}, {"r.json", "json"}, {"r.data", "json"}} {
		got, err := os.ReadFile(filepath.Join(dir, c.file))
		if err != nil {
			t.Fatal(err)
		}
		if want := render(t, c.format, r, Options{}); !bytes.Equal(got, want) {
			t.Errorf("%s does not hold the %s rendering", c.file, c.format)
		}
	}
	// An unknown extension fails before anything is written.
	bad := []string{filepath.Join(dir, "fresh.txt"), filepath.Join(dir, "x.pdf")}
	if err := WriteOutputs(bad, r, Options{}); err == nil {
		t.Fatal("no error for x.pdf")
	}
	if _, err := os.Stat(filepath.Join(dir, "fresh.txt")); !os.IsNotExist(err) {
		t.Error("fresh.txt was written although another output failed")
	}
	if err := WriteOutputs([]string{filepath.Join(dir, "a.txt"), "text:" + filepath.Join(dir, "a.txt")}, r, Options{}); err == nil {
		t.Error("the same file twice: no error")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 3 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}
