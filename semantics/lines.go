package semantics

import (
	"strings"

	"github.com/patchcheck/patchcheck/semantics/models"
)

// lineClass is what one line of C text holds, as far as matching and
// classification care.
type lineClass uint8

const (
	classCode    lineClass = iota
	classBlank             // nothing but white space
	classComment           // nothing but comment text
	classCond              // #if, #ifdef, #ifndef, #elif, #else, #endif
	classInclude           // #include
	classMacro             // any other preprocessor line (#define, #undef, ...)
)

// skippable lines take no part in matching a hunk against a model: the
// models drop comments, and keep conditionals only where they choose.
func (c lineClass) skippable() bool {
	return c == classBlank || c == classComment || c == classCond
}

// classifier classifies the lines of one image in order, tracking block
// comments across lines.
type classifier struct {
	inComment bool
}

// startClassifier returns a classifier for a text whose first lines are
// first: a text that starts with a comment's continuation lines (" * ...",
// "*/") starts inside the comment, as a hunk that begins in the middle of a
// function's header comment does.
func startClassifier(first []string) *classifier {
	for _, l := range first {
		t := strings.TrimSpace(l)
		if t == "" {
			continue
		}
		if strings.HasPrefix(t, "/*") {
			return &classifier{}
		}
		if strings.HasPrefix(t, "*") {
			return &classifier{inComment: true}
		}
		return &classifier{}
	}
	return &classifier{}
}

// next classifies line, returns its code without comments, and advances
// the comment state.
func (c *classifier) next(line string) (lineClass, string) {
	code := c.strip(line)
	return classify(code, line), code
}

func classify(code, line string) lineClass {
	t := strings.TrimSpace(code)
	orig := strings.TrimSpace(line)
	switch {
	case t == "" && orig == "":
		return classBlank
	case t == "":
		return classComment
	case strings.HasPrefix(t, "#"):
		d := strings.TrimSpace(strings.TrimPrefix(t, "#"))
		word := d
		if i := strings.IndexAny(d, " \t(<\""); i >= 0 {
			word = d[:i]
		}
		switch word {
		case "if", "ifdef", "ifndef", "elif", "else", "endif":
			return classCond
		case "include":
			return classInclude
		}
		return classMacro
	}
	return classCode
}

// strip removes the comment text of line given the state at its start, and
// updates the state for the next line. String literals are honoured.
func (c *classifier) strip(line string) string {
	st := models.CommentState{In: c.inComment}
	out := st.Strip(line)
	c.inComment = st.In
	return out
}

// key is the matching form of a line of code.
func key(line string) string { return models.Key(line) }

// identifiers returns the C identifiers of s (comments and literals
// removed), in order of first appearance.
func identifiers(s string) []string {
	c := &classifier{}
	var out []string
	for _, w := range models.Identifiers(c.strip(s)) {
		if !cKeywords[w] {
			out = append(out, w)
		}
	}
	return out
}

var cKeywords = map[string]bool{
	"auto": true, "break": true, "case": true, "char": true, "const": true, "continue": true,
	"default": true, "do": true, "double": true, "else": true, "enum": true, "extern": true,
	"float": true, "for": true, "goto": true, "if": true, "inline": true, "int": true, "long": true,
	"register": true, "return": true, "short": true, "signed": true, "sizeof": true, "static": true,
	"struct": true, "switch": true, "typedef": true, "union": true, "unsigned": true, "void": true,
	"volatile": true, "while": true, "bool": true, "true": true, "false": true, "define": true,
	"include": true, "ifdef": true, "ifndef": true, "endif": true, "undef": true, "elif": true,
}
