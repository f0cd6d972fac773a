package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
)

// A Go runtime failure (stack overflow, out of memory, an unrecovered
// panic) ends a process with status 2, the status of an input error, and
// no handler inside the process can run. So the command runs as two
// processes: main starts itself again as a child with supervisedEnv set
// and a pipe as file descriptor 3, the child tells the runtime to write
// any crash report there too (debug.SetCrashOutput), and the supervisor,
// which does nothing else, exits with exitInternal and one clear line
// when the pipe received a report or the child was killed (the kernel's
// out-of-memory killer). Otherwise it exits with the child's status.

// exitInternal is the exit status of a run the Go runtime or the system
// stopped: a defect of patchcheck, never a verdict on the input.
const exitInternal = 4

// supervisedEnv marks the child process.
const supervisedEnv = "PATCHCHECK_SUPERVISED"

// crashKeep bounds how much of a crash report the supervisor keeps; the
// child writes the whole report to its standard error as well.
const crashKeep = 64 << 10

// childSetup sends the runtime's crash reports to descriptor 3 as well as
// to standard error, when the supervisor gave one.
func childSetup() {
	f := os.NewFile(3, "crash-output")
	if f == nil {
		return
	}
	if err := debug.SetCrashOutput(f, debug.CrashOptions{}); err != nil {
		fmt.Fprintf(os.Stderr, "patchcheck: crash output: %v\n", err)
	}
	f.Close() // SetCrashOutput keeps its own descriptor
}

// supervise runs exe with args as the child and returns the exit status.
func supervise(exe string, args []string, env []string, stdin io.Reader, stdout, stderr io.Writer) int {
	r, w, err := os.Pipe()
	if err != nil {
		writeErr(stderr, "internal error: "+err.Error())
		return exitInternal
	}
	cmd := exec.Command(exe, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	cmd.ExtraFiles = []*os.File{w}
	cmd.Env = append(env, supervisedEnv+"=1")
	if err := cmd.Start(); err != nil {
		w.Close()
		r.Close()
		writeErr(stderr, "internal error: start: "+err.Error())
		return exitInternal
	}
	w.Close()
	report := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(io.LimitReader(r, crashKeep))
		io.Copy(io.Discard, r)
		r.Close()
		report <- b
	}()
	// An interrupt goes to the child, which ends as it would alone.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	forwarded := make(chan os.Signal, 1)
	go func() {
		for s := range sigs {
			select {
			case forwarded <- s:
			default:
			}
			cmd.Process.Signal(s)
		}
	}()
	err = cmd.Wait()
	crash := <-report
	if len(crash) > 0 {
		writeErr(stderr, "internal error: "+crashLine(crash)+" (the Go runtime stopped the run; a defect of patchcheck, not a verdict on the input)")
		return exitInternal
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			// A signal someone sent (an interrupt, a closed pipe) ends
			// the run as it would end a shell's command; SIGKILL that
			// nobody forwarded is the system's out-of-memory killer.
			if ws.Signal() == syscall.SIGKILL && len(forwarded) == 0 {
				writeErr(stderr, "internal error: the run was killed by SIGKILL (out of memory?); a defect of patchcheck or of the machine, not a verdict on the input")
				return exitInternal
			}
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	}
	if err != nil {
		writeErr(stderr, "internal error: "+err.Error())
		return exitInternal
	}
	return 0
}

// crashLine picks the line of a crash report that says what happened:
// "panic: ..." or "fatal error: ...". The runtime writes the message of a
// fatal error only to standard error, before the report, so without one
// the line names the runtime function that gave up (runtime.throw's
// caller), with what it means for the two that hostile input can reach.
func crashLine(b []byte) string {
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, crashKeep)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(l, "fatal error:") || strings.HasPrefix(l, "panic:") {
			return l
		}
		lines = append(lines, l)
	}
	thrower := ""
	for i, l := range lines {
		if strings.HasPrefix(l, "runtime.throw(") || strings.HasPrefix(l, "runtime.fatal(") {
			for _, next := range lines[i+1:] {
				if name, _, ok := strings.Cut(next, "("); ok && strings.HasPrefix(next, "runtime.") {
					thrower = name
					break
				}
			}
			break
		}
	}
	switch {
	case thrower == "runtime.newstack":
		return "fatal error: stack overflow"
	case strings.HasPrefix(thrower, "runtime.sysMap") || thrower == "runtime.(*mheap).grow" || strings.Contains(string(b), "out of memory"):
		return "fatal error: out of memory"
	case thrower != "":
		return "fatal error in " + thrower
	}
	return "fatal error"
}
