// Package sim is the simulated arm64 machine: CPUs, an interrupt controller
// with IPIs, PSCI firmware and kernel services with cost models, and two
// engines that run the same programs on it (a timed discrete-event engine and
// an untimed interleaving explorer).
//
// sim knows nothing about C or patches. It runs Programs: small register-based
// code for each CPU, produced elsewhere (package semantics compiles kernel C to
// them; tests write them by hand). This file is the contract between the two.
//
// # Execution model
//
// Every CPU runs a stack of Frames. Instructions that only touch the frame
// (arithmetic, moves, jumps, calls, returns) are invisible to other CPUs: an
// engine runs them without interleaving. Prims and global accesses are visible
// actions: the explorer interleaves CPUs at them, and the timed engine charges
// their cost. Each instruction carries a Loc so that a trace can point at the
// source line (and the patch line) it came from.
//
// # Registers and values
//
// Registers hold uint64. An instruction's Type says how to interpret them
// (width and signedness); the result of arithmetic is truncated to the width
// and sign-extended when signed, so C's unsigned wrap-around (timeout-- at 0)
// is exact. Registers flagged in Func.CPUReg hold CPU ids; symmetry reduction
// permutes their values together with the CPUs. Cpumask locals live in mask
// slots (Func.NumMasks), manipulated only by mask prims.
package sim

// Side says which image a source line belongs to.
type Side uint8

const (
	// SideModel is a line of the baseline model library that no patch touched.
	SideModel Side = iota
	// SidePre is a line of a patch's pre-image (removed or context).
	SidePre
	// SidePost is a line of a patch's post-image (added or context).
	SidePost
)

func (s Side) String() string {
	switch s {
	case SidePre:
		return "pre"
	case SidePost:
		return "post"
	}
	return "model"
}

// Loc is the source of an instruction.
type Loc struct {
	File string // kernel path, e.g. "arch/arm64/kernel/smp.c"
	Line int    // 1-based line in the image Side names (for SideModel: the kernel file line the model restates)
	Side Side
	Func string // enclosing C function
	Text string // the source line, trimmed, for traces
}

// Type is the C integer type an instruction computes in.
type Type struct {
	Bits   uint8 // 1 (bool), 8, 16, 32 or 64
	Signed bool
}

// Common types.
var (
	Bool  = Type{Bits: 1}
	Int   = Type{Bits: 32, Signed: true}
	Uint  = Type{Bits: 32}
	Long  = Type{Bits: 64, Signed: true}
	Ulong = Type{Bits: 64}
)

// Op is an instruction opcode.
type Op uint8

// Opcodes. Operands are register indices unless said otherwise.
const (
	OpNop       Op = iota
	OpConst        // R[A] = Imm (truncated to Type)
	OpMov          // R[A] = R[B]
	OpBin          // R[A] = R[B] <BinOp(Sub)> R[C] in Type
	OpUn           // R[A] = <UnOp(Sub)> R[B] in Type
	OpConv         // R[A] = R[B] converted from Type to Type2
	OpJump         // pc = Target
	OpBranch       // if R[A] != 0 { pc = Target } else { pc = Target2 }
	OpCall         // R[A] = Funcs[Imm](R[Args...]); A < 0 discards the result
	OpCallInd      // R[A] = Funcs[R[B]](R[Args...]): call through a function reference value
	OpRet          // return R[A] (A < 0: void)
	OpPrim         // R[A] = Prim(Sub)(R[Args...]); mask prims also use M (mask slot); A < 0 discards
	OpLoadG        // R[A] = Globals[Imm]            (visible)
	OpStoreG       // Globals[Imm] = R[A]            (visible)
	OpLoadPCPU     // R[A] = PerCPU[Imm][R[B]]      (visible)
	OpStorePCPU    // PerCPU[Imm][R[B]] = R[A]      (visible)
	OpWait         // head of a polling loop: see Wait
	OpFuncRef      // R[A] = function reference to Funcs[Imm] (for stop_machine and ops tables)
	// OpAtomic is an atomic read-modify-write (atomic_inc, atomic_xchg,
	// atomic_cmpxchg, ...) as ONE visible step: old := V; V = <AtomicOp(Sub)>(old,
	// R[B], R[C]) in Type; R[A] = old (A < 0 discards). V is Globals[Imm], or
	// PerCPU[Imm][R[Args[0]]] when len(Args) == 1.
	OpAtomic
)

// AtomicOp is the operator of OpAtomic.
type AtomicOp uint8

const (
	AtomicAdd     AtomicOp = iota // V = old + R[B] (atomic_inc/dec/add/sub and their _return forms)
	AtomicXchg                    // V = R[B]
	AtomicCmpxchg                 // V = R[C] if old == R[B] (compared in Type), else V unchanged
	AtomicOr                      // V = old | R[B] (set_bit, test_and_set_bit)
)

