package sim

import (
	"bytes"
	"cmp"
	"slices"
)

// Incremental canonicalisation.
//
// An explorer expands a canonical state by stepping it in place, once per
// action, under an Undo. Canon.Encode of each successor describes and
// encodes all N CPUs again, although a step changes one CPU or two. Prepare
// does the per-CPU work once for the state being expanded: the id-free
// description (key) of every secondary, and the encoding of every secondary
// whose own state names no other secondary. EncodeStep then describes only
// the CPUs the step touched, recomputes the references to secondaries from
// the machine-wide fields and the boot CPU (a few values), sorts (the order
// is nearly the parent's), and copies the bytes of every untouched such CPU.
//
// The result is Encode's, byte for byte: a CPU's key depends on its own
// state only (ids abstracted to boot, self, other), so an untouched CPU's
// key is its key in the parent; the references are recomputed in full; the
// same stable sort of the same keys gives the same renaming; and a CPU whose
// state holds no id of another secondary encodes the same under every
// renaming (its own id is written relative to itself, the boot CPU's is
// fixed, every other value is not a CPU id).
type parentInfo struct {
	ready    bool
	sorted   bool     // its secondaries are in canonical order (it is canonical)
	refs     []uint64 // its references and their spans
	refSpan  []int32
	nkeys    int     // len(Canon.keys) of the parent's keys
	klo, khi []int32 // the parent's key spans
	local    []bool  // the parent's local flags
	enc      []byte  // encodings of the parent's local secondaries
	elo, ehi []int32 // enc[elo[i]:ehi[i]] is secondary i's (equal ones share bytes)
	sa, sb   []byte  // scratch encodings of touched or non-local CPUs
}

// Prepare readies c for EncodeStep on successors of st (the state about to
// be expanded, in canonical numbering) and sets twins as Twins does (out
// must have length NumCPUs). dc, when not nil, is the Decoder that decoded
// st last: the CPUs of a run of equal ones are then described and encoded
// once.
func (c *Canon) Prepare(st *State, twins []bool, dc *Decoder) {
	c.twins(st, twins, dc)
	n := c.m.n
	p := &c.parent
	p.ready = n > 2
	if !p.ready {
		return
	}
	p.sorted = true
	for i := 1; i+1 < n && p.sorted; i++ {
		p.sorted = c.compare(int32(i), int32(i+1)) <= 0
	}
	p.refs = append(p.refs[:0], c.refs...)
	p.refSpan = append(p.refSpan[:0], c.refSpan...)
	c.key(st, 0) // only for local[0]: whether the boot CPU holds a secondary's id
	p.nkeys = len(c.keys)
	p.klo = append(p.klo[:0], c.klo...)
	p.khi = append(p.khi[:0], c.khi...)
	p.local = append(p.local[:0], c.local...)
	if len(p.elo) < n {
		p.elo, p.ehi = make([]int32, n), make([]int32, n)
	}
	for i := range c.perm {
		c.perm[i] = int32(i)
	}
	p.enc = p.enc[:0]
	if p.local[0] {
		p.enc = c.enc.encodeCPU(c.m, p.enc, st, 0, c.perm, 0)
		p.elo[0], p.ehi[0] = 0, int32(len(p.enc))
	}
	prev := -1
	for i := 1; i < n; i++ {
		if !p.local[i] {
			continue
		}
		if prev == i-1 && dc.sameAsPrevious(i) {
			p.elo[i], p.ehi[i] = p.elo[prev], p.ehi[prev]
			prev = i
			continue
		}
		lo := len(p.enc)
		p.enc = c.enc.encodeCPU(c.m, p.enc, st, i, c.perm, i)
		p.elo[i], p.ehi[i] = int32(lo), int32(len(p.enc))
		if prev >= 0 && bytes.Equal(p.enc[lo:], p.enc[p.elo[prev]:p.ehi[prev]]) {
			// share the bytes, so that comparing the two is one pointer test
			p.enc = p.enc[:lo]
			p.elo[i], p.ehi[i] = p.elo[prev], p.ehi[prev]
		}
		prev = i
	}
}

