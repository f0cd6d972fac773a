package rules

// SeriesSchema is the version of the JSON document --parse-only prints,
// described by report/series-schema.json.
const SeriesSchema = "patchcheck/series/v1"

// Parsed is the JSON of --parse-only: what the ingestion stage read, and
// no verdict, since nothing was executed. It is a document of its own
// (schema SeriesSchema) rather than a Report with an empty verdict, so
// that a reader of a Report always finds one of pass, fail, inconclusive.
type Parsed struct {
	Schema string  `json:"schema"`
	Tool   Tool    `json:"tool"`
	Inputs []Input `json:"inputs"`
	Series Series  `json:"series"`
}
