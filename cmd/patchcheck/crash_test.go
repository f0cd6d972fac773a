package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// crashChildEnv makes the test binary act as a child that fails in the
// given way (see TestMain), to check what the supervisor makes of it.
const crashChildEnv = "PATCHCHECK_TEST_CHILD"

func TestMain(m *testing.M) {
	switch os.Getenv(crashChildEnv) {
	case "":
		os.Exit(m.Run())
	case "stack-overflow":
		childSetup()
		recurse(0)
	case "panic":
		childSetup()
		done := make(chan bool)
		go func() {
			var m map[string]int
			m["x"]++ // a nil map: a runtime panic no one recovers
			done <- true
		}()
		<-done
	case "out-of-memory":
		childSetup()
		huge := make([]byte, 1<<46) // more than any machine maps
		huge[len(huge)-1] = 1
		os.Stdout.Write(huge[len(huge)-1:])
	case "input-error":
		childSetup()
		writeErr(os.Stderr, "x.eml:3: no patch found")
		os.Exit(exitUsage)
	case "fail":
		childSetup()
		os.Stdout.WriteString("FAIL: a verdict\n")
		os.Exit(exitFindings)
	}
	os.Exit(99)
}

//go:noinline
func recurse(n int) int {
	var pad [64]byte
	pad[n%64] = byte(n)
	return recurse(n+1) + int(pad[0])
}

// TestCrashExitStatus: a runtime failure of the run (stack overflow, an
// unrecovered panic) exits 4 with one clear last line, distinct from an
// input error (2); the child's own statuses and output pass through.
func TestCrashExitStatus(t *testing.T) {
	for _, tc := range []struct {
		mode, line, stdout string
		exit               int
	}{
		{"stack-overflow", "patchcheck: internal error: fatal error: stack overflow", "", exitInternal},
		{"panic", "patchcheck: internal error: panic: assignment to entry in nil map", "", exitInternal},
		{"out-of-memory", "patchcheck: internal error: fatal error: out of memory", "", exitInternal},
		{"input-error", "patchcheck: x.eml:3: no patch found", "", exitUsage},
		{"fail", "", "FAIL: a verdict\n", exitFindings},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := supervise(os.Args[0], []string{"-test.run=^$"}, append(os.Environ(), crashChildEnv+"="+tc.mode), nil, &stdout, &stderr)
			lines := strings.Split(strings.TrimRight(stderr.String(), "\n"), "\n")
			last := lines[len(lines)-1]
			if code != tc.exit || !strings.HasPrefix(last, tc.line) || stdout.String() != tc.stdout {
				t.Errorf("exit %d (want %d), last stderr line %q (want %q...), stdout %q", code, tc.exit, last, tc.line, stdout.String())
			}
		})
	}
}
