package models

import (
	"crypto/sha1"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// kernelDir, when set, is a directory holding kernel files at their paths
// (the blobs the models name); TestKernelText then checks every kernel-text
// model line against them.
var kernelDir = flag.String("kernel", "", "directory with the kernel files the models restate")

func TestDefaultLoads(t *testing.T) {
	lib := Default()
	if len(lib.Files) == 0 || lib.Files[0].Path != PreludePath {
		t.Fatalf("files: prelude not first: %v", lib.Files)
	}
	for _, name := range []string{
		EntryBoot, EntrySecondary, EntryIRQ,
		"machine_shutdown", "machine_kexec", "smp_shutdown_nonboot_cpus", "cpu_down_maps_locked",
		"_cpu_down", "takedown_cpu", "take_cpu_down", "smp_send_stop", "num_other_online_cpus",
		"local_cpu_stop", "panic_smp_self_stop", "cpu_die", "__cpu_die", "op_cpu_kill",
		"cpu_psci_cpu_die", "cpu_psci_cpu_kill", "__cpu_disable", "op_cpu_disable",
		"cpu_psci_cpu_disable", "ipi_cpu_crash_stop", "crash_smp_send_stop",
		"cpus_are_stuck_in_kernel", "cpu_report_death", "cpu_wait_death", "do_idle",
		"arch_cpu_idle_dead", "get_cpu_ops", "cpuhp_report_idle_dead",
	} {
		f := lib.Lookup(name)
		if f == nil {
			t.Errorf("%s: not modelled", name)
			continue
		}
		if f.Line <= 0 || f.EndLine < f.Line || f.File == "" || f.Version == "" {
			t.Errorf("%s: incomplete provenance %+v", name, f)
		}
		if !strings.Contains(f.Source, name+"(") {
			t.Errorf("%s: source does not define it:\n%s", name, f.Source)
		}
	}
}

func TestProvenanceOfSeedFunctions(t *testing.T) {
	// The lines the seed patch's hunks name in its pre-images.
	lib := Default()
	for _, c := range []struct {
		name, file, blob string
		line             int
	}{
		{"cpu_die", "arch/arm64/kernel/smp.c", "09c96f57818c", 371},
		{"local_cpu_stop", "arch/arm64/kernel/smp.c", "09c96f57818c", 844},
		{"smp_send_stop", "arch/arm64/kernel/smp.c", "09c96f57818c", 1028},
		{"machine_shutdown", "arch/arm64/kernel/process.c", "4784011cecac", 148},
	} {
		f := lib.Lookup(c.name)
		if f == nil || f.File != c.file || f.Blob != c.blob || f.Line != c.line {
			t.Errorf("%s: got %+v, want %s %s line %d", c.name, f, c.file, c.blob, c.line)
		}
	}
}

func TestParseFileErrors(t *testing.T) {
	for _, c := range []struct{ name, src, want string }{
		{"nohead", "int x;\n", "no \"// file:\" header"},
		{"badline", "// file: a.c\n#line x\n", "bad #line"},
		{"unclosed", "// file: a.c\n// model: a.c unknown line 3\n#line 3\nvoid f(void)\n{\n", "no closing brace"},
		{"wrongline", "// file: a.c\n// model: a.c unknown line 4\n#line 3\nvoid f(void)\n{\n}\n", "model comment says 4"},
		{"orphan", "// file: a.c\n// model: a.c unknown line 4\n", "without a function"},
	} {
		_, err := ParseFile(c.name, []byte(c.src))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}

func TestLineKinds(t *testing.T) {
	src := "// file: a.c\n// blob: 0123\n\n// model: a.c 0123 line 10\n#line 10\nvoid f(void)\n{\n//-\ttrace();\n\tx = 1; //~ restated\n\n\ty();\n}\n"
	mf, err := ParseFile("a.c", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	f := mf.Funcs[0]
	var got []string
	for _, l := range f.Lines() {
		got = append(got, fmt.Sprintf("%d:%s", l.KLine, l.Kind))
	}
	want := "10:code 11:code 12:elided 13:restated 14:blank 15:code 16:code"
	if strings.Join(got, " ") != want {
		t.Errorf("got %s\nwant %s", strings.Join(got, " "), want)
	}
	if f.EndLine != 16 || f.Name != "f" {
		t.Errorf("func %+v", f)
	}
}

func gitBlob(b []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(b))
	h.Write(b)
	return fmt.Sprintf("%x", h.Sum(nil))
}

func TestKernelText(t *testing.T) {
	if *kernelDir == "" {
		t.Skip("no -kernel directory")
	}
	for _, mf := range Default().Files {
		if mf.Path == PreludePath {
			continue
		}
		b, err := os.ReadFile(filepath.Join(*kernelDir, mf.Path))
		if err != nil {
			t.Errorf("%s: %v", mf.Path, err)
			continue
		}
		if mf.Blob != "" && !strings.HasPrefix(gitBlob(b), mf.Blob) {
			t.Logf("%s: kernel file is blob %.12s, the model names %s; comparing lines anyway", mf.Path, gitBlob(b), mf.Blob)
		}
		for _, m := range mf.Verify(b) {
			t.Errorf("%s:%s", mf.Path, m)
		}
	}
}

func TestKey(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"\tBUG(); /* Should never get here. */", "BUG();"},
		{"  x = 1; // c", "x=1;"},
		{`pr_info("a // b /* c */");`, `pr_info("a//b/*c*/");`},
		{"a /* open", "a"},
		{`c = '"'; /* q */ d`, `c='"';d`},
		{`s = "esc \" // x";`, `s="esc\"//x";`},
	} {
		if got := Key(c.in); got != c.want {
			t.Errorf("Key(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
