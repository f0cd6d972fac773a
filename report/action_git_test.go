package report

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestActionOutputsDeclared checks that every output run.sh writes is
// declared in action.yml (an undeclared one is invisible to the workflow)
// and that every declared output is written.
func TestActionOutputsDeclared(t *testing.T) {
	script, err := os.ReadFile("action/run.sh")
	if err != nil {
		t.Fatal(err)
	}
	var written []string
	for _, m := range regexp.MustCompile(`(?m)^\s*output ([a-z-]+) `).FindAllStringSubmatch(string(script), -1) {
		if !slices.Contains(written, m[1]) {
			written = append(written, m[1])
		}
	}
	action := readYAML(t, "../action.yml")
	var declared []string
	for name, o := range action["outputs"].(map[string]any) {
		declared = append(declared, name)
		if v := o.(map[string]any)["value"]; v != "${{ steps.check.outputs."+name+" }}" {
			t.Errorf("output %s has value %v, want the check step's output of that name", name, v)
		}
	}
	slices.Sort(written)
	slices.Sort(declared)
	if !slices.Equal(written, declared) {
		t.Errorf("run.sh writes outputs %v, action.yml declares %v", written, declared)
	}
	for _, s := range steps(action) {
		if s["uses"] != nil && strings.HasPrefix(s["uses"].(string), "actions/upload-artifact@") {
			if name := s["with"].(map[string]any)["name"]; name != "${{ steps.check.outputs.artifact-name }}" {
				t.Errorf("artifact name %v: want the per-job name run.sh computes", name)
			}
		}
	}
}

// TestActionArtifactName: the jobs of a matrix get different names, the
// same job the same name.
func TestActionArtifactName(t *testing.T) {
	mbox := filepath.Join(t.TempDir(), "series.mbox")
	if err := os.WriteFile(mbox, []byte("From x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"GITHUB_JOB": "check", "PATCHCHECK_MATRIX": `{"tree":"6.1"}`}, "patchcheck-report-check-" + sha8(`{"tree":"6.1"}`)},
		{map[string]string{"GITHUB_JOB": "check", "PATCHCHECK_MATRIX": `{"tree":"6.12"}`}, "patchcheck-report-check-" + sha8(`{"tree":"6.12"}`)},
		{map[string]string{"GITHUB_JOB": "check", "PATCHCHECK_MATRIX": "null"}, "patchcheck-report-check"},
		{map[string]string{"GITHUB_JOB": "check"}, "patchcheck-report-check"},
		{map[string]string{"PATCHCHECK_ARTIFACT": "kexec: v2/3"}, "kexec--v2-3"},
	} {
		tt.env["PATCHCHECK_MBOX"] = mbox
		res := runAction(t, "check", tt.env)
		if !strings.Contains(res.outputs, "artifact-name="+tt.want+"\n") {
			t.Errorf("%v: outputs %q, want artifact-name=%s", tt.env, res.outputs, tt.want)
		}
	}
}

func sha8(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:8]
}

// prRepo is a real repository shaped like a pull request whose base
// branch moved on: main has A, then 70 more commits (the base tip C); the
// branch pr forks at A with two commits P1, P2 that change a driver.
type prRepo struct {
	origin           string
	a, c, p1, p2     string
	moved, prCommits int
}

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=Ana Developer", "GIT_AUTHOR_EMAIL=ana@example.org",
		"GIT_COMMITTER_NAME=Ana Developer", "GIT_COMMITTER_EMAIL=ana@example.org",
		"GIT_AUTHOR_DATE=2026-03-02T10:11:12+01:00", "GIT_COMMITTER_DATE=2026-03-02T10:11:12+01:00",
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

const blinkBefore = `static int blink_probe(struct device *dev)
{
	int ret;

	ret = blink_setup(dev);
	if (ret)
		return ret;

	return 0;
}
`

func newPRRepo(t *testing.T) *prRepo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	r := &prRepo{origin: filepath.Join(t.TempDir(), "linux"), moved: 70, prCommits: 2}
	git(t, filepath.Dir(r.origin), "init", "-q", "-b", "main", r.origin)
	file := filepath.Join(r.origin, "drivers/misc/blink.c")
	write := func(text string) {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(blinkBefore)
	git(t, r.origin, "add", ".")
	git(t, r.origin, "commit", "-q", "-m", "misc: blink: add driver")
	r.a = git(t, r.origin, "rev-parse", "HEAD")
	git(t, r.origin, "checkout", "-q", "-b", "pr")
	write(strings.Replace(blinkBefore, "\tif (ret)\n", "\tif (ret < 0)\n", 1))
	git(t, r.origin, "commit", "-q", "-am", "misc: blink: test for a negative error\n\nSigned-off-by: Ana Developer <ana@example.org>")
	r.p1 = git(t, r.origin, "rev-parse", "HEAD")
	write(strings.Replace(strings.Replace(blinkBefore, "\tif (ret)\n", "\tif (ret < 0)\n", 1), "\treturn 0;\n", "\tdev_info(dev, \"ready\\n\");\n\treturn 0;\n", 1))
	git(t, r.origin, "commit", "-q", "-am", "misc: blink: say when ready\n\nSigned-off-by: Ana Developer <ana@example.org>")
	r.p2 = git(t, r.origin, "rev-parse", "HEAD")
	git(t, r.origin, "checkout", "-q", "main")
	for i := 0; i < r.moved; i++ {
		git(t, r.origin, "commit", "-q", "--allow-empty", "-m", "main moves on")
	}
	r.c = git(t, r.origin, "rev-parse", "HEAD")
	return r
}

