package sim

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/bits"
	"slices"
)

// Encode appends a compact byte encoding of st to buf: equal states have
// equal encodings and different states different ones (it is injective, so a
// hash table of encodings has no false merges). Decode inverts it.
func (m *Machine) Encode(buf []byte, st *State) []byte {
	var e encoder
	return e.encode(m, buf, st, nil, nil)
}

// Two layouts share one decoder, told apart by the first byte:
//
//	plain:     0, header, CPU 0, CPU 1, ...          (CPU ids as they are)
//	canonical: 1, header, (count, CPU)...            (renamed; runs of equal CPUs once)
//
// In the canonical layout a CPU's own id is written as 0 and other ids as
// id+1, so that secondaries in the same situation have equal bytes and a run
// of them is stored once with its length: a state of 512 CPUs most of which
// sit in the idle loop takes a few hundred bytes.
const (
	layoutPlain     = 0
	layoutCanonical = 1
)

// encoder holds scratch space for encoding under a permutation.
type encoder struct {
	scratch   []uint64
	run, next []byte
	// cuts: where each CPU (plain layout) or each run of equal CPUs
	// (canonical) begins in the last encoding, from its first byte; the
	// header is what comes before cuts[0]. See Canon.Cuts.
	cuts []int32
}

func putU(b []byte, v uint64) []byte {
	// fast path for the small values most fields hold
	if v < 0x80 {
		return append(b, byte(v))
	}
	return binary.AppendUvarint(b, v)
}

// mapCPU renames CPU id v under perm (perm[old] = new); non-secondary values stay.
func mapCPU(perm []int32, v uint64) uint64 {
	if perm != nil && v >= 1 && v < uint64(len(perm)) {
		return uint64(perm[v])
	}
	return v
}

func packCPU(c *CPU) uint64 {
	return uint64(c.Flags) | uint64(c.PSCI)<<16 | uint64(c.Stopper)<<20 | uint64(c.Pending)<<24 | uint64(c.Lose)<<32
}

// encode appends st's encoding with CPU ids renamed by perm (perm[old] = new,
// inv[new] = old; both nil for the plain layout without renaming).
func (e *encoder) encode(m *Machine, b []byte, st *State, perm, inv []int32) []byte {
	n := m.n
	start := len(b)
	e.cuts = e.cuts[:0]
	if perm == nil {
		b = append(b, layoutPlain)
	} else {
		b = append(b, layoutCanonical)
	}
	b = e.header(m, b, st, perm)
	if perm == nil {
		for i := 0; i < n; i++ {
			e.cuts = append(e.cuts, int32(len(b)-start))
			b = e.encodeCPU(m, b, st, i, nil, -1)
		}
		return b
	}
	count := 0
	for ni := 0; ni < n; ni++ {
		e.next = e.encodeCPU(m, e.next[:0], st, int(inv[ni]), perm, ni)
		if count > 0 && bytes.Equal(e.next, e.run) {
			count++
			continue
		}
		if count > 0 {
			e.cuts = append(e.cuts, int32(len(b)-start))
			b = putU(b, uint64(count))
			b = append(b, e.run...)
		}
		e.run, e.next = e.next, e.run
		count = 1
	}
	e.cuts = append(e.cuts, int32(len(b)-start))
	b = putU(b, uint64(count))
	return append(b, e.run...)
}

func (e *encoder) header(m *Machine, b []byte, st *State, perm []int32) []byte {
	b = putU(b, uint64(st.End))
	b = putU(b, mapCPU(perm, uint64(uint32(st.EndCPU))))
	b = putU(b, uint64(st.Now))
	for i, v := range st.Globals {
		if m.cpuGlob[i] {
			v = mapCPU(perm, v)
		}
		b = putU(b, v)
	}
	if st.SM.Active {
		b = append(b, 1)
		b = putU(b, uint64(st.SM.Waiting))
		b = putU(b, uint64(st.SM.Fn))
		b = putU(b, mapCPU(perm, uint64(st.SM.Target)))
		b = putU(b, mapCPU(perm, uint64(st.SM.Caller)))
		b = putU(b, st.SM.Arg)
	} else {
		b = append(b, 0)
	}
	return b
}

