package parse

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ulikunitz/xz"
	"golang.org/x/tools/txtar"
)

const seedPath = "../fixtures/seed/arm64-kexec-smp-send-stop.mbox"

func gzipped(t *testing.T, parts ...[]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	for _, p := range parts { // one gzip member per part, as cat a.gz b.gz makes
		zw := gzip.NewWriter(&buf)
		if _, err := zw.Write(p); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func xzed(t *testing.T, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := xz.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestCompressedInputs reads the seed gzip- and xz-compressed, from a file
// and from a pipe, and a lore-style t.mbox.gz of several gzip members: the
// series is the one the plain text gives.
func TestCompressedInputs(t *testing.T) {
	seed, err := os.ReadFile(seedPath)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := Parse("seed.mbox", bytes.NewReader(seed), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := describe(plain)
	half := bytes.Index(seed, []byte("\ndiff --git")) + 1
	dir := t.TempDir()
	for _, tt := range []struct {
		name string
		data []byte
	}{
		{"t.mbox.gz", gzipped(t, seed)},
		{"t.mbox.xz", xzed(t, seed)},
		{"two-members.mbox.gz", gzipped(t, seed[:half], seed[half:])},
		{"no-suffix", gzipped(t, seed)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name)
			if err := os.WriteFile(path, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			fromFile, err := Parse("seed.mbox", f, nil)
			if err != nil {
				t.Fatal(err)
			}
			// A pipe cannot be rewound: io.MultiReader hides the Seek.
			fromPipe, err := Parse("seed.mbox", io.MultiReader(bytes.NewReader(tt.data)), nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []*Series{fromFile, fromPipe} {
				if got := describe(s); got != want {
					t.Errorf("series differs from the plain input:\n%s\nwant\n%s", got, want)
				}
			}
		})
	}
}

// TestCompressedErrors: a damaged archive is an input error naming the
// file, and the size limit applies to the decompressed text.
func TestCompressedErrors(t *testing.T) {
	seed, err := os.ReadFile(seedPath)
	if err != nil {
		t.Fatal(err)
	}
	gz := gzipped(t, seed)
	corrupt := bytes.Clone(gz)
	corrupt[len(corrupt)-6] ^= 0xff // the CRC-32 of the member
	bomb := gzipped(t, bytes.Repeat([]byte("From x\n"), 1<<20))
	for _, tt := range []struct {
		name string
		data []byte
		opts *Options
		want string
	}{
		{"cut.gz", gz[:len(gz)/2], nil, "cut.gz: gzip: the compressed input is cut short"},
		{"corrupt.gz", corrupt, nil, "corrupt.gz: gzip: invalid checksum"},
		{"cut.xz", xzed(t, seed)[:200], nil, "cut.xz: xz: "},
		{"bomb.gz", bomb, &Options{MaxSize: 1 << 20}, "bomb.gz:149797: input is larger than the limit of 1048576 bytes"},
		{"header.gz", gzipMagic, nil, "header.gz: gzip: the compressed input is cut short"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.name, bytes.NewReader(tt.data), tt.opts)
			var pe *Error
			if !errors.As(err, &pe) || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error %v, want a *parse.Error starting %q", err, tt.want)
			}
		})
	}
}

// TestDirectoryInput reads a git format-patch output directory: its patch
// files in file-name order (not creation order), other files left out.
func TestDirectoryInput(t *testing.T) {
	a, err := txtar.ParseFile("../fixtures/forms/format-patch-files.txtar")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var patches []txtar.File
	for _, f := range a.Files {
		if strings.HasSuffix(f.Name, ".patch") {
			patches = append(patches, f)
		}
	}
	if len(patches) != 2 {
		t.Fatalf("%d patch files in the bundle", len(patches))
	}
	// Written last first; the second compressed, as b4 may leave them.
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(patches[1].Name+".gz", gzipped(t, patches[1].Data))
	write(patches[0].Name, patches[0].Data)
	write("README", []byte("not a patch\n"))
	write(".0000-hidden.patch", []byte("not read\n"))
	if err := os.Mkdir(filepath.Join(dir, "0000-sub.patch"), 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := ParseFiles([]string{dir}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var inputs []string
	for _, in := range s.Inputs {
		inputs = append(inputs, filepath.Base(in.Name))
	}
	if got, want := strings.Join(inputs, " "), patches[0].Name+" "+patches[1].Name+".gz"; got != want {
		t.Errorf("inputs %s, want %s", got, want)
	}
	one, err := Parse("x", bytes.NewReader(patches[0].Data), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Patches) != 2 || s.Patches[0].Subject != one.Patches[0].Subject {
		t.Errorf("%d patches, first %q; want 2, first %q", len(s.Patches), s.Patches[0].Subject, one.Patches[0].Subject)
	}

	empty := t.TempDir()
	write2 := filepath.Join(empty, "notes.txt")
	if err := os.WriteFile(write2, []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseFiles([]string{empty}, nil, nil); err == nil || !strings.Contains(err.Error(), "is a directory with no patch files") {
		t.Errorf("directory without patches: %v", err)
	}
}
