package compile

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/patchcheck/patchcheck/sim"
)

// Fprint writes a readable listing of p: globals, per-CPU variables,
// strings, then every function with each instruction, its source location
// and the source text of that line, and the polling loops. The listing
// depends only on p, so the listings of a BEFORE and an AFTER program can
// be diffed.
func Fprint(w io.Writer, p *sim.Program) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "entries: boot=%s secondary=%s irq=%s\n", funcName(p, p.Entry.Boot), funcName(p, p.Entry.Secondary), funcName(p, p.Entry.IRQ))
	for i, g := range p.Globals {
		fmt.Fprintf(bw, "global g%d %s %s = %s%s\n", i, g.Name, typeString(g.Type), valueString(g.Init, g.Type), cpuNote(g.CPU))
	}
	for i, g := range p.PerCPU {
		fmt.Fprintf(bw, "percpu p%d %s %s = %s%s\n", i, g.Name, typeString(g.Type), valueString(g.Init, g.Type), cpuNote(g.CPU))
	}
	for i, s := range p.Strings {
		fmt.Fprintf(bw, "string s%d %s\n", i, strconv.Quote(s))
	}
	for fi := range p.Funcs {
		f := &p.Funcs[fi]
		fmt.Fprintf(bw, "\nfunc f%d %s(params %d) regs %d masks %d", fi, f.Name, f.Params, f.NumRegs, f.NumMasks)
		if f.NoReturn {
			bw.WriteString(" noreturn")
		}
		if l := locString(p, f.Loc); l != "" {
			bw.WriteString("  ; " + l)
		}
		bw.WriteByte('\n')
		var cpu []string
		for r, ok := range f.CPUReg {
			if ok {
				cpu = append(cpu, "r"+strconv.Itoa(r))
			}
		}
		if len(cpu) > 0 {
			fmt.Fprintf(bw, "  cpu ids: %s\n", strings.Join(cpu, " "))
		}
		prev := int32(-1)
		for pc, in := range f.Code {
			text := InstrString(p, &in)
			note := ""
			if in.Loc != prev {
				note = locString(p, in.Loc)
				if int(in.Loc) < len(p.Locs) && p.Locs[in.Loc].Text != "" {
					note += "  " + p.Locs[in.Loc].Text
				}
				prev = in.Loc
			}
			if note != "" {
				fmt.Fprintf(bw, "  %4d  %-44s ; %s\n", pc, text, note)
			} else {
				fmt.Fprintf(bw, "  %4d  %s\n", pc, text)
			}
		}
	}
	for i, wt := range p.Waits {
		exp := "never"
		if wt.Expired >= 0 {
			exp = strconv.Itoa(int(wt.Expired))
		}
		fmt.Fprintf(bw, "\nwait w%d %q bound %q cond [%d,%d) r%d satisfied %d expired %s ; %s\n",
			i, wt.Name, wt.Bound, wt.CondStart, wt.CondEnd, wt.CondReg, wt.Satisfied, exp, locString(p, wt.Loc))
	}
	return bw.Flush()
}

func cpuNote(b bool) string {
	if b {
		return " (cpu id)"
	}
	return ""
}

func funcName(p *sim.Program, i int32) string {
	if i < 0 || int(i) >= len(p.Funcs) {
		return "-"
	}
	return p.Funcs[i].Name
}

func locString(p *sim.Program, i int32) string {
	if i < 0 || int(i) >= len(p.Locs) {
		return ""
	}
	l := p.Locs[i]
	return fmt.Sprintf("%s:%d %s", l.File, l.Line, l.Side)
}

func typeString(t sim.Type) string {
	switch {
	case t.Bits == 1:
		return "bool"
	case t.Signed:
		return "s" + strconv.Itoa(int(t.Bits))
	}
	return "u" + strconv.Itoa(int(t.Bits))
}

