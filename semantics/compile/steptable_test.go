package compile

import (
	"strings"
	"testing"
)

// stepTable is the shape of kernel/cpu.c's step table and its readers.
const stepTable = `
enum st_e { S_OFF, S_DEAD, S_DYING, S_TEARDOWN, S_THREAD, S_ON };
struct step {
	const char *name;
	union {
		int (*single)(unsigned int cpu);
		int (*multi)(unsigned int cpu, struct hlist_node *node);
	} teardown;
	struct hlist_head list;
	bool cant_stop;
	bool multi_instance;
};
static int td_a(unsigned int cpu) { return 10 + cpu; }
static int td_b(unsigned int cpu) { return 20 + cpu; }
static struct step steps[];
static struct step *get_step(enum st_e s) { return steps + s; }
static bool empty(struct step *step) { return !step->teardown.single; }
static int invoke(unsigned int cpu, enum st_e s)
{
	struct step *step = get_step(s);
	int (*cb)(unsigned int cpu);
	int ret;

	if (empty(step))
		return -1;
	if (!step->multi_instance) {
		cb = step->teardown.single;
		ret = cb(cpu);
		return ret;
	}
	hlist_for_each(node, &step->list) {
		ret = step->teardown.multi(cpu, node);
		if (ret)
			goto err;
	}
	return 0;
err:
	return -2;
}
int f(int s) { return invoke(3, s); }
int cs(int s) { return get_step(s)->cant_stop + (&steps[s])->cant_stop * 2; }
int named(int s) { return get_step(s)->name != 0; }
`

// TestEntryTable: a pointer to an entry of a constant array of structs is
// its index, a field (a member of a member too) its value in that entry
// or 0, a call through one the entry's function; a field no entry sets is
// the constant 0, and the code only its other value reaches is not
// compiled.
func TestEntryTable(t *testing.T) {
	p := mustCompile(t, stepTable+`
static struct step steps[] = {
	[S_OFF] = { .name = "off", .teardown.single = NULL, },
	[S_DYING] = { .name = "dying", .teardown.single = td_a, .cant_stop = true, },
	[S_THREAD] = { .name = "thread", .teardown = { .single = td_b }, },
};`)
	ev := newEvaluator(p)
	for _, tc := range []struct {
		fn   string
		arg  uint64
		want int64
	}{
		{"f", 2, 13}, {"f", 4, 23}, {"f", 0, -1}, {"f", 1, -1}, {"f", 5, -1},
		{"cs", 2, 3}, {"cs", 4, 0}, {"cs", 5, 0},
		{"named", 0, 1}, {"named", 4, 1}, {"named", 1, 0},
	} {
		got, err := ev.call(tc.fn, tc.arg)
		if err != nil {
			t.Fatal(err)
		}
		if int64(int32(got)) != tc.want {
			t.Errorf("%s(%d) = %d, want %d", tc.fn, tc.arg, int32(got), tc.want)
		}
	}
	if v, _ := runOnMachine(t, stepTable+`
static struct step steps[] = { [S_DYING] = { .name = "dying", .teardown.single = td_a, }, };`, "f", []uint64{2}); int32(v) != 13 {
		t.Errorf("on the machine f(S_DYING) = %d, want 13", int32(v))
	}
}

// TestEntryTableDiagnostics: a table the compiler cannot hold, or a field
// set in some entry whose code then compiles, is reported.
func TestEntryTableDiagnostics(t *testing.T) {
	for _, tc := range []struct{ tab, want string }{
		// multi_instance set: the multi-instance half is compiled.
		{`static struct step steps[] = { [S_DYING] = { .teardown.single = td_a, .multi_instance = true }, };`, "hlist_for_each"},
		{`static struct step steps[] = { [S_DYING] = { .teardown.single = somewhere_else }, };`, "neither a constant"},
		{`static struct step steps[] = { [S_DYING] = { 1, 2 }, };`, "not a designated initialiser"},
		{`static struct step steps[] = { [S_DYING] = { .cant_stop = true }, }; void g(int s) { get_step(s)->cant_stop = 0; }`, "cannot assign"},
		{``, "declared but not defined"},
	} {
		_, diags := compileText(t, stepTable+tc.tab, Config{})
		var got []string
		for _, d := range diags {
			got = append(got, d.String())
		}
		if !strings.Contains(strings.Join(got, "\n"), tc.want) {
			t.Errorf("%s: diagnostics %q, want one saying %q", tc.tab, got, tc.want)
		}
	}
}

// TestEntryTableLiveLabel: after an if on a constant field whose arm
// returns, a label a compiled goto names is compiled, and what follows
// it.
func TestEntryTableLiveLabel(t *testing.T) {
	p := mustCompile(t, stepTable+`
static struct step steps[] = { [S_DYING] = { .teardown.single = td_a, }, };
int h(int s)
{
	struct step *step = get_step(s);
	if (s == S_ON)
		goto out;
	if (!step->multi_instance)
		return 1;
	unreachable_call();
out:
	return 7;
}`)
	ev := newEvaluator(p)
	for _, tc := range []struct{ arg, want uint64 }{{2, 1}, {5, 7}} {
		if got, err := ev.call("h", tc.arg); err != nil || got != tc.want {
			t.Errorf("h(%d) = %d (%v), want %d", tc.arg, got, err, tc.want)
		}
	}
}
