package compile

import (
	"github.com/patchcheck/patchcheck/semantics/cfront"
	"github.com/patchcheck/patchcheck/sim"
)

// printk emits a printk-family call. Only the format reaches the machine
// (the console cost depends on the level, not on the values printed), so
// the other arguments are not evaluated: they are formatting helpers
// (cpumask_pr_args, jiffies_to_msecs) that would otherwise be unknown calls.
func (g *fn) printk(name string, lvl int64, args []cfront.Expr, pos cfront.Pos) opnd {
	format := ""
	if len(args) > 0 {
		s, ok := args[0].(*cfront.StringLit)
		if !ok {
			g.diag("unsupported", name, pos, "%s with a format that is not a string literal", name)
		} else {
			format = s.Value
		}
	}
	if name == "printk" && len(format) >= 2 && format[0] == '\x01' {
		if format[1] >= '0' && format[1] <= '7' {
			lvl = int64(format[1] - '0')
		}
		format = format[2:]
	}
	for _, a := range args[min(1, len(args)):] {
		if g.c.hasEffects(a) {
			g.diag("unsupported", name, pos, "%s argument with side effects is not evaluated", name)
		}
	}
	l := g.constReg(lvl, tInt)
	g.prim(sim.PrimPrintk, []int32{l.r}, -1, g.c.str(format))
	return g.void()
}

// hasEffects reports whether evaluating e could change state: assignments,
// increments, or calls other than pure formatting helpers and functions of
// the sources whose bodies have none (kernel/cpu.c's pr_warn() argument
// cpuhp_get_step(st->state)->name).
func (c *compiler) hasEffects(e cfront.Node) bool { return c.effects(e, nil) }

// effects is hasEffects, where an assignment or increment of one of the
// locals is not an effect.
func (c *compiler) effects(e cfront.Node, locals map[string]bool) bool {
	eff := false
	walk(e, func(n cfront.Node) {
		switch n := n.(type) {
		case *cfront.AssignExpr:
			if id, ok := n.X.(*cfront.Ident); !ok || !locals[id.Name] {
				eff = true
			}
		case *cfront.IncDecExpr:
			if id, ok := n.X.(*cfront.Ident); !ok || !locals[id.Name] {
				eff = true
			}
		case *cfront.CallExpr:
			id, ok := n.Fun.(*cfront.Ident)
			if !ok || !pureHelpers[id.Name] && !c.pureFunc(id.Name) {
				eff = true
			}
		}
	})
	return eff
}

// pureFunc reports whether name is a function of the sources whose body
// assigns nothing outside its own locals and calls only such functions and
// pure helpers; a function met again while it is judged (recursion) is
// not pure.
func (c *compiler) pureFunc(name string) bool {
	i, ok := c.funcIdx[name]
	if !ok {
		return false
	}
	if v, done := c.pure[name]; done {
		return v
	}
	c.pure[name] = false
	body := c.funcs[i].decl.Body
	v := body != nil && !c.hasEffectsOutsideLocals(body)
	c.pure[name] = v
	return v
}

// hasEffectsOutsideLocals is hasEffects of a body whose assignments to
// its own locals (declared in it, not parameters) are not effects.
func (c *compiler) hasEffectsOutsideLocals(b *cfront.BlockStmt) bool {
	locals := map[string]bool{}
	walk(b, func(n cfront.Node) {
		if ds, ok := n.(*cfront.DeclStmt); ok {
			for _, d := range ds.Decls {
				if !d.Static && !d.Extern {
					locals[d.Name] = true
				}
			}
		}
	})
	return c.effects(b, locals)
}

var pureHelpers = map[string]bool{
	"cpumask_pr_args": true, "jiffies_to_msecs": true, "smp_processor_id": true, "raw_smp_processor_id": true,
	"cpu_logical_map": true, "num_online_cpus": true, "cpu_online": true, "likely": true, "unlikely": true,
	"per_cpu": true, "READ_ONCE": true, "atomic_read": true,
}