// cpuVal writes a CPU id held by CPU self (self < 0: plain layout).
func cpuVal(b []byte, perm []int32, v uint64, self int) []byte {
	if self < 0 {
		return putU(b, v)
	}
	v = mapCPU(perm, v)
	if v == uint64(self) {
		return append(b, 0)
	}
	return putU(b, v+1)
}

// encodeCPU appends CPU oi; self is its new id in the canonical layout, -1 in
// the plain one.
func (e *encoder) encodeCPU(m *Machine, b []byte, st *State, oi int, perm []int32, self int) []byte {
	id := func(b []byte, v uint64) []byte { return cpuVal(b, perm, v, self) }
	mask := func(b []byte, mk []uint64) []byte {
		if self < 0 {
			for _, w := range mk {
				b = putU(b, w)
			}
			return b
		}
		e.scratch = slices.Grow(e.scratch[:0], m.words)[:m.words]
		clear(e.scratch)
		for wi, w := range mk {
			for w != 0 {
				bit := wi*64 + bits.TrailingZeros64(w)
				w &= w - 1
				nb := int(mapCPU(perm, uint64(bit)))
				e.scratch[nb/64] |= 1 << (nb % 64)
			}
		}
		// the own bit as a flag, so that equal CPUs have equal bytes
		own := e.scratch[self/64] >> (self % 64) & 1
		e.scratch[self/64] &^= 1 << (self % 64)
		b = append(b, byte(own))
		for _, w := range e.scratch {
			b = putU(b, w)
		}
		return b
	}
	return m.appendCPU(b, st, oi, id, mask, true)
}

// appendCPU appends CPU i's local state in the layout that both the state
// encoding and the symmetry keys (Canon) use, so that the two cannot drift
// apart: id writes a value that is a CPU id, mask the words of one cpumask
// slot. With sparse (the state encoding) a frame's registers are a bitmap
// of those that are not zero and their values; without it (the keys, whose
// order decides the canonical numbering) every register is written.
func (m *Machine) appendCPU(b []byte, st *State, i int, id func([]byte, uint64) []byte, mask func([]byte, []uint64) []byte, sparse bool) []byte {
	c := &st.CPUs[i]
	b = putU(b, packCPU(c))
	if c.Handoff != 0 {
		b = id(append(b, 1), uint64(c.Handoff-1))
	} else {
		b = append(b, 0)
	}
	b = putU(b, uint64(c.OnEntry))
	for v := 0; v < m.nPCPU; v++ {
		x := st.PCPU[i*m.nPCPU+v]
		if m.cpuPCPU[v] {
			b = id(b, x)
		} else {
			b = putU(b, x)
		}
	}
	b = putU(b, uint64(len(c.Frames)))
	for fi := range c.Frames {
		fr := &c.Frames[fi]
		f := &m.Prog.Funcs[fr.Func]
		b = putU(b, uint64(fr.Func))
		b = putU(b, uint64(fr.PC))
		b = putU(b, uint64(fr.Ret+1))
		b = putU(b, uint64(fr.Kind)|uint64(fr.Phase)<<2|uint64(b2u(fr.Saved))<<7)
		regs := c.Regs[fr.RegBase : int(fr.RegBase)+f.NumRegs]
		if sparse {
			b = appendRegsSparse(b, f, regs, id)
		} else {
			for r, v := range regs {
				if len(f.CPUReg) > 0 && f.CPUReg[r] {
					b = id(b, v)
				} else {
					b = putU(b, v)
				}
			}
		}
		for k := 0; k < f.NumMasks; k++ {
			at := int(fr.MaskBase) + k*m.words
			b = mask(b, c.Masks[at:at+m.words])
		}
	}
	return b
}

