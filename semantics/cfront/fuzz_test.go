package cfront

import (
	"os"
	"path/filepath"
	"testing"
)

func addSeeds(f *testing.F) {
	f.Add([]byte("void f(void)\n{\n\tfor_each_online_cpu(cpu)\n\t\tfoo(cpu);\n}\n"))
	f.Add([]byte("\tudelay(1);\n}\n#ifdef CONFIG_X\nvoid g(int a) {\n#else\n/* x"))
	f.Add([]byte("static DEFINE_PER_CPU(int, x) = { .a = 1 };\n__attribute__((noreturn)) void h(void) { switch (a) { case 1: ; } }"))
	paths, _ := filepath.Glob("../../fixtures/seed/*")
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
}

func FuzzParse(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		file, err := Parse("fuzz.c", src, Config{Kconfig: map[string]bool{"CONFIG_X": true}})
		if file == nil {
			t.Fatal("nil File")
		}
		if el, ok := err.(ErrorList); err != nil && (!ok || len(el) == 0) {
			t.Fatalf("error %v is not a non-empty ErrorList", err)
		}
		for _, d := range file.Diags {
			if d.Pos.Line < 1 {
				t.Fatalf("diagnostic without a line: %v", d)
			}
		}
	})
}

func FuzzExtents(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		lines := countNL(src) + 1
		for _, e := range Extents(src) {
			if e.First < 1 || e.Last < e.First || e.Last > lines || e.Open != 0 && (e.Open < e.First || e.Open > e.Last) {
				t.Fatalf("bad extent %+v in %d lines", e, lines)
			}
			if e.Complete == (e.CutStart || e.CutEnd) {
				t.Fatalf("inconsistent extent %+v", e)
			}
		}
	})
}

// BenchmarkParseSeed measures parsing the hunk images of the seed patch.
func BenchmarkParseSeed(b *testing.B) {
	raw, err := os.ReadFile("../../fixtures/seed/arm64-kexec-smp-send-stop.lkml.txt")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		Parse("seed", raw, Config{})
	}
}
