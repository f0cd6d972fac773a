package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/patchcheck/patchcheck/rules"
)

// schemaID is the $id of report/schema.json.
const schemaID = "https://github.com/patchcheck/patchcheck/report/schema.json"

// compileSchema compiles a JSON Schema file with no network access: every
// $ref must resolve inside the file or to a draft the library embeds.
func compileSchema(t testing.TB, path string) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(path, doc); err != nil {
		t.Fatal(err)
	}
	// series-schema.json refers to the types of schema.json by its $id.
	if filepath.Base(path) != "schema.json" {
		main := filepath.Join(filepath.Dir(path), "schema.json")
		if data, err := os.ReadFile(main); err == nil {
			mdoc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("%s: %v", main, err)
			}
			if err := c.AddResource(schemaID, mdoc); err != nil {
				t.Fatal(err)
			}
		}
	}
	sch, err := c.Compile(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return sch
}

func validate(sch *jsonschema.Schema, data []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}

func TestJSONMatchesSchema(t *testing.T) {
	sch := compileSchema(t, "schema.json")
	for _, sample := range samples {
		out := render(t, "json", loadReport(t, sample), Options{})
		if err := validate(sch, out); err != nil {
			t.Errorf("%s: JSON output does not match report/schema.json:\n%v", sample, err)
		}
	}
}

// TestSchemaRejects makes sure the schema is strict enough to catch a report
// that went wrong, so the validation above means something.
func TestSchemaRejects(t *testing.T) {
	sch := compileSchema(t, "schema.json")
	good := render(t, "json", loadReport(t, "seed-report.json"), Options{})
	tests := []struct {
		name string
		edit func(m map[string]any)
	}{
		{"unknown top-level property", func(m map[string]any) { m["extra"] = 1 }},
		{"missing verdict", func(m map[string]any) { delete(m, "verdict") }},
		{"verdict outside the vocabulary", func(m map[string]any) { m["verdict"] = "ok" }},
		{"other schema version", func(m map[string]any) { m["schema"] = "patchcheck/report/v0" }},
		{"claim verdict outside the vocabulary", func(m map[string]any) {
			m["claims"].([]any)[0].(map[string]any)["verdict"] = "plausible"
		}},
		{"step line as a string", func(m map[string]any) {
			p := m["properties"].([]any)[3].(map[string]any)
			p["counterexample"].(map[string]any)["steps"].([]any)[0].(map[string]any)["line"] = "158"
		}},
		{"unknown field in a hunk", func(m map[string]any) {
			f := m["series"].(map[string]any)["patches"].([]any)[0].(map[string]any)["files"].([]any)[0].(map[string]any)
			f["diff"].([]any)[0].(map[string]any)["header"] = "@@"
		}},
	}
	for _, tt := range tests {
		var m map[string]any
		if err := json.Unmarshal(good, &m); err != nil {
			t.Fatal(err)
		}
		tt.edit(m)
		bad, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if err := validate(sch, bad); err == nil {
			t.Errorf("%s: the schema accepts it", tt.name)
		}
	}
}

// TestSchemaCoversReport walks rules.Report with reflection and checks that
// report/schema.json describes exactly its fields, with the right types and
// required lists, so that a field added to the Report cannot leave the
// schema silently stale (or the other way round).
func TestSchemaCoversReport(t *testing.T) {
	data, err := os.ReadFile("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Schema string                    `json:"$schema"`
		Ref    string                    `json:"$ref"`
		Defs   map[string]map[string]any `json:"$defs"`
		Title  string                    `json:"title"`
	}
	if err := json.Unmarshal(data, &schema); err != nil {
		t.Fatal(err)
	}
	if schema.Schema != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema is %q, want JSON Schema 2020-12", schema.Schema)
	}
	if schema.Ref != "#/$defs/Report" {
		t.Errorf("$ref is %q, want #/$defs/Report", schema.Ref)
	}
	if !strings.Contains(schema.Title, rules.Schema) {
		t.Errorf("title %q does not name the version %s", schema.Title, rules.Schema)
	}
	seen := map[string]bool{}
	var check func(t reflect.Type)
	check = func(typ reflect.Type) {
		name := typ.Name()
		if seen[name] {
			return
		}
		seen[name] = true
		def, ok := schema.Defs[name]
		if !ok {
			t.Errorf("schema has no $defs/%s for rules.%s", name, name)
			return
		}
		if def["additionalProperties"] != false {
			t.Errorf("$defs/%s: additionalProperties must be false", name)
		}
		props, _ := def["properties"].(map[string]any)
		var want, required []string
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			if !f.IsExported() {
				continue
			}
			jsonName, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if jsonName == "-" {
				continue
			}
			if jsonName == "" {
				jsonName = f.Name
			}
			want = append(want, jsonName)
			if opts != "omitempty" {
				required = append(required, jsonName)
			}
			p, ok := props[jsonName].(map[string]any)
			if !ok {
				t.Errorf("$defs/%s has no property %q (rules.%s.%s)", name, jsonName, name, f.Name)
				continue
			}
			if msg := typeMismatch(f.Type, p, opts == "omitempty"); msg != "" {
				t.Errorf("$defs/%s.%s: %s", name, jsonName, msg)
			}
			for _, sub := range structsIn(f.Type) {
				check(sub)
			}
		}
		for p := range props {
			if !slices.Contains(want, p) {
				t.Errorf("$defs/%s.%s is not a field of rules.%s", name, p, name)
			}
		}
		var got []string
		if req, ok := def["required"].([]any); ok {
			for _, r := range req {
				got = append(got, r.(string))
			}
		}
		slices.Sort(got)
		slices.Sort(required)
		if !slices.Equal(got, required) {
			t.Errorf("$defs/%s: required is %v, want the fields without omitempty %v", name, got, required)
		}
	}
	// rules.Parsed, the --parse-only document, shares the Report's types.
	check(reflect.TypeOf(rules.Report{}))
	check(reflect.TypeOf(rules.Parsed{}))
	for name := range schema.Defs {
		if !seen[name] {
			t.Errorf("$defs/%s describes no type reachable from rules.Report or rules.Parsed", name)
		}
	}
	for def, want := range map[string]string{"Report": rules.Schema, "Parsed": rules.SeriesSchema} {
		schemaProp := schema.Defs[def]["properties"].(map[string]any)["schema"].(map[string]any)
		if schemaProp["const"] != want {
			t.Errorf("$defs/%s: schema property const is %v, want %q (bump report/schema.json with rules)", def, schemaProp["const"], want)
		}
	}
}

