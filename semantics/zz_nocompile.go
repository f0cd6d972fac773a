//go:build nocompile

package semantics

import "github.com/patchcheck/patchcheck/sim"

type Build struct{ Program *sim.Program }

func (b *Build) FuncLines(string) []string { return nil }

func (a *analyzer) build(cfg Config) {}
