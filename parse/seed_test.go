package parse

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
)

func parseFile(t *testing.T, path string) *Series {
	t.Helper()
	s, err := ParseFiles([]string{path}, nil, nil)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	return s
}

var seedDir = filepath.Join("..", "fixtures", "seed")

// TestSeedForms checks that the seed patch reads the same from the mbox and
// from the text copied out of the web archive.
func TestSeedForms(t *testing.T) {
	mbox := parseFile(t, filepath.Join(seedDir, "arm64-kexec-smp-send-stop.mbox"))
	web := parseFile(t, filepath.Join(seedDir, "arm64-kexec-smp-send-stop.lkml.txt"))
	if got := mbox.Inputs[0].Kind; got != KindFormatPatch {
		t.Errorf("mbox kind = %q", got)
	}
	if got := web.Inputs[0].Kind; got != KindWebArchive {
		t.Errorf("web kind = %q", got)
	}
	// The mbox carries the author's Date header; the archive shows when the
	// list received the mail, 29 seconds later.
	wantDate := map[*Series]string{mbox: "2020-11-06T15:25:48-08:00", web: "2020-11-06T18:26:17-05:00"}
	for name, s := range map[string]*Series{"mbox": mbox, "web": web} {
		if len(s.Patches) != 1 {
			t.Fatalf("%s: %d patches, want 1", name, len(s.Patches))
		}
		p := s.Patches[0]
		if p.Subject != "arm64: kexec: Use smp_send_stop in machine_shutdown" {
			t.Errorf("%s: subject %q", name, p.Subject)
		}
		if !strings.HasPrefix(p.Author, "Henry Willard") {
			t.Errorf("%s: author %q", name, p.Author)
		}
		if got := p.Date.Format(time.RFC3339); got != wantDate[s] {
			t.Errorf("%s: date %s, want %s", name, got, wantDate[s])
		}
		if len(p.Trailers) != 1 || p.Trailers[0].Key != "Signed-off-by" || p.Trailers[0].Value != "Henry Willard <henry.willard@xxxxxxxxxx>" {
			t.Errorf("%s: trailers %+v", name, p.Trailers)
		}
		var paths []string
		hunks := 0
		for _, f := range p.Files {
			paths = append(paths, f.NewName)
			hunks += len(f.TextFragments)
		}
		if strings.Join(paths, " ") != "arch/arm64/kernel/process.c arch/arm64/kernel/smp.c" || hunks != 4 {
			t.Errorf("%s: files %v, %d hunks", name, paths, hunks)
		}
		if p.Diffstat == nil || p.Diffstat.Changed != 2 || p.Diffstat.Insertions != 21 || p.Diffstat.Deletions != 4 {
			t.Errorf("%s: diffstat %+v", name, p.Diffstat)
		}
		for _, n := range p.Notices {
			if n.Kind != NoticeRepair {
				t.Errorf("%s: unexpected notice %+v", name, n)
			}
		}
	}
	if d := mbox.Patches[0].Date.Sub(web.Patches[0].Date); d < -time.Minute || d > time.Minute {
		t.Errorf("dates differ by %v", d)
	}
	if mbox.Patches[0].Mangled || !web.Patches[0].Mangled {
		t.Errorf("Mangled: mbox %v, web %v", mbox.Patches[0].Mangled, web.Patches[0].Mangled)
	}
	if mbox.Patches[0].Message != web.Patches[0].Message {
		t.Errorf("commit messages differ")
	}
	compareHunks(t, mbox.Patches[0].Files, web.Patches[0].Files)
	checkRepairs(t, web.Patches[0], filepath.Join(seedDir, "arm64-kexec-smp-send-stop.lkml.txt"))
}

// compareHunks checks that every hunk has the same lines in both forms.
// The repair restores the lost prefix exactly; what it cannot restore is
// the archive's collapsing of leading whitespace (tabs, the space of " *"
// comment lines) inside the line content, so lines are compared exactly
// when the original had no leading whitespace and whitespace-insensitively
// otherwise.
func compareHunks(t *testing.T, want, got []*gitdiff.File) {
	t.Helper()
	exact, loose := 0, 0
	for i, f := range want {
		for j, fr := range f.TextFragments {
			gfr := got[i].TextFragments[j]
			if fr.Header() != gfr.Header() || len(fr.Lines) != len(gfr.Lines) {
				t.Fatalf("hunk %d.%d: %q (%d lines) vs %q (%d lines)", i, j, fr.Header(), len(fr.Lines), gfr.Header(), len(gfr.Lines))
			}
			for k, l := range fr.Lines {
				g := gfr.Lines[k]
				if l.Op != g.Op {
					t.Errorf("hunk %d.%d line %d: op %v vs %v", i, j, k, l.Op, g.Op)
				}
				switch {
				case l.Line == g.Line:
					exact++
				case strings.Join(strings.Fields(l.Line), " ") == strings.Join(strings.Fields(g.Line), " ") && strings.TrimLeft(l.Line, " \t") != l.Line:
					loose++
				default:
					t.Errorf("hunk %d.%d line %d: %q vs %q", i, j, k, l.Line, g.Line)
				}
			}
		}
	}
	t.Logf("hunk lines: %d identical, %d identical up to collapsed leading whitespace", exact, loose)
	if exact == 0 || loose == 0 {
		t.Errorf("expected both identical and whitespace-collapsed lines, got %d and %d", exact, loose)
	}
}

// checkRepairs checks that each repair notice points at the input line it
// repaired.
func checkRepairs(t *testing.T, p *Patch, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	repairs := 0
	for _, n := range p.Notices {
		if n.Kind != NoticeRepair {
			continue
		}
		repairs++
		if n.Pos.File != path || n.Pos.Line < 1 || n.Pos.Line > len(lines) {
			t.Errorf("repair at %+v", n.Pos)
			continue
		}
		l := lines[n.Pos.Line-1]
		if l == "" || l[0] == ' ' || l[0] == '+' || l[0] == '-' || !strings.Contains(n.Message, truncate(l, 60)) {
			t.Errorf("repair %q points at line %d %q", n.Message, n.Pos.Line, l)
		}
	}
	// 20 non-empty context lines lost their leading space in the archive.
	if repairs != 20 {
		t.Errorf("%d repairs, want 20", repairs)
	}
}
