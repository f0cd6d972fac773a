package sim

import (
	"bytes"
	"fmt"
	"math/bits"
	"slices"
)

// cpuArgs[p] has bit i set when argument i of prim p is a CPU id.
var cpuArgs = [NumPrims]uint8{
	PrimCPUOnline: 1, PrimSetOnline: 1, PrimNextOnline: 1, PrimNextPossible: 1,
	PrimMaskClear: 1, PrimMaskSet: 1, PrimMaskTest: 1, PrimSendIPI: 1,
	PrimPSCIAffinityInfo: 1, PrimPSCICPUOn: 1, PrimTOSResidentOn: 1,
	PrimStopMachine: 4, PrimSchedHandoff: 1,
}

// cpuResult[p]: prim p returns a CPU id.
var cpuResult = [NumPrims]bool{PrimSelf: true, PrimNextOnline: true, PrimNextPossible: true, PrimFirstOnline: true}

// symmetryBreakers lists the reasons why renaming secondaries is not a
// symmetry of the program. Renaming is sound when CPU ids are only produced by
// smp_processor_id() (or read from CPU-flagged places), moved, compared for
// equality, stored in CPU-flagged registers and variables, and passed to prims
// in CPU-id positions, and when every prim used is Symmetric.
func (m *Machine) symmetryBreakers() []string {
	if m.n <= 2 {
		return nil // at most one secondary: nothing to permute
	}
	p := m.Prog
	var out []string
	seen := map[string]bool{}
	add := func(f *Func, in *Instr, msg string) {
		s := fmt.Sprintf("%s: %s", m.LocString(in.Loc), msg)
		if f != nil && (in.Loc < 0 || int(in.Loc) >= len(p.Locs)) {
			s = fmt.Sprintf("%s: %s", f.Name, msg)
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	reach := m.reachableFuncs()
	// Indirect calls can reach only functions whose reference is taken (and,
	// the machine checks, of the call's arity).
	var refd []int32
	for fi := range p.Funcs {
		if !reach[fi] {
			continue
		}
		for _, in := range p.Funcs[fi].Code {
			if in.Op == OpFuncRef && !slices.Contains(refd, int32(in.Imm)) {
				refd = append(refd, int32(in.Imm))
			}
		}
	}
	slices.Sort(refd)
	for fi := range p.Funcs {
		if !reach[fi] {
			continue
		}
		f := &p.Funcs[fi]
		isCPU := func(r int32) bool { return r >= 0 && len(f.CPUReg) > 0 && f.CPUReg[r] }
		bounds := m.boundRegs(f)
		for pc := range f.Code {
			in := &f.Code[pc]
			switch in.Op {
			case OpConst:
				if isCPU(in.A) && in.Imm >= 1 && in.Imm < int64(m.n) {
					add(f, in, fmt.Sprintf("constant secondary CPU id %d", in.Imm))
				}
			case OpMov, OpConv:
				if isCPU(in.A) != isCPU(in.B) {
					add(f, in, "CPU id copied between a CPU-id register and another")
				}
			case OpBin:
				if isCPU(in.B) || isCPU(in.C) || isCPU(in.A) {
					op := BinOp(in.Sub)
					ordered := op == Lt || op == Le || op == Gt || op == Ge
					bound := (isCPU(in.B) && !isCPU(in.C) && bounds[in.C]) || (isCPU(in.C) && !isCPU(in.B) && bounds[in.B])
					if ordered && bound && !isCPU(in.A) && in.Type.Bits >= 16 {
						break // every secondary id compares alike with 0, 1 or nr_cpu_ids
					}
					if (op != Eq && op != Ne) || isCPU(in.A) || isCPU(in.B) != isCPU(in.C) {
						add(f, in, "arithmetic or ordering on CPU ids")
					}
				}
			case OpUn:
				if isCPU(in.A) || isCPU(in.B) {
					add(f, in, "arithmetic on a CPU id")
				}
			case OpCall:
				callee := &p.Funcs[in.Imm]
				for i, r := range in.Args {
					pc := len(callee.CPUReg) > 0 && callee.CPUReg[i]
					if pc != isCPU(r) {
						add(f, in, fmt.Sprintf("argument %d of %s: CPU-id flag differs from the parameter's", i, callee.Name))
					}
				}
				if in.A >= 0 && isCPU(in.A) != returnsCPU(callee) {
					add(f, in, fmt.Sprintf("result of %s: CPU-id flag differs", callee.Name))
				}
			case OpCallInd:
				// Every function that may be called here must agree with
				// the call on which arguments and result are CPU ids: the
				// targets the analysis of function values found (the
				// guarded machine checks them at run time), else every
				// referenced function of the call's arity.
				targets := refd
				if t := m.indirect.At(fi, pc); t != nil {
					targets = t
				}
				for _, t := range targets {
					callee := &p.Funcs[t]
					if callee.Params != len(in.Args) {
						continue
					}
					for i, r := range in.Args {
						if (len(callee.CPUReg) > 0 && callee.CPUReg[i]) != isCPU(r) {
							add(f, in, fmt.Sprintf("argument %d through a function pointer: CPU-id flag differs from %s's parameter", i, callee.Name))
						}
					}
					if in.A >= 0 && isCPU(in.A) != returnsCPU(callee) {
						add(f, in, fmt.Sprintf("result through a function pointer: CPU-id flag differs from %s's", callee.Name))
					}
				}
			case OpPrim:
				pr := Prim(in.Sub)
				if !Prims[pr].Symmetric {
					add(f, in, fmt.Sprintf("%s depends on the numbering of CPUs", Prims[pr].Name))
				}
				for i, r := range in.Args {
					want := cpuArgs[pr]&(1<<i) != 0
					if want != isCPU(r) && (want || (pr != PrimPrintk && pr != PrimWarn)) {
						add(f, in, fmt.Sprintf("argument %d of %s: CPU-id flag mismatch", i, Prims[pr].Name))
					}
				}
				if in.A >= 0 && isCPU(in.A) != cpuResult[pr] {
					add(f, in, fmt.Sprintf("result of %s: CPU-id flag mismatch", Prims[pr].Name))
				}
			case OpLoadG, OpStoreG:
				if isCPU(in.A) != p.Globals[in.Imm].CPU {
					add(f, in, fmt.Sprintf("global %s: CPU-id flag mismatch", p.Globals[in.Imm].Name))
				}
			case OpLoadPCPU, OpStorePCPU:
				if !isCPU(in.B) {
					add(f, in, "per-CPU access indexed by a register not flagged as a CPU id")
				}
				if isCPU(in.A) != p.PerCPU[in.Imm].CPU {
					add(f, in, fmt.Sprintf("per-CPU %s: CPU-id flag mismatch", p.PerCPU[in.Imm].Name))
				}
			case OpAtomic:
				isCPUVar := false
				if len(in.Args) == 1 {
					isCPUVar = p.PerCPU[in.Imm].CPU
					if !isCPU(in.Args[0]) {
						add(f, in, "per-CPU atomic indexed by a register not flagged as a CPU id")
					}
				} else {
					isCPUVar = p.Globals[in.Imm].CPU
				}
				if isCPUVar && AtomicOp(in.Sub) == AtomicAdd {
					add(f, in, "arithmetic on a CPU-id variable")
				}
				if (in.A >= 0 && isCPU(in.A) != isCPUVar) || isCPU(in.B) != isCPUVar ||
					(AtomicOp(in.Sub) == AtomicCmpxchg && isCPU(in.C) != isCPUVar) {
					if !(AtomicOp(in.Sub) == AtomicAdd && !isCPUVar && !isCPU(in.B) && (in.A < 0 || !isCPU(in.A))) {
						add(f, in, "atomic: CPU-id flag mismatch")
					}
				}
			case OpFuncRef, OpBranch:
				if in.Op == OpFuncRef && isCPU(in.A) {
					add(f, in, "function reference in a CPU-id register")
				}
			}
		}
	}
	if f := &p.Funcs[p.Entry.IRQ]; len(f.CPUReg) > 0 && f.CPUReg[0] {
		out = append(out, fmt.Sprintf("%s: the IPI number parameter is flagged as a CPU id", f.Name))
	}
	return out
}

// reachableFuncs marks the functions a run can enter: the entries, and
// from there direct calls, function references (indirect calls and
// stop_machine) and nothing else. Code no run executes cannot break symmetry.
func (m *Machine) reachableFuncs() []bool {
	p := m.Prog
	reach := make([]bool, len(p.Funcs))
	var work []int32
	push := func(fi int32) {
		if fi >= 0 && int(fi) < len(p.Funcs) && !reach[fi] {
			reach[fi] = true
			work = append(work, fi)
		}
	}
	push(p.Entry.Boot)
	push(p.Entry.Secondary)
	push(p.Entry.IRQ)
	for len(work) > 0 {
		fi := work[len(work)-1]
		work = work[:len(work)-1]
		for _, in := range p.Funcs[fi].Code {
			if in.Op == OpCall || in.Op == OpFuncRef {
				push(int32(in.Imm))
			}
		}
	}
	return reach
}

// boundRegs marks the registers of f that can only hold nr_cpu_ids or a
// small constant that is at most 1 or at least nr_cpu_ids: every write to them is
// nr_cpu_ids() or such a constant, and they are not parameters (registers
// start at 0). An ordering comparison of a CPU id with such a value is the
// same for every secondary, so it does not break symmetry (the range check
// cpu < nr_cpu_ids of cpu_present).
func (m *Machine) boundRegs(f *Func) []bool {
	b := make([]bool, f.NumRegs)
	for r := f.Params; r < f.NumRegs; r++ {
		b[r] = true
	}
	for r := 0; r < f.Params && r < f.NumRegs; r++ {
		b[r] = false
	}
	kill := func(r int32) {
		if r >= 0 && int(r) < len(b) {
			b[r] = false
		}
	}
	for i := range f.Code {
		in := &f.Code[i]
		switch in.Op {
		case OpConst:
			// Within [-32768, 32767] the value keeps its sign and
			// magnitude in every comparison type of 16 bits or more.
			if in.Imm < -32768 || in.Imm > 32767 || (in.Imm > 1 && in.Imm < int64(m.n)) {
				kill(in.A)
			}
		case OpPrim:
			if Prim(in.Sub) != PrimNrCPUs {
				kill(in.A)
			}
		case OpMov, OpBin, OpUn, OpConv, OpCall, OpCallInd, OpLoadG, OpLoadPCPU, OpFuncRef, OpAtomic:
			kill(in.A)
		}
	}
	return b
}

func returnsCPU(f *Func) bool {
	for i := range f.Code {
		if in := &f.Code[i]; in.Op == OpRet && in.A >= 0 && len(f.CPUReg) > 0 && f.CPUReg[in.A] {
			return true
		}
	}
	return false
}

// Canon computes the symmetry-reduced (canonical) encoding of states: the
// secondaries are renamed so that their id-free descriptions come out sorted,
// and every CPU id held in a CPU-flagged register, variable, mask or machine
// field is renamed with them. Two states that differ only by a renaming of
// secondaries usually get the same encoding (always when no secondary refers
// to another); whatever the encoding, it is that of a state in the same
// orbit, so exploring canonical states is sound. A Canon is not safe for
// concurrent use.
type Canon struct {
	m   *Machine
	enc encoder

	perm, inv []int32 // perm[old] = new, inv[new] = old
	order     []int32 // secondaries, sorted
	keys      []byte  // id-free description of each secondary
	klo, khi  []int32 // keys[klo[i]:khi[i]] describes CPU i
	refs      []uint64
	refSpan   []int32 // refs of CPU i: refs[refSpan[i]:refSpan[i+1]] (positions)
	plain     []bool  // no secondary refers to it and it refers to no other secondary
	local     []bool  // its own state holds no id of another secondary
	cmp       func(a, b int32) int

	parent parentInfo // the state being expanded (see Prepare)
}

// NewCanon returns a canonicaliser for m.
func (m *Machine) NewCanon() *Canon {
	c := &Canon{m: m}
	n := m.n
	c.perm = make([]int32, n)
	c.inv = make([]int32, n)
	c.klo, c.khi = make([]int32, n), make([]int32, n)
	c.refSpan = make([]int32, n+1)
	c.plain = make([]bool, n)
	c.local = make([]bool, n)
	c.order = make([]int32, 0, n)
	c.cmp = c.compare
	return c
}

// Encode appends st's encoding to buf; with sym it renames secondaries into
// canonical order first (Perm then tells the renaming), without it is
// Machine.Encode.
func (c *Canon) Encode(buf []byte, st *State, sym bool) []byte {
	if !sym || c.m.n <= 2 {
		for i := range c.perm {
			c.perm[i], c.inv[i] = int32(i), int32(i)
		}
		return c.enc.encode(c.m, buf, st, nil, nil)
	}
	c.analyze(st)
	c.order = c.order[:0]
	for i := 1; i < c.m.n; i++ {
		c.order = append(c.order, int32(i))
	}
	c.sort()
	c.perm[0], c.inv[0] = 0, 0
	for r, old := range c.order {
		c.perm[old] = int32(r + 1)
		c.inv[r+1] = old
	}
	return c.enc.encode(c.m, buf, st, c.perm, c.inv)
}

// sort orders c.order stably by key. States the explorer meets are nearly
// sorted already (the canonical parent with a CPU or two changed), which
// insertion sort handles in linear time; anything else falls back to merge
// sorting.
func (c *Canon) sort() {
	o := c.order
	moves := 0
	for i := 1; i < len(o); i++ {
		x := o[i]
		j := i
		for j > 0 && c.compare(o[j-1], x) > 0 {
			o[j] = o[j-1]
			j--
			moves++
		}
		o[j] = x
		if moves > 8*len(o) {
			slices.SortStableFunc(o, c.cmp)
			return
		}
	}
}

// Perm is the renaming of the last Encode: Perm()[old id] = new id.
func (c *Canon) Perm() []int32 { return c.perm }

// Twins marks, for each CPU of st, whether it is interchangeable with the
// CPU just before it: both secondaries, neither referring to another
// secondary nor referred to by one, and equal in every other respect. Swapping
// two such CPUs maps st to itself, so an explorer need only step the first of
// a run of twins. out must have length NumCPUs.
func (c *Canon) Twins(st *State, out []bool) { c.twins(st, out, nil) }

func (c *Canon) twins(st *State, out []bool, dc *Decoder) {
	clear(out)
	if c.m.n <= 2 {
		return
	}
	c.analyzeRuns(st, dc)
	for i := 2; i < c.m.n; i++ {
		out[i] = c.plain[i] && c.plain[i-1] && c.compare(int32(i-1), int32(i)) == 0
	}
}

func (c *Canon) compare(a, b int32) int {
	if r := bytes.Compare(c.keys[c.klo[a]:c.khi[a]], c.keys[c.klo[b]:c.khi[b]]); r != 0 {
		return r
	}
	return slices.Compare(c.refs[c.refSpan[a]:c.refSpan[a+1]], c.refs[c.refSpan[b]:c.refSpan[b+1]])
}

// abstract describes CPU-id value v as seen from CPU self without naming
// secondaries: boot, self, another secondary, or not a CPU id.
func (c *Canon) abstract(b []byte, v uint64, self int) []byte {
	switch {
	case v == 0:
		return append(b, 0)
	case v == uint64(self):
		return append(b, 1)
	case v < uint64(c.m.n):
		c.plain[self] = false
		c.plain[v] = false
		c.local[self] = false
		return append(b, 2)
	}
	return putU(append(b, 3), v)
}

// analyze computes keys, incoming references and plain flags of st's secondaries.
func (c *Canon) analyze(st *State) { c.analyzeRuns(st, nil) }

// analyzeRuns is analyze; with dc, the Decoder that decoded st last, a
// secondary whose bytes are those of the one before it (a run of equal CPUs
// in the canonical layout) shares that one's key when that one names no
// other secondary: equal bytes hold the same values, ids written relative to
// each CPU itself, so the id-free descriptions are equal, and describing a
// CPU that names no other secondary changes no plain flag.
func (c *Canon) analyzeRuns(st *State, dc *Decoder) {
	for i := range c.plain {
		c.plain[i] = true
	}
	c.keys = c.keys[:0]
	c.analyzeRefs(st)
	for i := 1; i < c.m.n; i++ {
		if i > 1 && c.local[i-1] && dc.sameAsPrevious(i) {
			c.klo[i], c.khi[i], c.local[i] = c.klo[i-1], c.khi[i-1], true
			continue
		}
		c.key(st, i)
	}
}

// analyzeRefs computes the references to secondaries from places that are
// not secondaries (globals, stop_machine, the end, the boot CPU), grouped by
// the secondary they name.
func (c *Canon) analyzeRefs(st *State) {
	m := c.m
	n := m.n
	c.refs = c.refs[:0]
	// positions are numbered in a fixed order that does not depend on ids.
	pos := uint64(0)
	ref := func(v uint64) {
		if v >= 1 && v < uint64(n) {
			c.refs = append(c.refs, v<<32|pos)
		}
		pos++
	}
	for i, v := range st.Globals {
		if m.cpuGlob[i] {
			ref(v)
		}
	}
	if st.SM.Active {
		ref(uint64(st.SM.Target))
		ref(uint64(st.SM.Caller))
	}
	ref(uint64(uint32(st.EndCPU)))
	boot := &st.CPUs[0]
	if boot.Handoff != 0 {
		ref(uint64(boot.Handoff - 1))
	}
	for v := 0; v < m.nPCPU; v++ {
		if m.cpuPCPU[v] {
			ref(st.PCPU[v])
		}
	}
	for fi := range boot.Frames {
		fr := &boot.Frames[fi]
		f := &m.Prog.Funcs[fr.Func]
		if len(f.CPUReg) > 0 {
			for r := 0; r < f.NumRegs; r++ {
				if f.CPUReg[r] {
					ref(boot.Regs[int(fr.RegBase)+r])
				}
			}
		}
		for k := 0; k < f.NumMasks*m.words; k++ {
			w := boot.Masks[int(fr.MaskBase)+k]
			base := uint64(k%m.words) * 64
			for w != 0 {
				bit := base + uint64(bits.TrailingZeros64(w))
				w &= w - 1
				if bit >= 1 && bit < uint64(n) {
					c.refs = append(c.refs, bit<<32|pos)
				}
			}
			if k%m.words == m.words-1 {
				pos++
			}
		}
	}
	// group incoming references by target (positions stay in increasing order)
	slices.Sort(c.refs)
	j := 0
	for i := 0; i <= n; i++ {
		for j < len(c.refs) && int(c.refs[j]>>32) < i {
			j++
		}
		c.refSpan[i] = int32(j)
	}
	for k := range c.refs {
		c.refs[k] &= 0xffffffff
	}
}

// key appends the id-free description of secondary i to c.keys, and marks
// whether i's own state names another secondary (local) and which CPUs
// refer to others (plain).
func (c *Canon) key(st *State, i int) {
	c.local[i] = true
	id := func(b []byte, v uint64) []byte { return c.abstract(b, v, i) }
	mask := func(b []byte, mk []uint64) []byte {
		others := 0
		for wi, w := range mk {
			for w != 0 {
				bit := wi*64 + bits.TrailingZeros64(w)
				w &= w - 1
				if bit != 0 && bit != i {
					others++
					c.plain[i] = false
					c.plain[bit] = false
					c.local[i] = false
				}
			}
		}
		b = append(b, byte(mk[0]&1), byte(mk[i/64]>>(i%64)&1))
		return putU(b, uint64(others))
	}
	lo := len(c.keys)
	c.keys = c.m.appendCPU(c.keys, st, i, id, mask, false)
	c.klo[i], c.khi[i] = int32(lo), int32(len(c.keys))
}
