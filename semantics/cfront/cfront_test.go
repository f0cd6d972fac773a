package cfront

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestParseConstructs(t *testing.T) {
	tests := []struct {
		name string
		src  string
		cfg  Config
		want []string // substrings of dump(file)
		err  string   // substring of the error, "" for none
	}{
		{
			name: "function with attributes and locals",
			src: `static void __noreturn notrace local_stop(unsigned int cpu, int x)
{
	const struct cpu_operations *ops = get_cpu_ops(cpu);
	ops->cpu_die(cpu);
	psci_ops.cpu_off(state);
}`,
			want: []string{`Name:"local_stop"`, `NoReturn:true`, `Static:true`, `Attrs:[`, `"notrace"`,
				`Name:"ops" Type:Type{Pos:3:8 Name:"struct cpu_operations" Const:true Ptr:1}`,
				`MemberExpr{Pos:4:2 X:Ident{Pos:4:2 Name:"ops"} Name:"cpu_die" Arrow:true}`,
				`MemberExpr{Pos:5:2 X:Ident{Pos:5:2 Name:"psci_ops"} Name:"cpu_off"}`},
		},
		{
			name: "attribute syntax noreturn",
			src:  "void __attribute__((noreturn)) f(void) { for (;;) ; }",
			want: []string{`Name:"f"`, `NoReturn:true`, `ForStmt{`},
		},
		{
			name: "per-cpu and struct constant",
			src: `static DEFINE_PER_CPU(unsigned long, stop_state) = 2;
DECLARE_PER_CPU(int, other);
static const struct cpu_operations cpu_psci_ops = {
	.name = "psci",
	.cpu_die = cpu_psci_cpu_die,
};`,
			want: []string{`Name:"stop_state" Type:Type{Pos:1:23 Name:"unsigned long"} Static:true PerCPU:true Init:IntLit{Pos:1:52`,
				`Name:"other" Type:Type{Pos:2:17 Name:"int"} Extern:true PerCPU:true`,
				`InitElem{Pos:5:2 Field:"cpu_die" Value:Ident{Pos:5:13 Name:"cpu_psci_cpu_die"}}`},
		},
		{
			name: "kconfig conditionals and defines",
			src: `#define TIMEOUT_US 1000
#ifdef CONFIG_HOTPLUG_CPU
int a;
#else
int b;
#endif
#if IS_ENABLED(CONFIG_X) && !defined(CONFIG_Y)
int c;
#elif defined(CONFIG_Z)
int z;
#else
int d;
#endif
#ifndef CONFIG_UNKNOWN
int e;
#endif`,
			cfg: Config{Kconfig: map[string]bool{"CONFIG_HOTPLUG_CPU": true, "CONFIG_X": true, "CONFIG_Y": true, "CONFIG_Z": false}},
			want: []string{`Name:"a"`, `Name:"d"`, `Name:"e"`, `Name:"TIMEOUT_US" Text:"1000" Value:IntLit{Pos:1:1 Text:"1000" Value:1000}`,
				`Kind:"unknown-config" Msg:"CONFIG_UNKNOWN is not in the configuration; assumed off"`},
		},
		{
			name: "iterator macros keep columns",
			src: `void f(void)
{
	int cpu;
	for_each_online_cpu(cpu) pr_info("%d\n", cpu);
	for_each_cpu(cpu, &mask) {
		n++;
	}
}`,
			want: []string{`ForEachStmt{Pos:4:2 Macro:"for_each_online_cpu" Args:[`, `Ident{Pos:4:22 Name:"cpu"}`,
				`ExprStmt{Pos:4:27 X:CallExpr{Pos:4:27 Fun:Ident{Pos:4:27 Name:"pr_info"}`,
				`StringLit{Pos:4:35 Value:"%d\n"}`, `Macro:"for_each_cpu"`, `UnaryExpr{Pos:5:20 Op:"&" X:Ident{Pos:5:21 Name:"mask"}}`},
		},
		{
			name: "statements",
			src: `int g(unsigned long t)
{
	int i, err = 0;
	do { t--; } while (t > 0 && !err);
	for (i = 0; i < 10; i++) { if (likely(i == 3)) continue; else break; }
	switch (t) {
	case 1:
	case 2: err = -EINVAL; break;
	default: err += (int)sizeof(long);
	}
	x = a ? b : c, y = ~d;
	goto out;
out:
	return err >= 0 ? err : -err;
}`,
			want: []string{`DoStmt{`, `ForStmt{`, `ContinueStmt{`, `BreakStmt{`, `SwitchStmt{`, `CaseClause{Pos:7:2 Value:IntLit`,
				`AssignExpr{Pos:9:11 Op:"+="`, `CastExpr{`, `SizeofExpr{`, `CommaExpr{`, `CondExpr{`, `UnaryExpr{Pos:11:21 Op:"~"`,
				`GotoStmt{Pos:12:2 Label:"out"}`, `LabeledStmt{Pos:13:1 Label:"out" Stmt:ReturnStmt`,
				`VarDecl{Pos:3:9 Name:"err" Type:Type{Pos:3:2 Name:"int"} Init:IntLit`},
		},
		{
			name: "fragment cut at both ends",
			src: `	udelay(1);
	return;
}

void machine_shutdown(void)
{
	smp_send_stop();
	while (num_online_cpus() > 1 && timeout--)`,
			want: []string{`FuncDecl{Pos:1:1 Body:BlockStmt{Pos:1:1 End:3:1`, `CutStart:true`,
				`Name:"machine_shutdown"`, `CutEnd:true`},
			err: "8:",
		},
		{
			name: "text starting inside a block comment",
			src: ` * avoid any code or data used by any SW CPU pin loop.
 */
void machine_shutdown(void)
{
}
/*`,
			want: []string{`Name:"machine_shutdown"`, `Body:BlockStmt{Pos:4:1 End:5:1}`},
		},
		{
			name: "enums and strings",
			src: `enum ipi_msg_type { IPI_RESCHEDULE, IPI_CPU_STOP = 2, };
static const char *s = "a\tb" "c\x41";`,
			want: []string{`EnumDecl{Pos:1:1 Name:"ipi_msg_type" Values:[`, `Enumerator{Pos:1:37 Name:"IPI_CPU_STOP" Value:IntLit`,
				`StringLit{Pos:2:24 Value:"a\tbcA"}`},
		},
		{
			name: "syntax error has a line",
			src:  "void f(void)\n{\n\tx = ;\n}\n",
			err:  "3:",
		},
		{
			name: "inline assembly is unsupported",
			src:  "void f(void)\n{\n\tasm volatile(\"wfi\");\n}\n",
			err:  "unsupported: inline assembly",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("t.c", []byte(tt.src), tt.cfg)
			if f == nil {
				t.Fatal("nil File")
			}
			switch {
			case tt.err == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Errorf("error = %v, want one containing %q", err, tt.err)
			}
			d := dump(f)
			for _, w := range tt.want {
				if !strings.Contains(d, w) {
					t.Errorf("missing %s in\n%s", w, d)
				}
			}
		})
	}
}