// appendRegsSparse appends a bitmap of the registers that are not zero,
// then their values: with dead registers zeroed most of a frame's registers
// are 0, and a bit instead of a byte for each shortens both encoding and
// decoding. Zero is the boot CPU's id, which no renaming moves, so the
// bitmap is the same under every renaming of secondaries.
func appendRegsSparse(b []byte, f *Func, regs []uint64, id func([]byte, uint64) []byte) []byte {
	at := len(b)
	nb := (len(regs) + 7) / 8
	b = slices.Grow(b, nb)[:at+nb]
	clear(b[at:])
	cpuRegs := len(f.CPUReg) > 0
	for r, v := range regs {
		if v == 0 {
			continue
		}
		b[at+r/8] |= 1 << (r % 8)
		if cpuRegs && f.CPUReg[r] {
			b = id(b, v)
		} else {
			b = putU(b, v)
		}
	}
	return b
}

var errCorrupt = errors.New("sim: corrupt state encoding")

type decoder struct {
	b   []byte
	err bool
}

func (d *decoder) u() uint64 {
	if len(d.b) > 0 && d.b[0] < 0x80 {
		v := d.b[0]
		d.b = d.b[1:]
		return uint64(v)
	}
	v, k := binary.Uvarint(d.b)
	if k <= 0 {
		d.err = true
		d.b = nil
		return 0
	}
	d.b = d.b[k:]
	return v
}

// cpu reads a CPU id written by cpuVal.
func (d *decoder) cpu(self int) uint64 {
	v := d.u()
	if self < 0 {
		return v
	}
	if v == 0 {
		return uint64(self)
	}
	return v - 1
}

// Decode sets st to the state data encodes (reusing st's buffers).
func (m *Machine) Decode(data []byte, st *State) error { return m.decode(data, st, nil, nil) }

// A Decoder decodes a sequence of states into one State and skips each CPU
// whose bytes are those it decoded for that CPU the last time: an explorer
// expands states one after another that differ in a CPU or two. The State
// must be the one given last time, holding what was decoded then (an Undo
// restores it after each step tried). The bytes of the last state are
// referred to, not copied, so they must not change in between.
type Decoder struct {
	m        *Machine
	prev     []byte  // the last state decoded without error
	lo, hi   []int32 // CPU i's bytes in prev
	segs     []int32 // plain layout: where each CPU's bytes start (DecodeSegments)
	nlo, nhi []int32 // the bytes of the state being decoded
	decoded  int     // CPUs decoded (not skipped)
}

// Decoded is the number of CPUs decoded so far, not skipped.
func (dc *Decoder) Decoded() int { return dc.decoded }

// NewDecoder returns a Decoder for states of m.
func (m *Machine) NewDecoder() *Decoder {
	n := m.n
	return &Decoder{m: m, lo: make([]int32, n), hi: make([]int32, n), segs: make([]int32, n+1),
		nlo: make([]int32, n), nhi: make([]int32, n)}
}

// Decode is Machine.DecodeSegments into st, the State of the last call.
func (dc *Decoder) Decode(data []byte, st *State) error {
	err := dc.m.decode(data, st, dc.segs, dc)
	if err != nil {
		dc.prev = nil // st holds a part of the corrupt state
		return err
	}
	dc.prev = data
	dc.lo, dc.nlo = dc.nlo, dc.lo
	dc.hi, dc.nhi = dc.nhi, dc.hi
	return nil
}

// sameAsPrevious reports whether CPU i's bytes in the last state decoded
// were those of CPU i-1 (one run of equal CPUs in the canonical layout). A
// nil Decoder knows nothing.
func (dc *Decoder) sameAsPrevious(i int) bool {
	return dc != nil && dc.prev != nil && i > 0 && dc.lo[i] == dc.lo[i-1] && dc.hi[i] == dc.hi[i-1]
}

