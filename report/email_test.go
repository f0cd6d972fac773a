package report

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"regexp"
	"strings"
	"testing"

	"github.com/patchcheck/patchcheck/rules"
)

func TestEmailParsesBack(t *testing.T) {
	tests := []struct {
		name       string
		edit       func(r *rules.Report)
		opts       Options
		subject    string
		inReplyTo  string
		references []string
		to         string
	}{
		{
			name:       "lone patch",
			subject:    "Re: [PATCH] arm64: kexec: Use smp_send_stop in machine_shutdown",
			inReplyTo:  "<1604705148-1831-1-git-send-email-henry.willard@xxxxxxxxxx>",
			references: []string{"<1604705148-1831-1-git-send-email-henry.willard@xxxxxxxxxx>"},
			to:         "henry.willard@xxxxxxxxxx",
		},
		{
			name: "patch in a thread, with From and Cc",
			edit: func(r *rules.Report) {
				r.Series.Patches[0].Prefix = "PATCH v2"
				r.Series.Patches[0].References = []string{"v1-cover@example.org", "<v1-reply@example.org>"}
			},
			opts:       Options{From: "Reviewer <reviewer@example.org>", Cc: []string{"linux-arm-kernel@lists.infradead.org"}},
			subject:    "Re: [PATCH v2] arm64: kexec: Use smp_send_stop in machine_shutdown",
			inReplyTo:  "<1604705148-1831-1-git-send-email-henry.willard@xxxxxxxxxx>",
			references: []string{"<v1-cover@example.org>", "<v1-reply@example.org>", "<1604705148-1831-1-git-send-email-henry.willard@xxxxxxxxxx>"},
			to:         "henry.willard@xxxxxxxxxx",
		},
		{
			name: "series with a cover letter and a non-ASCII subject",
			edit: func(r *rules.Report) {
				r.Series.Cover = &rules.Cover{Subject: "arm64: kexec: faster reboot – stop CPUs by IPI, ça va vîte", MessageID: "cover@example.org"}
				r.Series.Patches[0].Prefix = "PATCH v3 1/2"
				r.Series.Patches[0].Total = 2
			},
			subject:    "Re: [PATCH v3 0/2] arm64: kexec: faster reboot – stop CPUs by IPI, ça va vîte",
			inReplyTo:  "<cover@example.org>",
			references: []string{"<cover@example.org>"},
			to:         "henry.willard@xxxxxxxxxx",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := loadReport(t, "seed-report.json")
			if tt.edit != nil {
				tt.edit(r)
			}
			out := render(t, "email", r, tt.opts)
			msg, err := mail.ReadMessage(bytes.NewReader(out))
			if err != nil {
				t.Fatalf("net/mail cannot read the reply: %v", err)
			}
			subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
			if err != nil {
				t.Fatal(err)
			}
			if subject != tt.subject {
				t.Errorf("Subject = %q, want %q", subject, tt.subject)
			}
			if got := msg.Header.Get("In-Reply-To"); got != tt.inReplyTo {
				t.Errorf("In-Reply-To = %q, want %q", got, tt.inReplyTo)
			}
			if got := strings.Fields(msg.Header.Get("References")); strings.Join(got, " ") != strings.Join(tt.references, " ") {
				t.Errorf("References = %q, want %q", got, tt.references)
			}
			to, err := msg.Header.AddressList("To")
			if err != nil || len(to) != 1 || to[0].Address != tt.to {
				t.Errorf("To = %v (%v), want %s", to, err, tt.to)
			}
			if tt.opts.From != "" {
				if from, err := msg.Header.AddressList("From"); err != nil || from[0].Address != "reviewer@example.org" {
					t.Errorf("From = %v (%v)", from, err)
				}
			}
			if len(tt.opts.Cc) > 0 {
				cc, err := msg.Header.AddressList("Cc")
				if err != nil || len(cc) != 1 || cc[0].Address != tt.opts.Cc[0] {
					t.Errorf("Cc = %v (%v), want %s", cc, err, tt.opts.Cc[0])
				}
			}
			if ct := msg.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			body, _ := io.ReadAll(msg.Body)
			checkMailBody(t, r, out, body)
		})
	}
}

