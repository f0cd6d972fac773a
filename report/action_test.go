package report

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The GitHub Action (action.yml, report/action/run.sh) and its example
// workflow are tested here: their YAML for the security rules, the script
// with a fake patchcheck and a fake GitHub environment.

func readYAML(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

// steps returns the steps of a composite action or of every job.
func steps(m map[string]any) []map[string]any {
	var out []map[string]any
	add := func(list any) {
		for _, s := range list.([]any) {
			out = append(out, s.(map[string]any))
		}
	}
	if runs, ok := m["runs"].(map[string]any); ok {
		add(runs["steps"])
	}
	if jobs, ok := m["jobs"].(map[string]any); ok {
		for _, j := range jobs {
			add(j.(map[string]any)["steps"])
		}
	}
	return out
}

// A third-party action is pinned by commit (a tag can be moved to other
// code), with the release it is in a comment for the reader and for update
// tools; ./ is this repository.
var (
	usesLine = regexp.MustCompile(`(?m)^\s*(?:-\s+)?uses:\s*(.*)$`)
	pinned   = regexp.MustCompile(`^([\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+|\./)$`)
)

func TestActionYAML(t *testing.T) {
	for _, path := range []string{"../action.yml", "../.github/workflows/patchcheck.yml"} {
		m := readYAML(t, path)
		for _, s := range steps(m) {
			if run, ok := s["run"].(string); ok && strings.Contains(run, "${{") {
				t.Errorf("%s: expression interpolated into run: %q; pass it through env:", path, run)
			}
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		uses := usesLine.FindAllStringSubmatch(string(raw), -1)
		if len(uses) == 0 {
			t.Errorf("%s: no uses: lines", path)
		}
		for _, u := range uses {
			if !pinned.MatchString(strings.TrimSpace(u[1])) {
				t.Errorf("%s: uses %q is not pinned by commit with its release in a comment (owner/repo@<40 hex> # vX.Y.Z)", path, u[1])
			}
		}
	}
	action := readYAML(t, "../action.yml")
	if action["runs"].(map[string]any)["using"] != "composite" {
		t.Error("action.yml is not a composite action")
	}
	for _, s := range steps(action) {
		if run, ok := s["run"].(string); ok {
			script := strings.Trim(strings.Fields(run)[0], `"`)
			script = strings.Replace(script, "$GITHUB_ACTION_PATH", "..", 1)
			fi, err := os.Stat(script)
			if err != nil || fi.Mode()&0o111 == 0 {
				t.Errorf("action.yml runs %s, which is not an executable file (%v)", script, err)
			}
		}
	}

	wf := readYAML(t, "../.github/workflows/patchcheck.yml")
	on := wf["on"].(map[string]any)
	if _, ok := on["pull_request_target"]; ok {
		t.Error("the example workflow runs on pull_request_target")
	}
	if _, ok := on["pull_request"]; !ok || len(on) != 1 {
		t.Errorf("the example workflow runs on %v, want pull_request only", on)
	}
	if p := wf["permissions"]; !equalPerms(p, map[string]string{"contents": "read"}) {
		t.Errorf("workflow permissions %v, want contents: read", p)
	}
	for name, j := range wf["jobs"].(map[string]any) {
		p := j.(map[string]any)["permissions"]
		if !equalPerms(p, map[string]string{"contents": "read", "security-events": "write"}) {
			t.Errorf("job %s permissions %v, want contents: read and security-events: write (for SARIF) only", name, p)
		}
	}
}

func equalPerms(p any, want map[string]string) bool {
	m, ok := p.(map[string]any)
	if !ok || len(m) != len(want) {
		return false
	}
	for k, v := range want {
		if m[k] != v {
			return false
		}
	}
	return true
}

// fakePatchcheck stands in for the real binary: it records its arguments,
// writes every --output file (the text report quoting a line that would be
// a workflow command), and exits with $FAKE_EXIT.
const fakePatchcheck = `#!/bin/sh
printf '%s\n' "$@" > "$FAKE_ARGS"
while [ $# -gt 0 ]; do
	if [ "$1" = --output ]; then
		shift
		case "$1" in
		*.txt) printf 'FAIL: something\n+::error file=evil.c::injected from the patch\n' > "$1" ;;
		*.md) printf '## patchcheck: FAIL\n' > "$1" ;;
		*.annotations) printf '::error file=arch/arm64/kernel/process.c,line=159,title=x::finding\n' > "$1" ;;
		*) printf '{}\n' > "$1" ;;
		esac
	fi
	shift
done
echo "diagnostic on stderr" >&2
exit "${FAKE_EXIT:-0}"
`

type actionRun struct {
	stdout, stderr string
	code           int
	args           []string
	outputs        string
	summary        string
}

func runAction(t *testing.T, sub string, env map[string]string) actionRun {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	dir := t.TempDir()
	fake := filepath.Join(dir, "patchcheck")
	if err := os.WriteFile(fake, []byte(fakePatchcheck), 0o755); err != nil {
		t.Fatal(err)
	}
	base := map[string]string{
		"PATH":                os.Getenv("PATH"),
		"PATCHCHECK_BIN":      fake,
		"FAKE_ARGS":           filepath.Join(dir, "args"),
		"RUNNER_TEMP":         dir,
		"GITHUB_OUTPUT":       filepath.Join(dir, "output"),
		"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary"),
		"GITHUB_WORKSPACE":    filepath.Join(dir, "linux"),
	}
	for k, v := range env {
		base[k] = v
	}
	cmd := exec.Command(bash, "action/run.sh", sub)
	for k, v := range base {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	res := actionRun{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		res.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(base["FAKE_ARGS"]); err == nil {
		res.args = strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	}
	b, _ := os.ReadFile(base["GITHUB_OUTPUT"])
	res.outputs = string(b)
	b, _ = os.ReadFile(base["GITHUB_STEP_SUMMARY"])
	res.summary = string(b)
	return res
}

func TestActionCheck(t *testing.T) {
	mbox := filepath.Join(t.TempDir(), "series.mbox")
	if err := os.WriteFile(mbox, []byte("From x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const sha1, sha2 = "09c96f57818c0000000000000000000000000000", "310cdf327d910000000000000000000000000000"
	tests := []struct {
		name     string
		env      map[string]string
		code     int
		verdict  string
		ran      bool
		argsTail []string
	}{
		{"mbox, fail", map[string]string{"PATCHCHECK_MBOX": mbox, "FAKE_EXIT": "1"}, 0, "fail", true, []string{mbox}},
		{"inconclusive", map[string]string{"PATCHCHECK_MBOX": mbox, "FAKE_EXIT": "3"}, 0, "inconclusive", true, nil},
		{"input error", map[string]string{"PATCHCHECK_MBOX": mbox, "FAKE_EXIT": "2"}, 0, "error", true, nil},
		{"base is not a commit id", map[string]string{"PATCHCHECK_BASE": "main; touch /tmp/pwned", "PATCHCHECK_HEAD": sha2}, 2, "", false, nil},
		{"head is not a commit id", map[string]string{"PATCHCHECK_BASE": sha1, "PATCHCHECK_HEAD": "$(id)"}, 2, "", false, nil},
		{"no input", nil, 2, "", false, nil},
		{"mbox missing", map[string]string{"PATCHCHECK_MBOX": "/nonexistent/x.mbox"}, 2, "", false, nil},
		{"seed not a number", map[string]string{"PATCHCHECK_MBOX": mbox, "PATCHCHECK_SEED": "1 --evil"}, 2, "", false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runAction(t, "check", tt.env)
			if res.code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", res.code, tt.code, res.stdout, res.stderr)
			}
			if (res.args != nil) != tt.ran {
				t.Fatalf("patchcheck ran = %v, want %v (args %q)", res.args != nil, tt.ran, res.args)
			}
			for _, v := range tt.env {
				if strings.Contains(v, "pwned") || strings.Contains(v, "$(id)") {
					if strings.Contains(res.stdout, v) {
						t.Errorf("the rejected input is echoed into the log: %q", res.stdout)
					}
				}
			}
			if !tt.ran {
				return
			}
			if !strings.Contains(res.outputs, "verdict="+tt.verdict+"\n") {
				t.Errorf("outputs %q lack verdict=%s", res.outputs, tt.verdict)
			}
			if tt.argsTail != nil {
				tail := res.args[len(res.args)-len(tt.argsTail):]
				if strings.Join(tail, " ") != strings.Join(tt.argsTail, " ") {
					t.Errorf("patchcheck input args %q, want %q", tail, tt.argsTail)
				}
			}
			for _, want := range []string{"--seed", "--output"} {
				if !strings.Contains(strings.Join(res.args, " "), want) {
					t.Errorf("args %q lack %s", res.args, want)
				}
			}
			checkStopCommands(t, res.stdout)
			if tt.verdict != "error" {
				if !strings.Contains(res.summary, "## patchcheck: FAIL") {
					t.Errorf("job summary: %q", res.summary)
				}
				if !strings.Contains(res.outputs, "sarif=") || !strings.Contains(res.outputs, "report.sarif\n") {
					t.Errorf("outputs lack the SARIF path: %q", res.outputs)
				}
				if !strings.Contains(res.stdout, "\n::error file=arch/arm64/kernel/process.c,line=159,title=x::finding\n") {
					t.Errorf("annotations not printed as commands:\n%s", res.stdout)
				}
			} else if !strings.Contains(res.stdout, "::error title=patchcheck::patchcheck could not check the input") {
				t.Errorf("no error annotation for an input error:\n%s", res.stdout)
			}
		})
	}
}

// checkStopCommands checks that the report text, which quotes the patch,
// is printed only while workflow commands are stopped.
func checkStopCommands(t *testing.T, stdout string) {
	t.Helper()
	start := regexp.MustCompile(`(?m)^::stop-commands::([0-9a-f]{32})$`).FindStringSubmatchIndex(stdout)
	if start == nil {
		t.Fatalf("no ::stop-commands:: with a random token:\n%s", stdout)
	}
	token := stdout[start[2]:start[3]]
	end := strings.Index(stdout, "\n::"+token+"::\n")
	inj := strings.Index(stdout, "+::error file=evil.c::injected")
	if end < 0 || inj < start[0] || inj > end {
		t.Errorf("patch text is printed outside the stopped region:\n%s", stdout)
	}
	if !strings.Contains(stdout[start[0]:end], "diagnostic on stderr") {
		t.Error("patchcheck's stderr is not shown (inside the stopped region)")
	}
}

func TestActionVerdict(t *testing.T) {
	tests := []struct {
		verdict, policy string
		code            int
	}{
		{"pass", "fail", 0},
		{"fail", "fail", 1},
		{"fail", "inconclusive", 1},
		{"fail", "never", 0},
		{"inconclusive", "fail", 0},
		{"inconclusive", "inconclusive", 1},
		{"inconclusive", "never", 0},
		{"error", "never", 2},
		{"", "fail", 2},
		{"pass", "sometimes", 2},
	}
	for _, tt := range tests {
		res := runAction(t, "verdict", map[string]string{"PATCHCHECK_VERDICT": tt.verdict, "PATCHCHECK_FAIL_ON": tt.policy})
		if res.code != tt.code {
			t.Errorf("verdict %q, fail-on %q: exit %d, want %d", tt.verdict, tt.policy, res.code, tt.code)
		}
	}
}