func valueString(v uint64, t sim.Type) string {
	if t.Signed {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatUint(v, 10)
}

var binNames = [...]string{sim.Add: "add", sim.Sub: "sub", sim.Mul: "mul", sim.Div: "div", sim.Mod: "mod",
	sim.And: "and", sim.Or: "or", sim.Xor: "xor", sim.Shl: "shl", sim.Shr: "shr",
	sim.Eq: "eq", sim.Ne: "ne", sim.Lt: "lt", sim.Le: "le", sim.Gt: "gt", sim.Ge: "ge"}

var unNames = [...]string{sim.Neg: "neg", sim.Not: "not", sim.BitNot: "bitnot"}

var atomicNames = [...]string{sim.AtomicAdd: "add", sim.AtomicXchg: "xchg", sim.AtomicCmpxchg: "cmpxchg", sim.AtomicOr: "or"}

func regs(rs []int32) string {
	var parts []string
	for _, r := range rs {
		parts = append(parts, "r"+strconv.Itoa(int(r)))
	}
	return strings.Join(parts, ", ")
}

func dst(a int32) string {
	if a < 0 {
		return ""
	}
	return fmt.Sprintf("r%d = ", a)
}

func name(list []string, i uint8) string {
	if int(i) < len(list) && list[i] != "" {
		return list[i]
	}
	return "op" + strconv.Itoa(int(i))
}

// InstrString renders one instruction.
func InstrString(p *sim.Program, in *sim.Instr) string {
	ty := typeString(in.Type)
	switch in.Op {
	case sim.OpNop:
		return "nop"
	case sim.OpConst:
		return fmt.Sprintf("r%d = %s %s", in.A, ty, valueString(uint64(in.Imm), in.Type))
	case sim.OpMov:
		return fmt.Sprintf("r%d = r%d", in.A, in.B)
	case sim.OpBin:
		return fmt.Sprintf("r%d = %s.%s r%d, r%d", in.A, name(binNames[:], in.Sub), ty, in.B, in.C)
	case sim.OpUn:
		return fmt.Sprintf("r%d = %s.%s r%d", in.A, name(unNames[:], in.Sub), ty, in.B)
	case sim.OpConv:
		return fmt.Sprintf("r%d = conv.%s.%s r%d", in.A, ty, typeString(in.Type2), in.B)
	case sim.OpJump:
		return fmt.Sprintf("jump %d", in.Target)
	case sim.OpBranch:
		return fmt.Sprintf("branch r%d ? %d : %d", in.A, in.Target, in.Target2)
	case sim.OpCall:
		return fmt.Sprintf("%scall %s(%s)", dst(in.A), funcName(p, int32(in.Imm)), regs(in.Args))
	case sim.OpCallInd:
		return fmt.Sprintf("%scall *r%d(%s)", dst(in.A), in.B, regs(in.Args))
	case sim.OpRet:
		if in.A < 0 {
			return "ret"
		}
		return fmt.Sprintf("ret r%d", in.A)
	case sim.OpPrim:
		s := dst(in.A) + "prim "
		if int(in.Sub) < len(sim.Prims) {
			s += sim.Prims[in.Sub].Name
		} else {
			s += "prim" + strconv.Itoa(int(in.Sub))
		}
		s += "(" + regs(in.Args) + ")"
		if int(in.Sub) < len(sim.Prims) && sim.Prims[in.Sub].Mask {
			s += fmt.Sprintf(" mask m%d", in.M)
		}
		switch sim.Prim(in.Sub) {
		case sim.PrimPrintk, sim.PrimPanic, sim.PrimUnknownCall, sim.PrimCost:
			if in.Imm >= 0 && int(in.Imm) < len(p.Strings) {
				s += " " + strconv.Quote(p.Strings[in.Imm])
			}
		}
		return s
	case sim.OpLoadG:
		return fmt.Sprintf("r%d = load.%s %s", in.A, ty, globalName(p.Globals, in.Imm))
	case sim.OpStoreG:
		return fmt.Sprintf("store.%s %s = r%d", ty, globalName(p.Globals, in.Imm), in.A)
	case sim.OpLoadPCPU:
		return fmt.Sprintf("r%d = load.%s %s[r%d]", in.A, ty, globalName(p.PerCPU, in.Imm), in.B)
	case sim.OpStorePCPU:
		return fmt.Sprintf("store.%s %s[r%d] = r%d", ty, globalName(p.PerCPU, in.Imm), in.B, in.A)
	case sim.OpWait:
		return fmt.Sprintf("wait w%d", in.Imm)
	case sim.OpFuncRef:
		return fmt.Sprintf("r%d = &%s", in.A, funcName(p, int32(in.Imm)))
	case sim.OpAtomic:
		v := globalName(p.Globals, in.Imm)
		if len(in.Args) == 1 {
			v = fmt.Sprintf("%s[r%d]", globalName(p.PerCPU, in.Imm), in.Args[0])
		}
		return fmt.Sprintf("%satomic.%s.%s %s, r%d, r%d", dst(in.A), name(atomicNames[:], in.Sub), ty, v, in.B, in.C)
	}
	return fmt.Sprintf("op%d", in.Op)
}

func globalName(gs []sim.Global, i int64) string {
	if i < 0 || int(i) >= len(gs) {
		return "?" + strconv.FormatInt(i, 10)
	}
	return gs[i].Name
}