// checkMailBody checks the properties a list reply must have: short lines,
// quotes that are really the patch's lines, every finding present, the
// trace numbered, and the reproduce command.
func checkMailBody(t *testing.T, r *rules.Report, whole, body []byte) {
	t.Helper()
	for _, p := range mailLineProblems(whole) {
		t.Error(p)
	}
	patchLines := map[string]bool{}
	for _, h := range numberHunks(r) {
		patchLines[hunkHeader(h.Hunk)] = true
		patchLines["diff --git a/"+h.File+" b/"+h.File] = true
		for _, l := range h.Lines {
			patchLines[l.Text] = true
		}
	}
	var sentences string
	for _, c := range r.Claims {
		sentences += " " + c.Sentence
	}
	quotes := 0
	for _, l := range strings.Split(string(body), "\n") {
		q, ok := strings.CutPrefix(l, "> ")
		if !ok {
			continue
		}
		quotes++
		if !patchLines[q] && !strings.Contains(sentences, q) {
			t.Errorf("quoted line is neither a patch line nor a claim's sentence: %q", l)
		}
	}
	if quotes == 0 {
		t.Error("the reply quotes nothing")
	}
	text := string(body)
	for _, f := range r.Findings {
		if !strings.Contains(text, f.Severity+": "+f.ID) {
			t.Errorf("finding %s is missing", f.ID)
		}
	}
	for _, want := range []string{
		"    1. CPU0 process.c:158 +smp_send_stop();",
		"C5 needs only the 5",
		"  b4 am -o - ",
		"    patchcheck --seed 1 -\n",
		"(seed 1)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("reply lacks %q", want)
		}
	}
	// Each finding comes right after the lines it concerns.
	if i, j := strings.Index(text, "> +\twhile (num_online_cpus() > 1 && timeout--)"), strings.Index(text, "error: kexec.secondaries-off-at-relocation"); i < 0 || j < i {
		t.Error("the finding at process.c:159 is not below the quoted line 159")
	}
}

func TestEmailWithoutPatchLines(t *testing.T) {
	// A report whose findings have no hunks to quote still makes a valid
	// reply.
	r := loadReport(t, "seed-report.json")
	for i := range r.Series.Patches[0].Files {
		r.Series.Patches[0].Files[i].Diff = nil
	}
	out := render(t, "email", r, Options{})
	if _, err := mail.ReadMessage(bytes.NewReader(out)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte("error: kexec.secondaries-off-at-relocation at\n       arch/arm64/kernel/process.c:159")) && !bytes.Contains(out, []byte("error: kexec.secondaries-off-at-relocation at arch/arm64/kernel/process.c:159")) {
		t.Error("a finding without a hunk is not placed by file:line")
	}
}

// mailLineProblems lists the lines of a reply that are too long: header
// lines over 78 characters (RFC 5322 2.1.1) but a continuation that is one
// Message-Id, which cannot be folded (at most 998), body lines over 72
// columns; a link is not cut.
func mailLineProblems(whole []byte) []string {
	var problems []string
	sc := bufio.NewScanner(bytes.NewReader(whole))
	inHeader := true
	for n := 1; sc.Scan(); n++ {
		l := sc.Text()
		switch {
		case l == "" && inHeader:
			inHeader = false
		case inHeader && len(l) > headerWidth && !(msgIDLine.MatchString(l) && len(l) <= 998):
			problems = append(problems, fmt.Sprintf("header line %d is %d characters long: %q", n, len(l), l))
		case !inHeader && columns(l) > mailWidth && !strings.HasPrefix(l, "Link: https://"):
			problems = append(problems, fmt.Sprintf("line %d is %d columns wide: %q", n, columns(l), l))
		}
	}
	return problems
}

var msgIDLine = regexp.MustCompile(`^ <[^ ]+>$`)

