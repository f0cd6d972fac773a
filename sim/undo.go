package sim

// Undo lets an explorer try a step on a state and take it back without
// copying the whole state: between Begin and Restore, the machine saves each
// CPU just before a step first changes it (its frames, registers, masks and
// per-CPU variables), and the machine-wide fields at Begin. Touched tells
// which CPUs a step changed, which EncodeReuse uses to copy the encodings of
// the others from the parent's. An Undo is for one goroutine.
type Undo struct {
	m       *Machine
	st      *State
	saved   []bool
	list    []int32
	cpus    []CPU
	pcpu    []uint64
	globals []uint64
	sm      StopMachine
	end     Outcome
	endCPU  int32
	now     int64
}

// NewUndo returns an Undo for states of m.
func (m *Machine) NewUndo() *Undo {
	return &Undo{m: m, saved: make([]bool, m.n), cpus: make([]CPU, m.n), pcpu: make([]uint64, m.n*m.nPCPU)}
}

// Begin starts recording changes to st.
func (u *Undo) Begin(st *State) {
	for _, c := range u.list {
		u.saved[c] = false
	}
	u.list = u.list[:0]
	u.st = st
	u.globals = append(u.globals[:0], st.Globals...)
	u.sm, u.end, u.endCPU, u.now = st.SM, st.End, st.EndCPU, st.Now
	st.undo = u
}

// Touched reports whether the step since Begin changed CPU c (or its
// per-CPU variables).
func (u *Undo) Touched(c int) bool { return u.saved[c] }

// Restore returns st to its state at Begin and stops recording.
func (u *Undo) Restore(st *State) {
	m := u.m
	for _, c := range u.list {
		copyCPU(&st.CPUs[c], &u.cpus[c])
		copy(st.PCPU[int(c)*m.nPCPU:(int(c)+1)*m.nPCPU], u.pcpu[int(c)*m.nPCPU:])
		u.saved[c] = false
	}
	u.list = u.list[:0]
	copy(st.Globals, u.globals)
	st.SM, st.End, st.EndCPU, st.Now = u.sm, u.end, u.endCPU, u.now
	st.undo = nil
}

// touch saves CPU c before its first change in the step being recorded.
func (st *State) touch(c int) {
	u := st.undo
	if u == nil || u.saved[c] {
		return
	}
	m := u.m
	u.saved[c] = true
	u.list = append(u.list, int32(c))
	copyCPU(&u.cpus[c], &st.CPUs[c])
	copy(u.pcpu[c*m.nPCPU:(c+1)*m.nPCPU], st.PCPU[c*m.nPCPU:])
}

// DecodeSegments is Decode that also records where each CPU's part of the
// encoding starts: segs[c] (len NumCPUs+1, segs[NumCPUs] = len(data)).
func (m *Machine) DecodeSegments(data []byte, st *State, segs []int32) error {
	return m.decode(data, st, segs, nil)
}

// EncodeReuse is Machine.Encode of st after a step recorded by u on the state
// that parent (with CPU boundaries segs, from DecodeSegments) encodes: the
// parts of CPUs the step did not touch are copied from parent.
func (m *Machine) EncodeReuse(buf []byte, st *State, parent []byte, segs []int32, u *Undo) []byte {
	var e encoder
	return m.encodeReuse(&e, buf, st, parent, segs, u)
}

func (m *Machine) encodeReuse(e *encoder, buf []byte, st *State, parent []byte, segs []int32, u *Undo) []byte {
	start := len(buf)
	e.cuts = e.cuts[:0]
	b := e.header(m, append(buf, layoutPlain), st, nil)
	// runs of untouched CPUs are one copy
	i := 0
	for i < m.n {
		if u.saved[i] {
			e.cuts = append(e.cuts, int32(len(b)-start))
			b = e.encodeCPU(m, b, st, i, nil, -1)
			i++
			continue
		}
		j := i
		for j < m.n && !u.saved[j] {
			j++
		}
		for k := i; k < j; k++ {
			e.cuts = append(e.cuts, int32(len(b)-start)+segs[k]-segs[i])
		}
		b = append(b, parent[segs[i]:segs[j]]...)
		i = j
	}
	return b
}
