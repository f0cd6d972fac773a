package parse

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ulikunitz/xz"
)

// Compressed inputs are recognised by their magic bytes, not their names,
// so that a t.mbox.gz saved under another name, or piped to "-", reads the
// same. The size and line limits apply to the decompressed text: a small
// file that inflates past them is refused like a large one.
var (
	gzipMagic = []byte{0x1f, 0x8b}
	xzMagic   = []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}
)

// decompress returns a reader of r's text: r itself, or a gzip (every
// member of a multi-member file, as zcat reads it) or xz decoder over it.
// The second result names the compression, "" for none.
func decompress(name string, r io.Reader) (io.Reader, string, error) {
	// A file or buffer is looked at and rewound, so that an uncompressed
	// input is read as it was given (readInput sizes its buffer from it);
	// a pipe is looked at through a buffer.
	var head []byte
	if rs, ok := r.(io.ReadSeeker); ok {
		if pos, err := rs.Seek(0, io.SeekCurrent); err == nil {
			buf := make([]byte, len(xzMagic))
			n, _ := io.ReadFull(rs, buf)
			if _, err := rs.Seek(pos, io.SeekStart); err == nil {
				head = buf[:n]
			}
		}
	}
	if head == nil {
		br := bufio.NewReader(r)
		head, _ = br.Peek(len(xzMagic))
		r = br
	}
	switch {
	case bytes.HasPrefix(head, gzipMagic):
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, "", decodeError(name, "gzip", err)
		}
		return &decodeErrors{name, "gzip", zr}, "gzip", nil
	case bytes.HasPrefix(head, xzMagic):
		zr, err := xz.NewReader(r)
		if err != nil {
			return nil, "", decodeError(name, "xz", err)
		}
		return &decodeErrors{name, "xz", zr}, "xz", nil
	}
	return r, "", nil
}

// decodeErrors names the file and the compression in a decoder's errors:
// a truncated or corrupt archive is an input error like any other.
type decodeErrors struct {
	name, kind string
	r          io.Reader
}

func (d *decodeErrors) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	if err != nil && err != io.EOF {
		err = decodeError(d.name, d.kind, err)
	}
	return n, err
}

func decodeError(name, kind string, err error) error {
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		return &Error{Pos{name, 0}, kind + ": the compressed input is cut short"}
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, kind+":") {
		msg = kind + ": " + msg
	}
	return &Error{Pos{name, 0}, msg}
}

// patchFileEndings are the names read from a directory: what git
// format-patch, b4 and mail clients write, compressed or not.
var patchFileEndings = []string{".patch", ".diff", ".eml", ".mbox", ".mail", ".mbx"}

func isPatchFile(name string) bool {
	base := strings.ToLower(name)
	for _, z := range []string{".gz", ".xz"} {
		base = strings.TrimSuffix(base, z)
	}
	return slices.ContainsFunc(patchFileEndings, func(ext string) bool { return strings.HasSuffix(base, ext) })
}

// dirFiles lists the patch files of a directory (git format-patch -o DIR,
// b4 am -o DIR) in file-name order, which for format-patch's numbered names
// (0000-cover-letter.patch, 0001-...) is the series order. Hidden files,
// subdirectories and files with other endings are left out.
func dirFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, &Error{Pos{dir, 0}, openError(err)}
	}
	var names []string
	for _, e := range entries { // ReadDir sorts by file name
		if strings.HasPrefix(e.Name(), ".") || !isPatchFile(e.Name()) {
			continue
		}
		if e.Type().IsRegular() || e.Type()&os.ModeSymlink != 0 {
			names = append(names, filepath.Join(dir, e.Name()))
		}
	}
	if len(names) == 0 {
		return nil, &Error{Pos{dir, 0}, "is a directory with no patch files (" + strings.Join(patchFileEndings, " ") + ", also compressed with .gz or .xz)"}
	}
	return names, nil
}