// TestEmailToCoverLetter checks that a reply to a series goes to the cover
// letter's author and everyone the cover letter was sent to, not to patch
// 1's author alone, and threads under the cover letter.
func TestEmailToCoverLetter(t *testing.T) {
	r := loadReport(t, "seed-report.json")
	r.Series.Cover = &rules.Cover{
		Subject: "arm64: kexec: stop CPUs by IPI", MessageID: "cover@example.org",
		Author: "Cover Author <cover@example.org>",
		To:     []string{"Will Deacon <will@kernel.org>"},
		Cc:     []string{"linux-arm-kernel@lists.infradead.org"},
	}
	r.Series.Patches[0].Prefix, r.Series.Patches[0].Total = "PATCH 1/2", 2
	out := render(t, "email", r, Options{Cc: []string{"Extra <extra@example.org>"}, From: "Me <cover@example.org>"})
	msg, err := mail.ReadMessage(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	addrs := func(h string) []string {
		list, _ := msg.Header.AddressList(h)
		var out []string
		for _, a := range list {
			out = append(out, a.Address)
		}
		return out
	}
	// From is the cover's author here: no copy to oneself, so no To.
	if got := addrs("To"); len(got) != 0 {
		t.Errorf("To = %v, want none (the sender wrote the cover letter)", got)
	}
	if got, want := strings.Join(addrs("Cc"), " "), "will@kernel.org linux-arm-kernel@lists.infradead.org extra@example.org"; got != want {
		t.Errorf("Cc = %q, want %q", got, want)
	}
	out = render(t, "email", r, Options{})
	msg, _ = mail.ReadMessage(bytes.NewReader(out))
	if got := addrs("To"); strings.Join(got, " ") != "cover@example.org" {
		t.Errorf("To = %v, want the cover letter's author", got)
	}
	if got := msg.Header.Get("In-Reply-To"); got != "<cover@example.org>" {
		t.Errorf("In-Reply-To = %q", got)
	}
	if got := msg.Header.Get("Subject"); got != "Re: [PATCH 0/2] arm64: kexec: stop CPUs by IPI" {
		t.Errorf("Subject = %q", got)
	}
}

// TestEmailFromGitRange checks that a reply to commits of a git range has
// no threading headers and no lore link: their ids are commit ids.
func TestEmailFromGitRange(t *testing.T) {
	r := loadReport(t, "seed-report.json")
	r.Inputs = []rules.Input{{Name: "linux v5.10..HEAD", Kind: "git"}}
	r.Series.Patches[0].MessageID = "3f1e0a5c9d2b4e6f8a7c1b0d9e8f7a6b5c4d3e2f"
	out := render(t, "email", r, Options{})
	msg, err := mail.ReadMessage(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if msg.Header.Get("In-Reply-To") != "" || msg.Header.Get("References") != "" || bytes.Contains(out, []byte("lore.kernel.org")) {
		t.Errorf("a git range's reply threads under a commit id:\n%s", out)
	}
}

// TestEmailManyNotes checks that past maxNoteLines notes the reply names
// each note with its place in one paragraph instead of a line each, and
// that fewer notes keep their short lines.
func TestEmailManyNotes(t *testing.T) {
	for _, n := range []int{1, maxNoteLines, maxNoteLines + 2} {
		r := loadReport(t, "seed-report.json")
		var kept []rules.Finding
		for _, f := range r.Findings {
			if f.Severity != "note" {
				kept = append(kept, f)
			}
		}
		for i := range n {
			kept = append(kept, rules.Finding{ID: fmt.Sprintf("test.note-%d", i), Severity: "note", Message: "a note before the patch as well"})
		}
		r.Findings = kept
		out := string(render(t, "email", r, Options{}))
		short := strings.Count(out, "note: test.note-")
		named := strings.Contains(out, fmt.Sprintf("Notes (%d; the other formats have them whole): test.note-0", n))
		if n > maxNoteLines && (short != 0 || !named) || n <= maxNoteLines && (short != n || named) {
			t.Errorf("%d notes: %d short lines, named in one paragraph %v:\n%s", n, short, named, out)
		}
		if p := mailLineProblems([]byte(out)); len(p) > 0 {
			t.Errorf("%d notes: %v", n, p)
		}
	}
}
