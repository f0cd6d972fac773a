package main

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/patchcheck/patchcheck/parse"
	"github.com/patchcheck/patchcheck/report"
	"github.com/patchcheck/patchcheck/rules"
)

// parsedFormats are the formats --parse-only writes: the series as read has
// no verdict, so the report formats built around one do not apply.
var parsedFormats = []string{"text", "json"}

// checkParsedOutputs refuses, before anything is read, an --output that
// --parse-only cannot write, so that such a run never ends with the file
// silently missing.
func checkParsedOutputs(o *options) error {
	for _, path := range o.Outputs {
		name, _, err := report.FormatFor(path)
		if err != nil {
			return errUsage("--output " + path + ": " + err.Error())
		}
		if name != "text" && name != "json" {
			return errUsage(fmt.Sprintf("--output %s: --parse-only writes the series as text or json, not %s", path, name))
		}
	}
	return nil
}

// writeParsed prints the series as read (the ingestion stage alone) to
// stdout in o.Format and to every --output file.
func writeParsed(o *options, s *parse.Series, stdout, stderr io.Writer) int {
	render := func(format string) ([]byte, error) {
		var buf bytes.Buffer
		if format == "json" {
			err := writeJSON(&buf, newParsed(o, s))
			return buf.Bytes(), err
		}
		writeText(&buf, s)
		return buf.Bytes(), nil
	}
	// Everything is rendered before anything is written, as for reports.
	type file struct {
		name string
		data []byte
	}
	var files []file
	seen := map[string]bool{}
	for _, path := range o.Outputs {
		format, name, err := report.FormatFor(path)
		if err == nil && name != "-" && seen[name] {
			err = fmt.Errorf("output %q given twice", name)
		}
		var data []byte
		if err == nil {
			data, err = render(format)
		}
		if err != nil {
			writeErr(stderr, err.Error())
			return exitUsage
		}
		seen[name] = true
		files = append(files, file{name, data})
	}
	data, err := render(o.Format)
	if err != nil {
		writeErr(stderr, err.Error())
		return exitUsage
	}
	for _, f := range files {
		if f.name == "-" {
			_, err = os.Stdout.Write(f.data)
		} else {
			err = report.WriteFileAtomic(f.name, f.data)
		}
		if err != nil {
			writeErr(stderr, "output "+f.name+": "+err.Error())
			return exitUsage
		}
	}
	if _, err := stdout.Write(data); err != nil {
		writeErr(stderr, err.Error())
		return exitUsage
	}
	if hasFindings(s) {
		return exitFindings
	}
	return exitOK
}

// newParsed is the --parse-only JSON document: the ingestion stage's part
// of a report, under its own schema (report/series-schema.json).
func newParsed(o *options, s *parse.Series) *rules.Parsed {
	rep := newReport(o, s)
	return &rules.Parsed{Schema: rules.SeriesSchema, Tool: rep.Tool, Inputs: rep.Inputs, Series: rep.Series}
}
