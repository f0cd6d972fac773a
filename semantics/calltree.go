package semantics

import (
	"fmt"
	"io"
	"strings"

	"github.com/patchcheck/patchcheck/sim"
)

// WriteCallTree writes the call structure each CPU executes in p, from the
// three entries: every call, machine primitive, polling wait and store to a
// global, in code order, with the source line it came from (file:line and
// side: model, pre or post). A function is expanded once; later calls of it
// say so. Branches are not distinguished: the tree lists what a CPU may do,
// not one run.
func WriteCallTree(w io.Writer, p *sim.Program) error {
	var b strings.Builder
	done := map[int]bool{}
	entries := []struct {
		what string
		fn   int32
	}{
		{"boot CPU", p.Entry.Boot},
		{"secondary CPUs", p.Entry.Secondary},
		{"IRQ entry (argument: the IPI number)", p.Entry.IRQ},
	}
	if p.Entry.NMI != 0 {
		// asked at boot, with pseudo-NMI, which IPIs are NMIs
		entries = append(entries, struct {
			what string
			fn   int32
		}{"NMI entry (argument: the IPI number)", p.Entry.NMI - 1})
	}
	for _, e := range entries {
		if e.fn < 0 || int(e.fn) >= len(p.Funcs) {
			fmt.Fprintf(&b, "%s: none\n", e.what)
			continue
		}
		f := &p.Funcs[e.fn]
		fmt.Fprintf(&b, "%s: %s  %s\n", e.what, f.Name, locString(p, f.Loc))
		tree(&b, p, int(e.fn), 1, done, map[int]bool{int(e.fn): true})
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func tree(b *strings.Builder, p *sim.Program, fi, depth int, done, path map[int]bool) {
	if done[fi] {
		return
	}
	done[fi] = true
	ind := strings.Repeat("  ", depth)
	f := &p.Funcs[fi]
	refs := map[int32]int64{} // register -> function reference
	for _, in := range f.Code {
		loc := locString(p, in.Loc)
		switch in.Op {
		case sim.OpFuncRef:
			refs[in.A] = in.Imm
		case sim.OpCall:
			callee := int(in.Imm)
			g := &p.Funcs[callee]
			note := ""
			switch {
			case path[callee]:
				note = "  (recursive)"
			case done[callee]:
				note = "  (expanded above)"
			}
			fmt.Fprintf(b, "%scall %s  %s%s\n", ind, g.Name, loc, note)
			if !path[callee] && !done[callee] {
				path[callee] = true
				tree(b, p, callee, depth+1, done, path)
				delete(path, callee)
			}
		case sim.OpCallInd:
			fmt.Fprintf(b, "%scall through a function pointer  %s\n", ind, loc)
		case sim.OpPrim:
			spec := sim.Prims[in.Sub]
			arg := ""
			switch sim.Prim(in.Sub) {
			case sim.PrimPrintk, sim.PrimPanic, sim.PrimUnknownCall, sim.PrimCost:
				if in.Imm >= 0 && int(in.Imm) < len(p.Strings) {
					arg = fmt.Sprintf(" %q", p.Strings[in.Imm])
				}
			case sim.PrimStopMachine:
				if len(in.Args) > 0 {
					if r, ok := refs[in.Args[0]]; ok && int(r) < len(p.Funcs) {
						arg = " runs " + p.Funcs[r].Name + " on the target CPU"
					}
				}
			}
			fmt.Fprintf(b, "%s%s%s  %s\n", ind, spec.Name, arg, loc)
			if sim.Prim(in.Sub) == sim.PrimStopMachine && len(in.Args) > 0 {
				if r, ok := refs[in.Args[0]]; ok && int(r) < len(p.Funcs) && !done[int(r)] {
					path[int(r)] = true
					tree(b, p, int(r), depth+1, done, path)
					delete(path, int(r))
				}
			}
		case sim.OpWait:
			if in.Imm >= 0 && int(in.Imm) < len(p.Waits) {
				wt := p.Waits[in.Imm]
				fmt.Fprintf(b, "%swait %q, bound %s  %s\n", ind, wt.Name, wt.Bound, loc)
			}
		case sim.OpStoreG:
			if in.Imm >= 0 && int(in.Imm) < len(p.Globals) {
				fmt.Fprintf(b, "%sstore %s  %s\n", ind, p.Globals[in.Imm].Name, loc)
			}
		case sim.OpAtomic:
			name := ""
			if len(in.Args) == 1 && in.Imm >= 0 && int(in.Imm) < len(p.PerCPU) {
				name = "per-CPU " + p.PerCPU[in.Imm].Name
			} else if len(in.Args) == 0 && in.Imm >= 0 && int(in.Imm) < len(p.Globals) {
				name = p.Globals[in.Imm].Name
			}
			fmt.Fprintf(b, "%satomic %s %s  %s\n", ind, [...]string{"add", "xchg", "cmpxchg", "op"}[min(int(in.Sub), 3)], name, loc)
		case sim.OpStorePCPU:
			if in.Imm >= 0 && int(in.Imm) < len(p.PerCPU) {
				fmt.Fprintf(b, "%sstore per-CPU %s  %s\n", ind, p.PerCPU[in.Imm].Name, loc)
			}
		}
	}
}

func locString(p *sim.Program, i int32) string {
	if i < 0 || int(i) >= len(p.Locs) {
		return "(no source)"
	}
	l := p.Locs[i]
	return fmt.Sprintf("%s:%d %s", l.File, l.Line, l.Side)
}
