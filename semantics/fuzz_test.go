package semantics

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
	"github.com/patchcheck/patchcheck/parse"
	"golang.org/x/tools/txtar"
)

// FuzzApply feeds arbitrary diff text to the function mapper and the hunk
// applier (through Map): whatever the text, they must not panic, and every
// changed function they report must have a status that says what became of
// it.
func FuzzApply(f *testing.F) {
	for _, name := range []string{
		"../fixtures/seed/arm64-kexec-smp-send-stop.mbox",
		"../fixtures/variants/park-only.mbox",
		"../fixtures/variants/unrelated-driver.mbox",
	} {
		if b, err := os.ReadFile(name); err == nil {
			if i := bytes.Index(b, []byte("diff --git")); i >= 0 {
				f.Add(b[i:])
			}
		}
	}
	cases, _ := filepath.Glob("testdata/apply/*.txtar")
	for _, c := range cases {
		ar, err := txtar.ParseFile(c)
		if err != nil {
			continue
		}
		for _, file := range ar.Files {
			if i := bytes.Index(file.Data, []byte("diff --git")); file.Name == "patch" && i >= 0 {
				f.Add(file.Data[i:])
			}
		}
	}
	f.Fuzz(func(t *testing.T, diff []byte) {
		files, _, err := gitdiff.Parse(bytes.NewReader(diff))
		if err != nil || len(files) == 0 {
			return
		}
		s := &parse.Series{Patches: []*parse.Patch{{Index: 1, Total: 1, Files: files, Mangled: true}}}
		r, err := Map(s, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, fc := range r.Funcs {
			if fc.Status != Applied && fc.Reason == "" {
				t.Fatalf("%s %s: status %s without a reason", fc.File, fc.Name, fc.Status)
			}
		}
		var b strings.Builder
		if err := WriteFunctions(&b, r); err != nil {
			t.Fatal(err)
		}
	})
}
