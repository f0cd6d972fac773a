package semantics

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/patchcheck/patchcheck/parse"
	"github.com/patchcheck/patchcheck/semantics/models"
	"github.com/patchcheck/patchcheck/sim"
	"golang.org/x/tools/txtar"
)

// TestApply runs the txtar cases of testdata/apply: each holds a patch the
// library has never seen and assertions on what Analyze makes of it.
//
// Assertions, one a line:
//
//	func FILE NAME KIND STATUS      a changed function (status with "-" for " ")
//	after-has FUNC TEXT             AFTER's FUNC has a line TEXT (white space aside)
//	after-lacks FUNC TEXT           ... has no such line
//	before-has FUNC TEXT
//	after-order FUNC A | B          in AFTER's FUNC, line A comes before line B
//	before-order FUNC A | B
//	calls after|before FUNC CALLEE  the compiled FUNC calls CALLEE
//	const after|before FUNC N       the compiled FUNC loads the constant N
//	const-lacks after|before FUNC N ... does not
//	prim-order after|before FUNC P | Q   FUNC's first use of prim P precedes Q's
//	unknown NAME FILE LINE | unknown none
//	unmodelled FUNC LINE | unmodelled none   (FUNC "outside-functions" for a declaration)
//	uncovered TEXT                  Result.Uncovered has TEXT
//	identical true|false
func TestApply(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "apply", "*.txtar"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var patch, assert []byte
			for _, f := range ar.Files {
				switch f.Name {
				case "patch":
					patch = f.Data
				case "assert":
					assert = f.Data
				}
			}
			s, err := parse.Parse(file, bytes.NewReader(patch), nil)
			if err != nil {
				t.Fatal(err)
			}
			r, err := Analyze(s, nil)
			if err != nil {
				t.Fatal(err)
			}
			for n, line := range strings.Split(string(assert), "\n") {
				if strings.TrimSpace(line) == "" {
					continue
				}
				if msg := check(r, line); msg != "" {
					t.Errorf("%s: assert line %d %q: %s", file, n+1, line, msg)
				}
			}
			if t.Failed() {
				var b bytes.Buffer
				WriteFunctions(&b, r)
				t.Logf("function map:\n%s", b.String())
			}
		})
	}
}