// TestActionMovedBase runs run.sh on a real repository whose base branch
// moved on after the pull request branched: the range given to patchcheck
// must be merge-base..head (base..head is not a first-parent range and
// fails), from a full clone and from a shallow clone of the head that the
// script deepens itself.
func TestActionMovedBase(t *testing.T) {
	r := newPRRepo(t)
	wantRange := r.a + ".." + r.p2

	full := filepath.Join(t.TempDir(), "full")
	git(t, filepath.Dir(full), "clone", "-q", "--no-local", r.origin, full)

	shallow := func(t *testing.T) string {
		dir := filepath.Join(t.TempDir(), "shallow")
		git(t, filepath.Dir(dir), "clone", "-q", "--depth=1", "--branch", "pr", "file://"+r.origin, dir)
		if git(t, dir, "rev-parse", "--is-shallow-repository") != "true" {
			t.Fatal("the clone is not shallow")
		}
		return dir
	}
	tests := []struct {
		name    string
		repo    func(t *testing.T) string
		env     map[string]string
		code    int
		verdict string
	}{
		{"full clone", func(*testing.T) string { return full }, nil, 0, "pass"},
		{"shallow clone, fetched", shallow, map[string]string{"PATCHCHECK_FETCH": "true", "PATCHCHECK_COMMITS": "2"}, 0, "pass"},
		{"shallow clone, wrong commit count", shallow, map[string]string{"PATCHCHECK_FETCH": "true", "PATCHCHECK_COMMITS": "0"}, 0, "pass"},
		{"shallow clone, not fetched", shallow, nil, 2, ""},
		{"shallow clone, history too short", shallow, map[string]string{"PATCHCHECK_FETCH": "true", "PATCHCHECK_COMMITS": "1", "PATCHCHECK_MAX_DEEPEN": "32"}, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"PATCHCHECK_BASE": r.c, "PATCHCHECK_HEAD": r.p2, "PATCHCHECK_REPO": tt.repo(t)}
			for k, v := range tt.env {
				env[k] = v
			}
			res := runAction(t, "check", env)
			if res.code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", res.code, tt.code, res.stdout, res.stderr)
			}
			if tt.code != 0 {
				if res.args != nil {
					t.Errorf("patchcheck ran with %q", res.args)
				}
				return
			}
			if got := res.args[len(res.args)-1]; got != wantRange {
				t.Errorf("range %s, want the merge base %s..%s", got, r.a, r.p2)
			}
			if !strings.Contains(res.outputs, "range="+wantRange+"\n") {
				t.Errorf("outputs %q lack range=%s", res.outputs, wantRange)
			}
		})
	}
}

// TestActionRealPatchcheck builds patchcheck and runs the script with it on
// the moved-on repository: the pull request's two commits are read and
// checked, not refused as a range that is not first-parent.
func TestActionRealPatchcheck(t *testing.T) {
	if testing.Short() {
		t.Skip("builds patchcheck")
	}
	r := newPRRepo(t)
	bin := filepath.Join(t.TempDir(), "patchcheck")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/patchcheck").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := filepath.Join(t.TempDir(), "shallow")
	git(t, filepath.Dir(dir), "clone", "-q", "--depth=1", "--branch", "pr", "file://"+r.origin, dir)
	res := runAction(t, "check", map[string]string{"PATCHCHECK_BIN": bin, "PATCHCHECK_BASE": r.c, "PATCHCHECK_HEAD": r.p2,
		"PATCHCHECK_REPO": dir, "PATCHCHECK_FETCH": "true", "PATCHCHECK_COMMITS": "2"})
	if res.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	// The driver is outside every model: nothing to execute, so no fail,
	// and above all no error.
	if strings.Contains(res.outputs, "verdict=error") || strings.Contains(res.outputs, "verdict=fail") {
		t.Fatalf("outputs %q\n%s", res.outputs, res.stdout)
	}
	rep := filepath.Join(strings.TrimPrefix(regexp.MustCompile(`(?m)^report-dir=(.*)$`).FindStringSubmatch(res.outputs)[1], ""), "report.json")
	data, err := os.ReadFile(rep)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"kind": "git"`, "misc: blink: test for a negative error", "misc: blink: say when ready"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("report.json lacks %q", want)
		}
	}
	if strings.Contains(string(data), "main moves on") {
		t.Error("report.json holds a commit of the base branch")
	}
	sch := compileSchema(t, "schema.json")
	if err := validate(sch, data); err != nil {
		t.Errorf("report.json does not match the schema: %v", err)
	}
}
