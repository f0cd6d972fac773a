package parse

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
)

var (
	// " path | 17 ++++---" (whitespace may be collapsed by web archives)
	diffstatLine = regexp.MustCompile(`^\s*(\S.*?)\s*\|\s*(\d+)\s*[+-]*\s*$`)
	// " path | Bin 0 -> 1234 bytes"
	diffstatBin = regexp.MustCompile(`^\s*(\S.*?)\s*\|\s*Bin\b`)
	// " 2 files changed, 21 insertions(+), 4 deletions(-)"
	diffstatSum = regexp.MustCompile(`^\s*(\d+) files? changed(?:, (\d+) insertions?\(\+\))?(?:, (\d+) deletions?\(-\))?\s*$`)
)

// parseDiffstat finds the diffstat among the lines between "---" and the
// diff. It returns nil when there is none.
func parseDiffstat(lines []string, pos func(int) Pos) *Diffstat {
	for i, l := range lines {
		mm := diffstatSum.FindStringSubmatch(l)
		if mm == nil {
			continue
		}
		ds := &Diffstat{Pos: pos(i)}
		ds.Changed, _ = strconv.Atoi(mm[1])
		ds.Insertions, _ = strconv.Atoi(mm[2])
		ds.Deletions, _ = strconv.Atoi(mm[3])
		start := i
		for start > 0 && (diffstatLine.MatchString(lines[start-1]) || diffstatBin.MatchString(lines[start-1])) {
			start--
		}
		for _, fl := range lines[start:i] {
			if b := diffstatBin.FindStringSubmatch(fl); b != nil {
				ds.Files = append(ds.Files, DiffstatFile{Path: b[1], Binary: true})
				continue
			}
			f := diffstatLine.FindStringSubmatch(fl)
			n, _ := strconv.Atoi(f[2])
			ds.Files = append(ds.Files, DiffstatFile{Path: f[1], Changes: n})
		}
		if start < i {
			ds.Pos = pos(start)
		}
		return ds
	}
	return nil
}

// checkDiffstat compares a diffstat with the parsed diff and returns a
// notice for each disagreement.
func checkDiffstat(ds *Diffstat, files []*gitdiff.File) []Notice {
	if ds == nil {
		return nil
	}
	var out []Notice
	add := func(format string, args ...any) {
		out = append(out, Notice{NoticeDiffstat, fmt.Sprintf(format, args...), ds.Pos})
	}
	ins, del := 0, 0
	for _, f := range files {
		a, d := fileCounts(f)
		ins += a
		del += d
	}
	if ds.Changed != len(files) {
		add("diffstat says %d files changed, the diff changes %d", ds.Changed, len(files))
	}
	if ds.Insertions != ins {
		add("diffstat says %d insertions, the diff has %d", ds.Insertions, ins)
	}
	if ds.Deletions != del {
		add("diffstat says %d deletions, the diff has %d", ds.Deletions, del)
	}
	for _, df := range ds.Files {
		f := matchDiffstatPath(df.Path, files)
		if f == nil {
			add("diffstat lists %s, which the diff does not change", df.Path)
			continue
		}
		if df.Binary || f.IsBinary {
			continue
		}
		a, d := fileCounts(f)
		if df.Changes != a+d {
			add("diffstat says %d lines of %s changed, the diff changes %d", df.Changes, df.Path, a+d)
		}
	}
	return out
}

func fileCounts(f *gitdiff.File) (added, deleted int) {
	for _, fr := range f.TextFragments {
		added += int(fr.LinesAdded)
		deleted += int(fr.LinesDeleted)
	}
	return
}

// matchDiffstatPath finds the file a diffstat path names. git shortens long
// paths to ".../tail" and writes renames as "old => new" or
// "dir/{old => new}/x".
func matchDiffstatPath(p string, files []*gitdiff.File) *gitdiff.File {
	p = strings.TrimSpace(p)
	newPath := p
	if i := strings.Index(p, " => "); i >= 0 {
		if l, r := strings.LastIndexByte(p[:i], '{'), strings.IndexByte(p[i:], '}'); l >= 0 && r >= 0 {
			newPath = p[:l] + p[i+4:i+r] + p[i+r+1:]
		} else {
			newPath = p[i+4:]
		}
		newPath = strings.ReplaceAll(newPath, "//", "/")
	}
	suffix := ""
	if strings.HasPrefix(newPath, "...") {
		suffix = newPath[3:]
	}
	for _, f := range files {
		name := f.NewName
		if f.IsDelete {
			name = f.OldName
		}
		if name == newPath || (suffix != "" && strings.HasSuffix(name, suffix)) {
			return f
		}
	}
	return nil
}