// BinOp is the operator of OpBin. Comparisons yield 0 or 1 and compare in Type.
type BinOp uint8

const (
	Add BinOp = iota
	Sub
	Mul
	Div // division by zero is a BUG event (the kernel would oops), not a Go panic
	Mod
	And
	Or
	Xor
	Shl
	Shr // arithmetic when Type.Signed
	Eq
	Ne
	Lt
	Le
	Gt
	Ge
)

// UnOp is the operator of OpUn.
type UnOp uint8

const (
	Neg    UnOp = iota // two's complement negation in Type
	Not                // logical: 1 if zero else 0
	BitNot             // ^x in Type
)

// Instr is one instruction. Fields not used by an Op are zero.
type Instr struct {
	Op      Op
	Sub     uint8 // BinOp, UnOp or Prim
	Type    Type
	Type2   Type // OpConv target
	A, B, C int32
	M       int32 // mask slot, for mask prims
	Imm     int64
	Args    []int32
	Target  int32
	Target2 int32
	Loc     int32 // index into Program.Locs
}

// Func is one function's code.
type Func struct {
	Name     string
	Params   int // parameters arrive in registers 0..Params-1
	NumRegs  int
	NumMasks int
	CPUReg   []bool // len NumRegs: register holds a CPU id (permuted by symmetry reduction)
	NoReturn bool   // __noreturn: returning from it is a BUG event
	Code     []Instr
	Loc      int32 // the definition line
}

// Global is a kernel global variable (kexec_in_progress, system_state, ...).
// Rules refer to globals by Name.
type Global struct {
	Name string
	Type Type
	Init uint64
	CPU  bool // holds a CPU id (permuted by symmetry reduction, like Func.CPUReg)
}

// Wait describes a polling loop that the compiler recognised from its shape:
// a condition re-checked with a delay under a counter or deadline bound, as in
//
//	while (num_other_online_cpus() && timeout--)
//		udelay(1);
//
// The compiler emits the loop as ordinary code preceded by an OpWait whose Imm
// indexes Program.Waits:
//
//	head:  OpWait                       ; Imm = wait index
//	       <condition block> -> CondReg ; [CondStart, CondEnd): invisible ops and read-only prims only
//	       ... the loop as written (delay prims, counter updates, bound exit) ...
//	       OpJump head
//
// The timed engine treats OpWait as a no-op and runs the loop as written, so
// the real bound and delay are honoured. The explorer instead evaluates the
// condition block atomically: when CondReg is zero the wait is satisfied and
// the CPU continues at Satisfied; at any time while it is non-zero the bound
// may expire, a nondeterministic choice, and the CPU continues at Expired
// (a block the compiler emits that leaves the loop's variables as they are
// after the bound ran out, e.g. timeout wrapped to ULONG_MAX, then jumps to
// the loop's exit). Expired < 0 marks an unbounded wait, which never expires.
type Wait struct {
	Name      string // what is waited for, e.g. "smp_send_stop: other CPUs offline"
	Bound     string // the bound as written, e.g. "USEC_PER_SEC x udelay(1)"
	CondStart int32
	CondEnd   int32
	CondReg   int32
	Satisfied int32
	Expired   int32
	Loc       int32
}

// Entries are the functions the machine starts CPUs in.
type Entries struct {
	Boot      int32 // run by the boot CPU: the path under test (e.g. kernel_kexec's tail)
	Secondary int32 // run by every secondary: its idle or task loop
	IRQ       int32 // called on IRQ entry with the IPI number as its one argument
	// NMI is 1 + the index of the function that says, for an IPI number,
	// whether that IPI is requested as an NMI (ipi_should_be_nmi(), which
	// ipi_setup() asks at boot); 0 when the program has none (no IPI is
	// ever an NMI). The machine calls it at construction, with
	// Config.PseudoNMI only, for every IPI number (see Machine.NMIs).
	NMI int32
}

// Program is everything a machine runs.
type Program struct {
	Funcs   []Func
	Globals []Global
	PerCPU  []Global // per-CPU variables: one value per CPU, all starting at Init
	Strings []string // format strings, referenced by printk-family prims' Imm
	Locs    []Loc
	Waits   []Wait
	Entry   Entries
}

// FuncIndex returns the index of the named function, or -1.
func (p *Program) FuncIndex(name string) int {
	for i := range p.Funcs {
		if p.Funcs[i].Name == name {
			return i
		}
	}
	return -1
}

// GlobalIndex returns the index of the named global, or -1.
func (p *Program) GlobalIndex(name string) int {
	for i := range p.Globals {
		if p.Globals[i].Name == name {
			return i
		}
	}
	return -1
}