func check(r *Result, line string) string {
	verb, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
	f := strings.Fields(rest)
	switch verb {
	case "func":
		if len(f) != 4 {
			return "want FILE NAME KIND STATUS"
		}
		for _, fc := range r.Funcs {
			if fc.File == f[0] && fc.Name == f[1] {
				got := fc.Kind.String() + " " + strings.ReplaceAll(fc.Status.String(), " ", "-")
				if got != f[2]+" "+f[3] {
					return fmt.Sprintf("is %s (%s)", got, fc.Reason)
				}
				return ""
			}
		}
		return "no such changed function"
	case "after-has", "after-lacks", "before-has":
		fn, text, _ := strings.Cut(rest, " ")
		b := r.After
		if verb == "before-has" {
			b = r.Before
		}
		has := indexOfLine(b.FuncLines(fn), text) >= 0
		if has != (verb != "after-lacks") {
			return fmt.Sprintf("%s of %s:\n%s", verb, fn, strings.Join(b.FuncLines(fn), "\n"))
		}
	case "after-order", "before-order":
		fn, ab, _ := strings.Cut(rest, " ")
		a, b, _ := strings.Cut(ab, " | ")
		bl := r.After
		if verb == "before-order" {
			bl = r.Before
		}
		lines := bl.FuncLines(fn)
		i, j := indexOfLine(lines, a), indexOfLine(lines, b)
		if i < 0 || j < 0 || i >= j {
			return fmt.Sprintf("positions %d, %d in:\n%s", i, j, strings.Join(lines, "\n"))
		}
	case "calls", "const", "const-lacks", "prim-order":
		if len(f) < 3 {
			return "want after|before FUNC ..."
		}
		b := r.After
		if f[0] == "before" {
			b = r.Before
		}
		p := b.Program
		fi := p.FuncIndex(f[1])
		if fi < 0 {
			return "no function " + f[1] + " in the program"
		}
		code := p.Funcs[fi].Code
		switch verb {
		case "calls":
			for _, in := range code {
				if in.Op == sim.OpCall && p.Funcs[in.Imm].Name == f[2] ||
					in.Op == sim.OpPrim && sim.Prims[in.Sub].Name == f[2] {
					return ""
				}
			}
			return "no call of " + f[2]
		case "const", "const-lacks":
			n, err := strconv.ParseInt(f[2], 10, 64)
			if err != nil {
				return err.Error()
			}
			found := false
			for _, in := range code {
				if in.Op == sim.OpConst && in.Imm == n {
					found = true
				}
			}
			if found != (verb == "const") {
				return fmt.Sprintf("constant %s present: %v", f[2], found)
			}
		case "prim-order":
			if len(f) != 5 || f[3] != "|" {
				return "want after|before FUNC P | Q"
			}
			first := func(name string) int {
				for i, in := range code {
					if in.Op == sim.OpPrim && sim.Prims[in.Sub].Name == name {
						return i
					}
				}
				return -1
			}
			i, j := first(f[2]), first(f[4])
			if i < 0 || j < 0 || i >= j {
				return fmt.Sprintf("prims at %d, %d", i, j)
			}
		}
	case "unknown":
		if len(f) == 1 && f[0] == "none" {
			if len(r.Unknown) > 0 {
				return fmt.Sprintf("unknown callees %v", r.Unknown)
			}
			return ""
		}
		if len(f) != 3 {
			return "want NAME FILE LINE"
		}
		for _, c := range r.Unknown {
			if c.Name == f[0] && c.Loc.File == f[1] && strconv.Itoa(c.Loc.Line) == f[2] && c.Loc.Side == sim.SidePost {
				return ""
			}
		}
		return fmt.Sprintf("unknown callees %v", r.Unknown)
	case "unmodelled":
		if len(f) == 1 && f[0] == "none" {
			if len(r.Unmodelled) > 0 {
				return fmt.Sprintf("unmodelled %v", r.Unmodelled)
			}
			return ""
		}
		for _, p := range r.Unmodelled {
			if len(f) == 2 && (p.Func == f[0] || f[0] == "outside-functions" && p.Func == "") && strconv.Itoa(p.Line) == f[1] {
				return ""
			}
		}
		return fmt.Sprintf("unmodelled %v", r.Unmodelled)
	case "uncovered":
		for _, u := range r.Uncovered {
			if u.String() == rest {
				return ""
			}
		}
		return fmt.Sprintf("uncovered %v", r.Uncovered)
	case "fate":
		// fate PATCH FATE [HUNK-FATE...]: the patch's fate and, in order,
		// its hunks'.
		if len(f) < 2 {
			return "fate needs a patch and a fate"
		}
		n, err := strconv.Atoi(f[0])
		if err != nil || n < 1 || n > len(r.Patches) {
			return fmt.Sprintf("no patch %s", f[0])
		}
		pc := r.Patches[n-1]
		var hunks []string
		for _, h := range pc.Hunks {
			hunks = append(hunks, h.Fate.String())
		}
		if pc.Fate != f[1] || len(f) > 2 && strings.Join(hunks, " ") != strings.Join(f[2:], " ") {
			return fmt.Sprintf("patch %d is %s, hunks %v", n, pc.Fate, hunks)
		}
	case "identical":
		if strconv.FormatBool(r.Identical) != rest {
			return fmt.Sprintf("identical is %v", r.Identical)
		}
	default:
		return "unknown assertion"
	}
	return ""
}

func indexOfLine(lines []string, text string) int {
	k := models.Key(text)
	for i, l := range lines {
		if models.Key(l) == k {
			return i
		}
	}
	return -1
}
