package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/tools/txtar"
)

// schemas compiles report/schema.json, report/series-schema.json and the
// vendored SARIF 2.1.0 schema with no network access.
func schemas(t *testing.T) (reportSch, seriesSch, sarifSch *jsonschema.Schema) {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	add := func(path string) string {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		id, _ := doc.(map[string]any)["$id"].(string)
		if id == "" {
			id = path
		}
		if err := c.AddResource(id, doc); err != nil {
			t.Fatal(err)
		}
		return id
	}
	compile := func(id string) *jsonschema.Schema {
		sch, err := c.Compile(id)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		return sch
	}
	r := add("../../report/schema.json")
	s := add("../../report/series-schema.json")
	sa := add("../../report/testdata/sarif-schema-2.1.0.json")
	return compile(r), compile(s), compile(sa)
}

func validateJSON(sch *jsonschema.Schema, data []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}

// fixtureInputs lists the real inputs of the repository's fixtures: the
// seed in both forms, the variants and every fixtures/real patch.
func fixtureInputs(t *testing.T) []string {
	t.Helper()
	ins := []string{seedMbox, "../../fixtures/seed/arm64-kexec-smp-send-stop.lkml.txt"}
	variants, _ := filepath.Glob("../../fixtures/variants/*.mbox")
	ins = append(ins, variants...)
	metas, _ := filepath.Glob("../../fixtures/real/*/meta.yaml")
	for _, m := range metas {
		data, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			if p, ok := strings.CutPrefix(sc.Text(), "patch:"); ok {
				ins = append(ins, filepath.Join(filepath.Dir(m), strings.Trim(strings.TrimSpace(p), `"'`)))
			}
		}
	}
	if len(ins) < 25 {
		t.Fatalf("only %d fixture inputs", len(ins))
	}
	return ins
}

// TestOutputsMatchSchemas runs the command on every fixture and validates
// what it wrote: the JSON report against report/schema.json, the SARIF
// against the SARIF 2.1.0 schema, each patchwork line as a JSON object,
// all formats written in one run from the one report value (the JSON on
// standard output and the one written by --output are the same bytes).
func TestOutputsMatchSchemas(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole pipeline on every fixture")
	}
	reportSch, _, sarifSch := schemas(t)
	for _, in := range fixtureInputs(t) {
		t.Run(filepath.Base(filepath.Dir(in))+"/"+filepath.Base(in), func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"--runs", "20", "--format", "json"}
			for _, ext := range []string{"json", "sarif", "patchwork", "txt", "md", "eml", "html", "annotations"} {
				args = append(args, "--output", filepath.Join(dir, "report."+ext))
			}
			var stdout, stderr bytes.Buffer
			code := execute(context.Background(), append(args, in), nil, &stdout, &stderr)
			if code == exitUsage {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			if err := validateJSON(reportSch, stdout.Bytes()); err != nil {
				t.Errorf("JSON report does not match report/schema.json:\n%v", err)
			}
			read := func(ext string) []byte {
				data, err := os.ReadFile(filepath.Join(dir, "report."+ext))
				if err != nil {
					t.Fatal(err)
				}
				return data
			}
			if !bytes.Equal(read("json"), stdout.Bytes()) {
				t.Error("the JSON of --output differs from the JSON on standard output")
			}
			if err := validateJSON(sarifSch, read("sarif")); err != nil {
				t.Errorf("SARIF does not match the SARIF 2.1.0 schema:\n%v", err)
			}
			for i, line := range strings.Split(strings.TrimSpace(string(read("patchwork"))), "\n") {
				var check map[string]any
				if err := json.Unmarshal([]byte(line), &check); err != nil || check["state"] == nil {
					t.Errorf("patchwork line %d is not a check object: %v %q", i+1, err, line)
				}
			}
			for _, ext := range []string{"txt", "md", "eml", "html"} {
				if len(read(ext)) == 0 {
					t.Errorf("report.%s is empty", ext)
				}
			}
		})
	}
}

// TestParsedMatchesSchema validates the --parse-only JSON of every fixture
// input, and of every form in fixtures/forms, against
// report/series-schema.json, and checks that it is not taken for a report.
func TestParsedMatchesSchema(t *testing.T) {
	reportSch, seriesSch, _ := schemas(t)
	check := func(t *testing.T, files ...string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		code := execute(context.Background(), append([]string{"--parse-only", "--format", "json"}, files...), nil, &stdout, &stderr)
		if code == exitUsage {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
		if err := validateJSON(seriesSch, stdout.Bytes()); err != nil {
			t.Errorf("--parse-only JSON does not match report/series-schema.json:\n%v", err)
		}
		if validateJSON(reportSch, stdout.Bytes()) == nil {
			t.Error("--parse-only JSON passes as a report")
		}
	}
	for _, in := range fixtureInputs(t) {
		t.Run(filepath.Base(filepath.Dir(in))+"/"+filepath.Base(in), func(t *testing.T) { check(t, in) })
	}
	forms, _ := filepath.Glob("../../fixtures/forms/*.txtar")
	for _, f := range forms {
		t.Run(filepath.Base(f), func(t *testing.T) {
			a, err := txtar.ParseFile(f)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			var files []string
			for _, af := range a.Files {
				if af.Name == "want" {
					continue
				}
				p := filepath.Join(dir, filepath.Base(af.Name))
				if err := os.WriteFile(p, af.Data, 0o644); err != nil {
					t.Fatal(err)
				}
				files = append(files, p)
			}
			check(t, files...)
		})
	}
}
