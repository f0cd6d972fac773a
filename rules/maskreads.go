package rules

import (
	"reflect"
	"slices"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
)

// ReadsIRQMasks reports whether the expression may look at whether a CPU
// other than the event's has interrupts masked. The explorer merges a
// local_irq_enable into the step before it when nothing can come in between
// (sim/unmask.go), so a CPU is never seen resting masked just before it
// unmasks; such properties keep every unmask a step of its own.
//
// The event's own CPU (cpu.irqs_masked at an event) is safe: it is the CPU
// taking the step, never one resting at a merged unmask. Everything else that
// could reach the mask is counted: irqs_masked of any other CPU value, of
// cpu at "end" or "step" (where cpu may be the boot CPU, resting), and any
// use of a CPU as a whole (compared, printed, converted) rather than through
// one of its fields. When in doubt the answer is true, which only costs
// states.
func (r *PropertyRule) ReadsIRQMasks() bool {
	if r.prog != nil {
		return r.masks // worked out when the pack was read
	}
	return readsIRQMasks(r.At, r.Expr)
}

func readsIRQMasks(at, src string) bool {
	prog, err := expr.Compile(src, expr.Env(Env{}), expr.AsBool(), expr.Optimize(false))
	if err != nil {
		return true
	}
	node := prog.Node()
	v := &maskReads{eventCPU: at != "end" && at != "step", allowed: map[ast.Node]bool{}}
	ast.Walk(&node, v) // each parent marks the children it uses only through a field, an index or an iteration
	ast.Walk(&node, &maskCheck{v})
	return v.reads
}

var (
	cpuType = reflect.TypeOf(CPUEnv{})
	envType = reflect.TypeOf(Env{})
)

// holdsCPU reports whether values of type t contain a whole CPU (or the
// whole environment), or may (an interface).
func holdsCPU(t reflect.Type) bool {
	for t != nil {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
			t = t.Elem()
			continue
		case reflect.Interface:
			return true
		}
		return t == cpuType || t == envType
	}
	return false
}

// iterating are the builtins whose first argument is a collection they
// hand to a predicate one element at a time (# in the predicate).
var iterating = []string{"all", "any", "none", "one", "filter", "map", "count", "find", "findIndex", "findLast", "findLastIndex", "len"}

type maskReads struct {
	eventCPU bool
	allowed  map[ast.Node]bool // CPU-valued nodes used only through a field, an index or an iteration
	reads    bool
}

func (v *maskReads) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.MemberNode:
		v.allowed[n.Node] = true
		name, ok := n.Property.(*ast.StringNode)
		if !ok {
			// an index into a collection is fine; a computed field name
			// of a CPU is not
			if t := n.Node.Type(); t != nil && t.Kind() == reflect.Struct {
				v.reads = true
			}
			return
		}
		if name.Value != "irqs_masked" {
			return
		}
		if id, ok := n.Node.(*ast.IdentifierNode); ok && id.Value == "cpu" && v.eventCPU {
			return
		}
		v.reads = true
	case *ast.BuiltinNode:
		if len(n.Arguments) > 0 && slices.Contains(iterating, n.Name) {
			v.allowed[n.Arguments[0]] = true
		}
	case *ast.VariableDeclaratorNode:
		if n.Name == "cpu" {
			v.reads = true // cpu is no longer the event's CPU
		}
	}
}

type maskCheck struct{ *maskReads }

func (v *maskCheck) Visit(node *ast.Node) {
	// any other value that holds a CPU may carry its mask
	if n := *node; !v.allowed[n] && holdsCPU(n.Type()) {
		v.reads = true
	}
}
