//go:build nocompile

package semantics

type Build struct{}

func (a *analyzer) build(cfg Config) {}
