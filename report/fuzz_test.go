package report

import (
	"bytes"
	"mime"
	"net/mail"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzEmail renders the seed report with arbitrary subject, finding and
// patch text, and checks that the reply stays a valid mail with short lines
// whose subject reads back as sent.
func FuzzEmail(f *testing.F) {
	f.Add("arm64: kexec: Use smp_send_stop in machine_shutdown", "finding text", "+\tsmp_send_stop();", "PATCH v2 1/3")
	f.Add("ça va – vîte très", strings.Repeat("long ", 50), "+"+strings.Repeat("x", 200), "RFC PATCH")
	f.Add("a\r\nInjected: header", "line\nbreak", "+\t\t\tdeep", "")
	r := loadReport(f, "seed-report.json")
	f.Fuzz(func(t *testing.T, subject, message, line, prefix string) {
		rr := *r
		rr.Series.Patches = append(rr.Series.Patches[:0:0], r.Series.Patches...)
		p := &rr.Series.Patches[0]
		p.Subject, p.Prefix = subject, prefix
		rr.Findings = append(rr.Findings[:0:0], r.Findings...)
		rr.Findings[0].Message = message
		p.Files = append(p.Files[:0:0], p.Files...)
		p.Files[0].Diff = append(p.Files[0].Diff[:0:0], p.Files[0].Diff...)
		lines := append([]string(nil), p.Files[0].Diff[1].Lines...)
		lines[16] = line
		p.Files[0].Diff[1].Lines = lines

		out := render(t, "email", &rr, Options{})
		msg, err := mail.ReadMessage(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("not a mail: %v\n%s", err, out)
		}
		if p := mailLineProblems(out); len(p) > 0 {
			t.Fatal(p[0])
		}
		if !utf8.ValidString(subject) || !utf8.ValidString(prefix) {
			return
		}
		got, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		if err != nil {
			t.Fatalf("subject %q: %v", msg.Header.Get("Subject"), err)
		}
		want := "Re: " + subject
		if prefix != "" {
			want = "Re: [" + prefix + "] " + subject
		}
		if strings.HasPrefix(strings.ToLower(prefix+subject), "re:") && prefix == "" {
			want = subject
		}
		// Control characters are shown, not sent: the reader sees ␍.
		if want = cleanText(want); strings.Join(strings.Fields(got), " ") != strings.Join(strings.Fields(want), " ") {
			t.Fatalf("subject reads back as %q, want %q", got, want)
		}
	})
}

// FuzzAnnotations checks that no finding text can add a workflow command:
// every output line is one command of ours.
func FuzzAnnotations(f *testing.F) {
	f.Add("msg", "file.c", "id")
	f.Add("a\n::error::b\r\n%0A", "x,y:z.c", "t:1,2")
	r := loadReport(f, "seed-report.json")
	f.Fuzz(func(t *testing.T, message, file, id string) {
		rr := *r
		rr.Findings = append(rr.Findings[:0:0], r.Findings...)
		loc := *rr.Findings[0].Location
		loc.File = file
		rr.Findings[0].Location = &loc
		rr.Findings[0].Message = message
		rr.Findings[0].ID = id
		out := string(render(t, "annotations", &rr, Options{}))
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != len(rr.Findings) {
			t.Fatalf("%d lines for %d findings:\n%s", len(lines), len(rr.Findings), out)
		}
		for _, l := range lines {
			if !strings.HasPrefix(l, "::error ") && !strings.HasPrefix(l, "::warning ") && !strings.HasPrefix(l, "::notice ") {
				t.Fatalf("not one of our commands: %q", l)
			}
			if strings.ContainsAny(l, "\r") {
				t.Fatalf("carriage return in %q", l)
			}
		}
	})
}

// FuzzFormatFor checks that any --output value gives a known format or an
// error, never a panic or an empty file name.
func FuzzFormatFor(f *testing.F) {
	for _, s := range []string{"r.html", "json:-", "x.sarif.json", ":", "html:", "a:b:c.md"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		format, file, err := FormatFor(path)
		if err != nil {
			return
		}
		if _, ok := lookup(format); !ok || file == "" {
			t.Fatalf("FormatFor(%q) = %q, %q", path, format, file)
		}
	})
}