func TestExtents(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []Extent
	}{
		{
			name: "complete functions",
			src: `static int a;

static void __noreturn
stop(void)
{
	for (;;)
		;
}

int f(int x) { return x; }

__init
static int g(void)
{
	return 0;
}
`,
			want: []Extent{
				{Name: "stop", First: 3, Open: 5, Last: 8, Complete: true},
				{Name: "f", First: 10, Open: 10, Last: 10, Complete: true},
				{Name: "g", First: 12, Open: 14, Last: 16, Complete: true},
			},
		},
		{
			name: "struct and initialisers are not functions",
			src: `struct x { int a; };
static const struct cpu_operations ops = {
	.cpu_die = f,
};
void g(void)
{
	if (a) {
		b();
	}
}`,
			want: []Extent{{Name: "g", First: 5, Open: 6, Last: 10, Complete: true}},
		},
		{
			name: "cut at start inside a nested block and at end",
			src: `		b();
	}
	c();
}

/* comment { */
void h(int a,
       int b)
{
	if (a) {`,
			want: []Extent{
				{First: 1, Last: 4, CutStart: true},
				{Name: "h", First: 7, Open: 9, Last: 10, CutEnd: true},
			},
		},
		{
			name: "conditional branches are all kept",
			src: `#ifdef CONFIG_HOTPLUG_CPU
void cpu_die(void)
{
}
#endif`,
			want: []Extent{{Name: "cpu_die", First: 2, Open: 3, Last: 4, Complete: true}},
		},
		{
			name: "no braces",
			src:  "\tidle_task_exit();\n\n\tlocal_daif_mask();\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Extents([]byte(tt.src))
			if dump(got) != dump(tt.want) {
				t.Errorf("Extents =\n%s\nwant\n%s", dump(got), dump(tt.want))
			}
		})
	}
}