// Segs are the CPU boundaries of the last plain-layout state decoded, as
// DecodeSegments gives them.
func (dc *Decoder) Segs() []int32 { return dc.segs }

// reuse reports whether CPU i's bytes start data[at:] as they did in the
// last state decoded (the encoding of a CPU is self-delimiting, so equal
// leading bytes are the whole CPU), and records where they are.
func (dc *Decoder) reuse(data []byte, at int, i int) (int, bool) {
	if dc.prev != nil {
		old := dc.prev[dc.lo[i]:dc.hi[i]]
		if len(data)-at >= len(old) && string(data[at:at+len(old)]) == string(old) {
			dc.nlo[i], dc.nhi[i] = int32(at), int32(at+len(old))
			return at + len(old), true
		}
	}
	return at, false
}

func (m *Machine) decode(data []byte, st *State, segs []int32, dc *Decoder) error {
	d := decoder{b: data}
	layout := d.u()
	if layout > layoutCanonical {
		return errCorrupt
	}
	st.End = Outcome(d.u())
	st.EndCPU = int32(uint32(d.u()))
	if st.End >= numOutcomes || (st.EndCPU >= int32(m.n)) {
		return errCorrupt
	}
	st.Now = int64(d.u())
	st.Globals = slices.Grow(st.Globals[:0], len(m.Prog.Globals))[:len(m.Prog.Globals)]
	for i := range st.Globals {
		st.Globals[i] = d.u()
	}
	st.SM = StopMachine{}
	if d.u() == 1 {
		st.SM.Active = true
		st.SM.Waiting = int32(d.u())
		st.SM.Fn = int32(d.u())
		st.SM.Target = int32(d.u())
		st.SM.Caller = int32(d.u())
		st.SM.Arg = d.u()
		if st.SM.Waiting < 0 || st.SM.Waiting > int32(m.n) || st.SM.Fn < 0 || int(st.SM.Fn) >= len(m.Prog.Funcs) ||
			st.SM.Target < 0 || st.SM.Target >= int32(m.n) || st.SM.Caller < 0 || st.SM.Caller >= int32(m.n) {
			return errCorrupt
		}
	}
	if dc != nil && (cap(st.CPUs) < m.n || len(st.CPUs) != m.n) {
		dc.prev = nil // not the State decoded into last time
	}
	if cap(st.CPUs) < m.n {
		st.CPUs = append(st.CPUs[:cap(st.CPUs)], make([]CPU, m.n-cap(st.CPUs))...)
	}
	st.CPUs = st.CPUs[:m.n]
	if len(st.PCPU) != m.n*m.nPCPU && dc != nil {
		dc.prev = nil
	}
	st.PCPU = slices.Grow(st.PCPU[:0], m.n*m.nPCPU)[:m.n*m.nPCPU]
	// one CPU from data[at:] (self as decodeCPU takes it); the decoder
	// skips the CPUs whose bytes it decoded last time
	cpu := func(at, i, self int) bool {
		if dc != nil {
			if next, ok := dc.reuse(data, at, i); ok {
				d.b = data[next:]
				return true
			}
			dc.decoded++
		}
		d.b = data[at:]
		if !m.decodeCPU(&d, st, i, self) {
			return false
		}
		if dc != nil {
			dc.nlo[i], dc.nhi[i] = int32(at), int32(len(data)-len(d.b))
		}
		return true
	}
	if layout == layoutPlain {
		for i := 0; i < m.n; i++ {
			at := len(data) - len(d.b)
			if segs != nil {
				segs[i] = int32(at)
			}
			if !cpu(at, i, -1) {
				return errCorrupt
			}
		}
		if segs != nil {
			segs[m.n] = int32(len(data))
		}
	} else {
		for i := 0; i < m.n; {
			count := d.u()
			if d.err || count == 0 || count > uint64(m.n-i) {
				return errCorrupt
			}
			at := len(data) - len(d.b)
			for k := uint64(0); k < count; k++ {
				if !cpu(at, i, i) {
					return errCorrupt
				}
				i++
			}
		}
	}
	if d.err || len(d.b) != 0 {
		return errCorrupt
	}
	return nil
}

