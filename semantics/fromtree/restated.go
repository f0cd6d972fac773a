package fromtree

import (
	"fmt"

	"github.com/patchcheck/patchcheck/semantics/models"
)

// Some kernel functions on the paths are not taken from the tree at all:
// the prelude (model.h) restates them, reduced to what the machine models
// (do_kernel_restart()'s handler chain is PSCI's reset, crash_save_cpu()
// only marks the note written), or an entry of the prelude is their
// restatement (panic_entry() is v5.10's panic()). They are on the paths as
// much as the functions compiled from the tree, so Result lists them as
// bound, where the tree defines them, with the prelude line that stands in.

// entryRestatements are the prelude's entries that restate a kernel
// function of a file the library does not read: the entry, and the
// function's file and name in the tree.
var entryRestatements = []struct{ entry, file, name, why string }{
	{"panic_entry", "kernel/panic.c", "panic",
		"v5.10's panic() restated as model.h's panic_entry(), the console, notifier and timeout handling left out " +
			"(later kernels' vpanic() formats into character buffers and counts its blink loop, outside the subset)"},
}

// restatedFuncs lists, as bound, the tree's functions that the taken ones
// call and the prelude restates (restated: the names), and the kernel
// functions the prelude's entries restate; lines are the prelude's
// definitions (preludeNames).
func restatedFuncs(t Files, lines map[string]int, files map[string]*treeFile, definedIn map[string]string, restated map[string]bool) []Func {
	var out []Func
	for name := range restated {
		p := definedIn[name]
		out = append(out, Func{Name: name, File: p, Line: files[p].defs[name].first, Origin: Bound,
			Why: fmt.Sprintf("%s:%d restates it; the tree's text is not compiled", models.PreludePath, lines[name])})
	}
	for _, er := range entryRestatements {
		if lines[er.entry] == 0 {
			continue
		}
		f := Func{Name: er.name, File: er.file, Origin: Bound,
			Why: fmt.Sprintf("%s (%s:%d)", er.why, models.PreludePath, lines[er.entry])}
		if text, _, err := t.File(er.file); err == nil {
			// Only the line is wanted: the first definition, whichever
			// branch of an #ifdef it is in.
			for _, it := range scanItems(string(text), nil) {
				if it.fn && it.names[0] == er.name {
					f.Line = it.first
					break
				}
			}
		}
		out = append(out, f)
	}
	return out
}