// seedImages splits the diff hunks of a web-archive copy of a patch (whose
// lines lost their leading whitespace) into pre- and post-images.
func seedImages(t *testing.T, text string) (headers []string, pre, post []string) {
	t.Helper()
	var cur *[2][]string
	var hunks [][2][]string
	for _, line := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(line, "@@"):
			hunks = append(hunks, [2][]string{})
			cur = &hunks[len(hunks)-1]
			headers = append(headers, line)
		case cur == nil:
		case strings.HasPrefix(line, "diff ") || strings.TrimSpace(line) == "--":
			cur = nil
		case strings.HasPrefix(line, "-"):
			cur[0] = append(cur[0], line[1:])
		case strings.HasPrefix(line, "+"):
			cur[1] = append(cur[1], line[1:])
		default:
			cur[0] = append(cur[0], line)
			cur[1] = append(cur[1], line)
		}
	}
	for _, h := range hunks {
		pre = append(pre, strings.Join(h[0], "\n"))
		post = append(post, strings.Join(h[1], "\n"))
	}
	return headers, pre, post
}

func TestSeedHunks(t *testing.T) {
	paths, _ := filepath.Glob("../../fixtures/seed/*.lkml.txt")
	if len(paths) == 0 {
		t.Fatal("no seed fixture")
	}
	raw, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	headers, pre, post := seedImages(t, string(raw))
	// Which function each image's extents name, hunk by hunk. The second
	// hunk's header says arch_cpu_idle_dead; its text is machine_shutdown.
	want := []struct {
		header   string
		pre      string
		post     string
		preErr   bool
		postErr  bool
		postBody []string
	}{
		{header: "@@ -44,6 +44,7 @@"},
		{header: "arch_cpu_idle_dead", pre: "machine_shutdown:7-10", post: "machine_shutdown:7-20",
			postBody: []string{`VarDecl{Pos:9:16 Name:"timeout" Type:Type{Pos:9:2 Name:"unsigned long"}}`,
				`WhileStmt{Pos:17:2 Cond:BinaryExpr{Pos:17:9 Op:"&&"`, `ReturnStmt{Pos:19:2}`}},
		{header: "void cpu_die(void)"},
		{header: "local_cpu_stop", pre: ":2-5", post: ":2-9",
			postBody: []string{`IfStmt{Pos:5:2 Cond:Ident{Pos:5:6 Name:"kexec_in_progress"} Then:ExprStmt{Pos:6:2 X:CallExpr{Pos:6:2 Fun:Ident{Pos:6:2 Name:"cpu_die"}}}}`}},
	}
	if len(headers) != len(want) {
		t.Fatalf("%d hunks, want %d", len(headers), len(want))
	}
	ext := func(src string) string {
		var parts []string
		for _, e := range Extents([]byte(src)) {
			parts = append(parts, e.Name+":"+strconv.Itoa(e.First)+"-"+strconv.Itoa(e.Last))
		}
		return strings.Join(parts, ",")
	}
	for i, w := range want {
		if !strings.Contains(headers[i], w.header) {
			t.Errorf("hunk %d header %q", i, headers[i])
		}
		if got := ext(pre[i]); got != w.pre {
			t.Errorf("hunk %d pre-image extents %q, want %q", i, got, w.pre)
		}
		if got := ext(post[i]); got != w.post {
			t.Errorf("hunk %d post-image extents %q, want %q", i, got, w.post)
		}
		for side, img := range []string{pre[i], post[i]} {
			f, err := Parse("seed", []byte(img), Config{})
			if err != nil {
				t.Errorf("hunk %d side %d: %v", i, side, err)
			}
			if side == 1 {
				d := dump(f)
				for _, s := range w.postBody {
					if !strings.Contains(d, s) {
						t.Errorf("hunk %d post-image: missing %s in\n%s", i, s, d)
					}
				}
			}
		}
	}
}

func TestVariantHunks(t *testing.T) {
	tests := []struct {
		file    string
		extents []string // per hunk, of the post-image
	}{
		{"park-only.mbox", []string{"", "machine_shutdown:2-15"}},
		{"unrelated-driver.mbox", []string{"blink_probe:5-9"}},
	}
	for _, tt := range tests {
		raw, err := os.ReadFile(filepath.Join("../../fixtures/variants", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		_, _, post := seedImages(t, string(raw))
		if len(post) != len(tt.extents) {
			t.Fatalf("%s: %d hunks, want %d", tt.file, len(post), len(tt.extents))
		}
		for i, img := range post {
			var got []string
			for _, e := range Extents([]byte(img)) {
				got = append(got, e.Name+":"+strconv.Itoa(e.First)+"-"+strconv.Itoa(e.Last))
			}
			if strings.Join(got, ",") != tt.extents[i] {
				t.Errorf("%s hunk %d: extents %q, want %q", tt.file, i, got, tt.extents[i])
			}
			if _, err := Parse(tt.file, []byte(img), Config{}); err != nil {
				t.Errorf("%s hunk %d: %v", tt.file, i, err)
			}
		}
	}
}
