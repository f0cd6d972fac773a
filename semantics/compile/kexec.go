package compile

import (
	"github.com/patchcheck/patchcheck/semantics/cfront"
	"github.com/patchcheck/patchcheck/sim"
)

// The kexec image (struct kimage) is data the machine does not hold: the
// images are model.h's kexec_image (a kexec_load() image, loaded before
// the paths start) and kexec_crash_image (the crash kernel, when loaded).
// machine_kexec() (v5.15 on) reads a few of its fields; kimageFields says,
// for each, what the machine takes it to be. Any other field is reported.
//
//   - head: the first entry of the image's relocation list. A crash image
//     is loaded in place, so its list is empty and head is IND_DONE
//     (kimage_terminate() writes it there); a kexec_load() image's list
//     starts with its first segment's IND_DESTINATION entry.
//   - the physical addresses and page-table values (start, arch.dtb_mem,
//     arch.el2_vectors, arch.ttbr0, arch.t0sz): addresses are not
//     modelled; they are only passed to the relocation, and read as 0.
//   - arch.kern_reloc: the physical address of the relocation code
//     machine_kexec_post_load() copied (arm64_relocate_new_kernel); a
//     call through it is the relocation (relocRef).
var kimageFields = map[string]bool{
	"head": true, "start": true, "arch.dtb_mem": true, "arch.el2_vectors": true,
	"arch.ttbr0": true, "arch.t0sz": true, "arch.kern_reloc": true,
}

// kimagePath returns, for p->f or p->a.f with p a struct kimage pointer,
// the pointer expression and the field path ("head", "arch.kern_reloc").
func (g *fn) kimagePath(e cfront.Expr) (cfront.Expr, string, bool) {
	m, ok := e.(*cfront.MemberExpr)
	if !ok {
		return nil, "", false
	}
	if m.Arrow {
		t, known := g.staticType(m.X)
		if !known || t.k != kStructPtr || t.name != "kimage" {
			return nil, "", false
		}
		return m.X, m.Name, true
	}
	p, path, ok := g.kimagePath(m.X)
	if !ok {
		return nil, "", false
	}
	return p, path + "." + m.Name, true
}

// kimageValue compiles the read of a kimage field (see kimageFields).
func (g *fn) kimageValue(m *cfront.MemberExpr) (opnd, bool) {
	p, path, ok := g.kimagePath(m)
	if !ok {
		return opnd{}, false
	}
	if !kimageFields[path] {
		g.diag("unsupported", path, m.Pos, "field %s of struct kimage, which the model does not hold", path)
		return g.constReg(0, tUlong), true
	}
	if path != "head" {
		g.value(p)
		return g.constReg(0, tUlong), true
	}
	img := g.value(p)
	crash, ok := g.c.globals["kexec_crash_image"]
	done, _, ok1 := g.c.lookupConst("IND_DONE")
	dest, _, ok2 := g.c.lookupConst("IND_DESTINATION")
	if !ok || crash.perCPU || !ok1 || !ok2 {
		g.diag("unknown-identifier", "kexec_crash_image", m.Pos, "kimage->head needs kexec_crash_image, IND_DONE and IND_DESTINATION from the sources")
		return g.constReg(0, tUlong), true
	}
	c := g.load(lvalue{kind: lvGlobal, g: crash, t: crash.typ})
	eq := g.newReg()
	g.emit(sim.Instr{Op: sim.OpBin, Sub: uint8(sim.Eq), Type: sim.Ulong, A: eq, B: img.r, C: c.r})
	r := g.newReg()
	yes, no, end := g.newLabel(), g.newLabel(), g.newLabel()
	g.branch(eq, yes, no)
	g.bind(yes)
	g.emit(sim.Instr{Op: sim.OpConst, A: r, Type: sim.Ulong, Imm: done})
	g.jump(end)
	g.bind(no)
	g.emit(sim.Instr{Op: sim.OpConst, A: r, Type: sim.Ulong, Imm: dest})
	g.bind(end)
	return opnd{r, tUlong}, true
}

// relocRef reports whether e, casts aside, is the address of the kexec
// relocation: (void *)__pa_symbol(cpu_soft_restart) (the soft restart
// run from the identity map) or (void *)kimage->arch.kern_reloc (the
// copied relocation code). A call through a local assigned from one is the
// relocation (PrimRelocate), as a direct cpu_soft_restart() call is.
func (g *fn) relocRef(e cfront.Expr) bool {
	for {
		c, ok := e.(*cfront.CastExpr)
		if !ok {
			break
		}
		e = c.X
	}
	if c, ok := e.(*cfront.CallExpr); ok {
		if id, ok := c.Fun.(*cfront.Ident); ok && id.Name == "__pa_symbol" && len(c.Args) == 1 && !g.defined("__pa_symbol") {
			return isIdent(c.Args[0], "cpu_soft_restart") && !g.defined("cpu_soft_restart")
		}
	}
	if _, path, ok := g.kimagePath(e); ok && path == "arch.kern_reloc" {
		return true
	}
	return false
}