// decodeCPU reads CPU i (self: its id for the canonical layout, -1 for plain).
func (m *Machine) decodeCPU(d *decoder, st *State, i, self int) bool {
	c := &st.CPUs[i]
	p := d.u()
	c.Flags, c.PSCI, c.Stopper = uint16(p), PSCIState(p>>16&15), uint8(p>>20&15)
	c.Pending, c.Lose = uint8(p>>24), uint8(p>>32)
	c.Handoff = 0
	if d.u() == 1 {
		c.Handoff = int32(d.cpu(self)) + 1
	}
	c.OnEntry = int32(d.u())
	if c.PSCI > PowerOnPending || c.Stopper > 2 || c.Handoff < 0 || c.Handoff > int32(m.n) ||
		c.OnEntry < 0 || int(c.OnEntry) >= len(m.Prog.Funcs) || p>>40 != 0 {
		return false
	}
	for v := 0; v < m.nPCPU; v++ {
		if m.cpuPCPU[v] {
			st.PCPU[i*m.nPCPU+v] = d.cpu(self)
		} else {
			st.PCPU[i*m.nPCPU+v] = d.u()
		}
	}
	nf := int(d.u())
	if nf > m.maxStack+1 {
		return false
	}
	c.Frames, c.Regs, c.Masks = c.Frames[:0], c.Regs[:0], c.Masks[:0]
	for k := 0; k < nf; k++ {
		fn := int32(d.u())
		if fn < 0 || int(fn) >= len(m.Prog.Funcs) {
			return false
		}
		f := &m.Prog.Funcs[fn]
		fr := Frame{Func: fn, PC: int32(d.u()), Ret: int32(d.u()) - 1, RegBase: int32(len(c.Regs)), MaskBase: int32(len(c.Masks))}
		x := d.u()
		fr.Kind, fr.Phase, fr.Saved = FrameKind(x&3), uint8(x>>2&31), x>>7&1 != 0
		if fr.PC < 0 || int(fr.PC) >= len(f.Code) || x>>8 != 0 || fr.Ret < -1 || (k == 0) != (fr.Kind == FrameEntry) ||
			(k > 0 && int(fr.Ret) >= m.Prog.Funcs[c.Frames[k-1].Func].NumRegs) {
			return false
		}
		c.Frames = append(c.Frames, fr)
		nb := (f.NumRegs + 7) / 8
		if len(d.b) < nb {
			return false
		}
		bm := d.b[:nb]
		d.b = d.b[nb:]
		base := len(c.Regs)
		c.Regs = slices.Grow(c.Regs, f.NumRegs)[:base+f.NumRegs]
		clear(c.Regs[base:])
		cpuRegs := self >= 0 && len(f.CPUReg) > 0
		for bi, w := range bm {
			for w != 0 {
				r := bi*8 + bits.TrailingZeros8(w)
				w &= w - 1
				if r >= f.NumRegs {
					return false
				}
				if cpuRegs && f.CPUReg[r] {
					c.Regs[base+r] = d.cpu(self)
				} else {
					c.Regs[base+r] = d.u()
				}
			}
		}
		for k := 0; k < f.NumMasks; k++ {
			own := uint64(0)
			if self >= 0 {
				own = d.u()
			}
			base := len(c.Masks)
			for w := 0; w < m.words; w++ {
				c.Masks = append(c.Masks, d.u())
			}
			if own == 1 {
				c.Masks[base+self/64] |= 1 << (self % 64)
			}
		}
	}
	return !d.err
}
