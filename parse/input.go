package parse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
)

// Default limits. A kernel series is a few MiB at most; the limits exist so
// that a hostile or mistaken input ends in a clear error instead of
// exhausting memory.
const (
	DefaultMaxSize = 256 << 20 // total bytes of one input
	DefaultMaxLine = 1 << 20   // bytes of one line
	// MaxHunks bounds the hunks of one patch and of a whole series. The
	// largest tree-wide kernel patches have some tens of thousands; every
	// hunk costs the later stages hundreds of bytes to kilobytes, so an
	// input past this is refused rather than allowed to take gigabytes.
	MaxHunks = 100_000
)

// Options tunes parsing. The zero value uses the defaults.
type Options struct {
	MaxSize int64 // largest accepted input in bytes; 0 means DefaultMaxSize
	MaxLine int   // longest accepted line in bytes; 0 means DefaultMaxLine
}

func (o *Options) maxSize() int64 {
	if o == nil || o.MaxSize <= 0 {
		return DefaultMaxSize
	}
	return o.MaxSize
}

func (o *Options) maxLine() int {
	if o == nil || o.MaxLine <= 0 {
		return DefaultMaxLine
	}
	return o.MaxLine
}

// readInput reads all of r, enforcing the size and line limits and
// rejecting NUL bytes as it goes, so that an oversized input is refused
// after reading at most the limit, never the whole of it.
func readInput(name string, r io.Reader, opts *Options) ([]byte, error) {
	maxSize, maxLine := opts.maxSize(), opts.maxLine()
	var buf bytes.Buffer
	// Size the buffer once when the size is known, instead of doubling.
	if st, ok := r.(interface{ Stat() (os.FileInfo, error) }); ok {
		if fi, err := st.Stat(); err == nil && fi.Mode().IsRegular() {
			buf.Grow(int(min(fi.Size(), maxSize)) + 1)
		}
	} else if l, ok := r.(interface{ Len() int }); ok {
		buf.Grow(int(min(int64(l.Len()), maxSize)) + 1)
	}
	chunk := make([]byte, 64<<10)
	line, lineLen := 1, 0
	for {
		n, err := r.Read(chunk)
		p := chunk[:n]
		over := false
		if rest := maxSize - int64(buf.Len()); int64(n) > rest {
			p, over = p[:rest], true
		}
		for len(p) > 0 {
			i := bytes.IndexByte(p, '\n')
			seg := p
			if i >= 0 {
				seg = p[:i]
			}
			if z := bytes.IndexByte(seg, 0); z >= 0 {
				return nil, &Error{Pos{name, line}, "NUL byte in input (binary file, or UTF-16 text?)"}
			}
			lineLen += len(seg)
			if lineLen > maxLine {
				return nil, &Error{Pos{name, line}, fmt.Sprintf("line is longer than the limit of %d bytes", maxLine)}
			}
			buf.Write(seg)
			if i < 0 {
				break
			}
			buf.WriteByte('\n')
			line++
			lineLen = 0
			p = p[i+1:]
		}
		if over {
			return nil, &Error{Pos{name, line}, fmt.Sprintf("input is larger than the limit of %d bytes", maxSize)}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *Error
			if errors.As(err, &pe) {
				return nil, err
			}
			return nil, &Error{Pos{name, 0}, "read: " + err.Error()}
		}
	}
	return buf.Bytes(), nil
}
