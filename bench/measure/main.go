// Command measure is the helper of bench/run.sh.
//
//	measure run OUT CMD [ARG...]   run CMD with its stdout in OUT and print
//	                               "wall-s cpu-s maxrss-KB exit" of the child
//	measure states REPORT.json     print the states the report's properties
//	                               explored, summed
//
// "run" stands in for GNU time(1) where that is missing: the figures come
// from the child's rusage (user+system time, ru_maxrss).
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "measure:", err)
		os.Exit(2)
	}
}

func run(args []string) error {
	if len(args) < 2 {
		return errors.New("usage: measure run OUT CMD [ARG...] | measure states REPORT.json")
	}
	switch args[0] {
	case "run":
		if len(args) < 3 {
			return errors.New("run needs OUT and CMD")
		}
		out, err := os.Create(args[1])
		if err != nil {
			return err
		}
		defer out.Close()
		cmd := exec.Command(args[2], args[3:]...)
		cmd.Stdout, cmd.Stderr = out, os.Stderr
		start := time.Now()
		err = cmd.Run()
		wall := time.Since(start)
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			return err
		}
		ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		if !ok {
			return errors.New("no rusage on this system")
		}
		cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		fmt.Printf("%.3f %.3f %d %d\n", wall.Seconds(), cpu.Seconds(), ru.Maxrss, cmd.ProcessState.ExitCode())
		return nil
	case "states":
		data, err := os.ReadFile(args[1])
		if err != nil {
			return err
		}
		var rep struct {
			Properties []struct {
				Explored *struct {
					States int64 `json:"states"`
				} `json:"explored"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(data, &rep); err != nil {
			return fmt.Errorf("%s: %v", args[1], err)
		}
		var n int64
		for _, p := range rep.Properties {
			if p.Explored != nil {
				n += p.Explored.States
			}
		}
		fmt.Println(n)
		return nil
	}
	return fmt.Errorf("unknown mode %q", args[0])
}