// EncodeStep is Encode(buf, st, true) for st after a step recorded by u on
// the state last given to Prepare.
func (c *Canon) EncodeStep(buf []byte, st *State, u *Undo) []byte {
	p := &c.parent
	if !p.ready {
		return c.Encode(buf, st, true)
	}
	m := c.m
	n := m.n
	c.keys = c.keys[:p.nkeys]
	copy(c.klo, p.klo)
	copy(c.khi, p.khi)
	copy(c.local, p.local)
	for _, t := range u.list {
		if t != 0 {
			c.key(st, int(t))
		}
	}
	c.analyzeRefs(st)
	c.order = c.order[:0]
	if p.sorted && slices.Equal(c.refs, p.refs) && slices.Equal(c.refSpan, p.refSpan) {
		// The untouched secondaries keep their keys and references, so
		// they are still in order (by key, then id, as the stable sort
		// leaves them): insert each touched one where the sort would put it.
		for i := 1; i < n; i++ {
			if !u.saved[i] {
				c.order = append(c.order, int32(i))
			}
		}
		for _, t := range u.list {
			if t == 0 {
				continue
			}
			at, _ := slices.BinarySearchFunc(c.order, t, func(o, t int32) int {
				if r := c.compare(o, t); r != 0 {
					return r
				}
				return cmp.Compare(o, t)
			})
			c.order = slices.Insert(c.order, at, t)
		}
	} else {
		for i := 1; i < n; i++ {
			c.order = append(c.order, int32(i))
		}
		c.sort()
	}
	c.perm[0], c.inv[0] = 0, 0
	for r, old := range c.order {
		c.perm[old] = int32(r + 1)
		c.inv[r+1] = old
	}
	start := len(buf)
	c.enc.cuts = c.enc.cuts[:0]
	b := c.enc.header(m, append(buf, layoutCanonical), st, c.perm)
	count := 0
	var run []byte
	inA := false // run is in p.sa
	for ni := 0; ni < n; ni++ {
		old := int(c.inv[ni])
		var next []byte
		if !u.saved[old] && p.local[old] {
			next = p.enc[p.elo[old]:p.ehi[old]]
		} else if inA {
			p.sb = c.enc.encodeCPU(m, p.sb[:0], st, old, c.perm, ni)
			next = p.sb
		} else {
			p.sa = c.enc.encodeCPU(m, p.sa[:0], st, old, c.perm, ni)
			next = p.sa
		}
		if count > 0 && bytes.Equal(next, run) {
			count++
			continue
		}
		if count > 0 {
			c.enc.cuts = append(c.enc.cuts, int32(len(b)-start))
			b = putU(b, uint64(count))
			b = append(b, run...)
		}
		run, count = next, 1
		inA = len(next) > 0 && len(p.sa) > 0 && &next[0] == &p.sa[0]
	}
	c.enc.cuts = append(c.enc.cuts, int32(len(b)-start))
	b = putU(b, uint64(count))
	return append(b, run...)
}

// Cuts are the boundaries inside the encoding last returned by Encode,
// EncodeStep or EncodeReuse, as offsets from its first byte: where each CPU
// (plain layout) or each run of equal CPUs (canonical: its count, then the
// CPU) begins; the header is the part before the first. They depend on the
// bytes only (the layout's own boundaries), so equal encodings have equal
// cuts: an explorer can store a state as the parts between them, each
// interned once (a collapsed state vector). The slice is reused by the next
// encoding.
func (c *Canon) Cuts() []int32 { return c.enc.cuts }

// EncodeReuse is Machine.EncodeReuse that also records Cuts.
func (c *Canon) EncodeReuse(buf []byte, st *State, parent []byte, segs []int32, u *Undo) []byte {
	return c.m.encodeReuse(&c.enc, buf, st, parent, segs, u)
}
