package main

import (
	"bytes"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"golang.org/x/tools/txtar"
)

// TestDeterminism runs the whole pipeline (--format json) on every seed and
// variant fixture and on a few of fixtures/forms, twice with GOMAXPROCS=2
// and once with GOMAXPROCS=1, and requires byte-identical reports: no map
// order, goroutine scheduling or wall-clock time may leak into the result.
// --runs is lowered to keep the test short; the Monte Carlo code path is
// the same.
func TestDeterminism(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole pipeline 3 times per fixture")
	}
	root := filepath.Join("..", "..", "fixtures")
	var inputs [][]string // each: the files of one run, relative to dir
	var dirs, names []string
	for _, glob := range []string{"seed/*.mbox", "seed/*.txt", "variants/*.mbox"} {
		paths, err := filepath.Glob(filepath.Join(root, glob))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			abs, err := filepath.Abs(p)
			if err != nil {
				t.Fatal(err)
			}
			inputs = append(inputs, []string{abs})
			dirs = append(dirs, "")
			names = append(names, filepath.Base(p))
		}
	}
	for _, form := range []string{"multipart", "versions", "cover-series", "format-patch-files", "web-archive"} {
		a, err := txtar.ParseFile(filepath.Join(root, "forms", form+".txtar"))
		if err != nil {
			t.Fatal(err)
		}
		files := a.Files[:0:0]
		for _, f := range a.Files {
			if f.Name != "want" {
				files = append(files, f)
			}
		}
		c, err := loadBadCase(&txtar.Archive{Files: files}, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, c.args)
		dirs = append(dirs, c.dir)
		names = append(names, "forms/"+form)
	}
	if len(inputs) < 8 {
		t.Fatalf("only %d fixtures found", len(inputs))
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for i, in := range inputs {
		t.Run(names[i], func(t *testing.T) {
			if dirs[i] != "" {
				t.Chdir(dirs[i])
			}
			args := append([]string{"--format", "json", "--runs", "40"}, in...)
			var outs []string
			for _, procs := range []int{2, 2, 1} {
				runtime.GOMAXPROCS(procs)
				code, stdout, stderr := executeWithin(t, 5*time.Minute, args)
				if code == exitUsage {
					t.Fatalf("exit %d: %s", code, stderr)
				}
				if len(stdout) == 0 {
					t.Fatal("no report")
				}
				outs = append(outs, stdout)
			}
			for k, procs := range []string{"second run, GOMAXPROCS=2", "GOMAXPROCS=1"} {
				if a, b := outs[0], outs[k+1]; a != b {
					t.Errorf("%s differs from the first run: %s", procs, firstDiff(a, b))
				}
			}
		})
	}
}

// firstDiff describes where two texts first differ.
func firstDiff(a, b string) string {
	al, bl := bytes.Split([]byte(a), []byte("\n")), bytes.Split([]byte(b), []byte("\n"))
	for i := 0; i < len(al) && i < len(bl); i++ {
		if !bytes.Equal(al[i], bl[i]) {
			return "line " + strconv.Itoa(i+1) + ":\n  " + string(al[i]) + "\n  " + string(bl[i])
		}
	}
	return "one is a prefix of the other (" + strconv.Itoa(len(al)) + " and " + strconv.Itoa(len(bl)) + " lines)"
}