// TestSeriesSchema checks that report/series-schema.json compiles against
// report/schema.json, accepts a parse-only document and refuses a report
// (and the other way round), so that the two cannot be mistaken.
func TestSeriesSchema(t *testing.T) {
	series, full := compileSchema(t, "series-schema.json"), compileSchema(t, "schema.json")
	rep := render(t, "json", loadReport(t, "seed-report.json"), Options{})
	var r rules.Report
	if err := json.Unmarshal(rep, &r); err != nil {
		t.Fatal(err)
	}
	parsed, err := json.Marshal(rules.Parsed{Schema: rules.SeriesSchema, Tool: r.Tool, Inputs: r.Inputs, Series: r.Series})
	if err != nil {
		t.Fatal(err)
	}
	if err := validate(series, parsed); err != nil {
		t.Errorf("series-schema.json refuses a parse-only document: %v", err)
	}
	if err := validate(series, rep); err == nil {
		t.Error("series-schema.json accepts a report")
	}
	if err := validate(full, parsed); err == nil {
		t.Error("schema.json accepts a parse-only document")
	}
}

// typeMismatch says how a schema property fails to describe a Go type, or
// returns "".
func typeMismatch(typ reflect.Type, p map[string]any, omitempty bool) string {
	types := func() []string {
		switch v := p["type"].(type) {
		case string:
			return []string{v}
		case []any:
			var s []string
			for _, x := range v {
				s = append(s, x.(string))
			}
			return s
		}
		return nil
	}
	switch typ.Kind() {
	case reflect.String:
		if !slices.Equal(types(), []string{"string"}) {
			return "want type string"
		}
	case reflect.Bool:
		if !slices.Equal(types(), []string{"boolean"}) {
			return "want type boolean"
		}
	case reflect.Int, reflect.Int64, reflect.Int32:
		if !slices.Equal(types(), []string{"integer"}) {
			return "want type integer"
		}
	case reflect.Float64:
		if !slices.Equal(types(), []string{"number"}) {
			return "want type number"
		}
	case reflect.Slice:
		want := []string{"array", "null"} // encoding/json writes a nil slice as null
		if omitempty {
			want = []string{"array"} // a nil or empty slice is left out
		}
		if !slices.Equal(types(), want) {
			return "want type " + strings.Join(want, " or ")
		}
		items, ok := p["items"].(map[string]any)
		if !ok {
			return "array without items"
		}
		return typeMismatch(typ.Elem(), items, false)
	case reflect.Pointer:
		branches, ok := p["anyOf"].([]any)
		if !ok || len(branches) != 2 {
			return "pointer: want anyOf [type, null]"
		}
		if n, _ := branches[1].(map[string]any); n["type"] != "null" {
			return "pointer: second anyOf branch must be {type: null}"
		}
		return typeMismatch(typ.Elem(), branches[0].(map[string]any), false)
	case reflect.Struct:
		if p["$ref"] != "#/$defs/"+typ.Name() {
			return "want $ref #/$defs/" + typ.Name()
		}
	default:
		return "no schema type for Go kind " + typ.Kind().String()
	}
	return ""
}

func structsIn(typ reflect.Type) []reflect.Type {
	switch typ.Kind() {
	case reflect.Struct:
		return []reflect.Type{typ}
	case reflect.Slice, reflect.Pointer:
		return structsIn(typ.Elem())
	}
	return nil
}
