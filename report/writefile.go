package report

// WriteFileAtomic writes data to name through a temporary file in the same
// directory and a rename, so that a reader never sees half a file. The
// command uses it for outputs that are not a Report (--parse-only).
func WriteFileAtomic(name string, data []byte) error {
	return writeFileAtomic(name, data)
}
