package semantics

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchcheck/patchcheck/parse"
	"github.com/patchcheck/patchcheck/semantics/compile"
	"github.com/patchcheck/patchcheck/semantics/models"
)

var update = flag.Bool("update", false, "rewrite golden files")

func parseFile(t testing.TB, name string) *parse.Series {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := parse.Parse(name, f, nil)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

type funcKey struct{ file, name, kind string }

func TestSeedFunctions(t *testing.T) {
	want := []funcKey{
		{"arch/arm64/kernel/process.c", "machine_shutdown", "modified"},
		{"arch/arm64/kernel/smp.c", "cpu_die", "modified"},
		{"arch/arm64/kernel/smp.c", "local_cpu_stop", "modified"},
	}
	for _, form := range []string{"arm64-kexec-smp-send-stop.mbox", "arm64-kexec-smp-send-stop.lkml.txt"} {
		t.Run(form, func(t *testing.T) {
			s := parseFile(t, filepath.Join("..", "fixtures", "seed", form))
			r, err := Analyze(s, nil)
			if err != nil {
				t.Fatal(err)
			}
			var got []funcKey
			for _, f := range r.Funcs {
				got = append(got, funcKey{f.File, f.Name, f.Kind.String()})
				if f.Status != Applied {
					t.Errorf("%s: %s (%s)", f.Name, f.Status, f.Reason)
				}
			}
			if len(got) != len(want) {
				t.Fatalf("functions %v, want %v", got, want)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("function %d: %v, want %v", i, got[i], want[i])
				}
			}
			kinds := map[OtherKind]int{}
			for _, fc := range r.Patches[0].Files {
				for _, o := range fc.Other {
					kinds[o.Kind]++
				}
			}
			if kinds[Include] != 1 || kinds[Comment] != 4 {
				t.Errorf("changes outside functions: %v, want 1 include, 4 comment lines", kinds)
			}
			if len(r.Unmodelled) > 0 || len(r.Uncovered) > 0 {
				t.Errorf("unmodelled %v, uncovered %v", r.Unmodelled, r.Uncovered)
			}
			var b bytes.Buffer
			if err := WriteFunctions(&b, r); err != nil {
				t.Fatal(err)
			}
			golden(t, "seed-functions."+strings.TrimPrefix(filepath.Ext(form), ".")+".golden", b.Bytes())
		})
	}
}

func parseBytes(b []byte) (*parse.Series, error) {
	return parse.Parse("test", bytes.NewReader(b), nil)
}

func TestBaselineCompiles(t *testing.T) {
	for _, cfg := range []Config{{}, {SpinTable: true}, {HZ: 1000}} {
		lib := models.Default()
		prog, diags := compile.Compile(BaselineSources(lib), CompileConfig(cfg))
		for _, d := range diags {
			t.Errorf("%+v: %s", cfg, d)
		}
		if prog.FuncIndex(models.EntryBoot) != int(prog.Entry.Boot) || prog.FuncIndex(models.EntrySecondary) != int(prog.Entry.Secondary) || prog.FuncIndex(models.EntryIRQ) != int(prog.Entry.IRQ) {
			t.Errorf("%+v: entries %+v", cfg, prog.Entry)
		}
	}
}

func TestSeedPrograms(t *testing.T) {
	for _, form := range []string{"arm64-kexec-smp-send-stop.mbox", "arm64-kexec-smp-send-stop.lkml.txt"} {
		s := parseFile(t, filepath.Join("..", "fixtures", "seed", form))
		r, err := Analyze(s, nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.Identical || r.Inconclusive() {
			t.Errorf("%s: identical %v, unknown %v, unmodelled %v", form, r.Identical, r.Unknown, r.Unmodelled)
		}
		for _, d := range append(r.Before.Diags, r.After.Diags...) {
			t.Errorf("%s: %s", form, d)
		}
		var b bytes.Buffer
		b.WriteString("BEFORE\n")
		WriteCallTree(&b, r.Before.Program)
		b.WriteString("\nAFTER\n")
		WriteCallTree(&b, r.After.Program)
		golden(t, "seed-calltree."+strings.TrimPrefix(filepath.Ext(form), ".")+".golden", b.Bytes())
	}
}

func BenchmarkAnalyzeSeed(b *testing.B) {
	s := parseFile(b, filepath.Join("..", "fixtures", "seed", "arm64-kexec-smp-send-stop.mbox"))
	for b.Loop() {
		if _, err := Analyze(s, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMapSeed(b *testing.B) {
	s := parseFile(b, filepath.Join("..", "fixtures", "seed", "arm64-kexec-smp-send-stop.mbox"))
	for b.Loop() {
		if _, err := Map(s, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// TestConfigValidate: a CONFIG_HZ the kernel does not offer is refused
// before anything is compiled (it was accepted and silently compiled).
func TestConfigValidate(t *testing.T) {
	s := &parse.Series{}
	for _, tt := range []struct {
		hz   int
		want string
	}{
		{0, ""}, {100, ""}, {250, ""}, {300, ""}, {1000, ""},
		{7, "CONFIG_HZ 7 is not a kernel choice (want 100, 250, 300 or 1000)"},
		{-250, "CONFIG_HZ -250 is not a kernel choice (want 100, 250, 300 or 1000)"},
	} {
		_, err := Map(s, &Options{Config: Config{HZ: tt.hz}})
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("HZ %d: error %q, want %q", tt.hz, got, tt.want)
		}
	}
}
