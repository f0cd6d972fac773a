package explore

import (
	"encoding/binary"
	"hash/maphash"
)

// The state store.
//
// A state's encoding (sim.Canon) is a header (globals, stop_machine, the
// outcome) followed by one part per CPU, or per run of equal CPUs in the
// canonical layout. Most of these parts recur across millions of states: a
// secondary in the idle loop, one parked, one in its stopper. As in SPIN's
// collapse compression, once a search is large (collapseAt) the store
// keeps each distinct part once, in a table of parts, and a state as the
// list of its parts' ids (varints).
//
// The list of ids is injective in the encoding: the parts are the bytes
// between the encoding's own boundaries (Canon.Cuts), and they concatenate
// back to the one encoding (expand); a state is looked up by the hash of
// its whole encoding and found equal by comparing the encoding with the
// concatenation of its stored parts, so whether a state was stored whole
// or collapsed makes no difference to which states are equal. States get
// ids in the order they are first met: the store changes the bytes a state
// takes, not the ids, the order of the search or its results.

// arena keeps byte strings in chunks that are never reallocated, each
// preceded by its length (a varint).
type arena struct {
	chunks [][]byte
	loc    []uint64 // string i starts at chunks[loc>>32][loc&0xffffffff:] (its length first)
}

func (a *arena) len() int { return len(a.loc) }

const chunkSize = 1 << 20

// store appends b and returns its copy in the arena, and whether it took
// a new chunk.
func (a *arena) store(b []byte) ([]byte, bool) {
	need := binary.MaxVarintLen32 + len(b)
	k := len(a.chunks) - 1
	grew := k < 0 || len(a.chunks[k])+need > cap(a.chunks[k])
	if grew {
		// chunks grow with the search, so small searches stay small
		size := chunkSize
		if len(a.chunks) < 5 {
			size = chunkSize >> (8 - 2*len(a.chunks))
		}
		a.chunks = append(a.chunks, make([]byte, 0, max(size, need)))
		k++
	}
	c := a.chunks[k]
	a.loc = append(a.loc, uint64(k)<<32|uint64(len(c)))
	c = binary.AppendUvarint(c, uint64(len(b)))
	at := len(c)
	c = append(c, b...)
	a.chunks[k] = c
	return c[at:len(c):len(c)], grew
}

// bytes is string id.
func (a *arena) bytes(id uint32) []byte {
	l := a.loc[id]
	c := a.chunks[l>>32][l&0xffffffff:]
	var n uint64
	k := 1
	if c[0] < 0x80 {
		n = uint64(c[0])
	} else {
		n, k = binary.Uvarint(c)
	}
	return c[k : k+int(n) : k+int(n)]
}

func (a *arena) memory() int64 {
	n := int64(0)
	for _, c := range a.chunks {
		n += int64(cap(c))
	}
	return n + int64(cap(a.loc))*8
}

// index is an open-addressing table of ids by hash: hash>>32<<32 | id+1
// (0: empty), at most three quarters full (linear probing stays short, and
// the tag spares a comparison of bytes on most collisions). A hash's slot
// is given by the top bits of the hash, which the entry keeps, so growing
// moves entries without hashing anything again (the top 32 bits choose
// among up to 2^32 slots).
type index struct {
	table []uint64
	shift uint // slot = hash >> shift
}

func newIndex() index { return index{table: make([]uint64, 1<<10), shift: 64 - 10} }

func (x *index) slot(h uint64) uint64 { return h >> x.shift }

// find returns the id under hash h for which eq holds, or the slot where
// a new id goes.
func (x *index) find(h uint64, eq func(id uint32) bool) (id uint32, slot uint64, ok bool) {
	tag := h >> 32 << 32
	mask := uint64(len(x.table) - 1)
	for i := x.slot(h); ; i = (i + 1) & mask {
		v := x.table[i]
		if v == 0 {
			return 0, i, false
		}
		if v&^0xffffffff == tag && eq(uint32(v)-1) {
			return uint32(v) - 1, i, true
		}
	}
}

// add puts id (the n-th, counting from 1) under hash h at slot, growing
// the table when it is three quarters full.
func (x *index) add(slot, h uint64, id uint32) {
	x.table[slot] = h>>32<<32 | uint64(id+1)
	if uint64(id+1)*4 > uint64(len(x.table))*3 {
		x.grow()
	}
}

func (x *index) grow() {
	old := x.table
	x.table, x.shift = make([]uint64, len(old)*2), x.shift-1
	mask := uint64(len(x.table) - 1)
	for _, v := range old {
		if v == 0 {
			continue
		}
		i := x.slot(v)
		for x.table[i] != 0 {
			i = (i + 1) & mask
		}
		x.table[i] = v
	}
}

func (x *index) memory() int64 { return int64(cap(x.table)) * 8 }

// byteTable interns byte strings: ids 0, 1, ... in the order of first
// insertion.
type byteTable struct {
	seed maphash.Seed
	arena
	index
	strs [][]byte // string i, in the arena (parts are few and read often)
	key  []byte   // the string being looked up
	eq   func(id uint32) bool
}

func newByteTable(seed maphash.Seed) *byteTable {
	t := &byteTable{seed: seed, index: newIndex()}
	t.eq = func(id uint32) bool { return string(t.strs[id]) == string(t.key) }
	return t
}

// intern returns the id of b, adding it if new.
func (t *byteTable) intern(b []byte) (uint32, bool) {
	h := maphash.Bytes(t.seed, b)
	t.key = b
	id, slot, ok := t.find(h, t.eq)
	t.key = nil
	if ok {
		return id, false
	}
	id = uint32(t.arena.len())
	c, _ := t.store(b)
	t.strs = append(t.strs, c)
	t.add(slot, h, id)
	return id, true
}

// bytes is string id.
func (t *byteTable) bytes(id uint32) []byte { return t.strs[id] }

func (t *byteTable) memory() int64 {
	return t.arena.memory() + t.index.memory() + int64(cap(t.strs))*24
}

// collapseFrom is the size of the store's tables from which it stores new
// states collapsed. Below it states are stored whole, as the explorer's
// many small searches (a few CPUs, thousands of states) run fastest:
// collapsing costs a lookup of each new part (6-12% of the CPU time of a
// search, measured on the seed's programs: BEFORE at 4 CPUs 0.27 CPU-s
// collapsed from 256 KiB against 0.24 from 4 MiB); above it the bytes
// matter. Machines of many CPUs (collapseFromMany) collapse early: their
// states are large and made of parts that recur (runs of equal
// secondaries), so collapsing halves their tables and more, and the seed's
// AFTER program at 64 CPUs takes 92 bytes per state instead of 233 (all of
// its 14,761 states fit under 4 MiB whole) in the same CPU time, within the
// noise of the machine.
const (
	collapseFrom     = 4 << 20
	collapseFromMany = 256 << 10
	manyCPUs         = 16
)

// collapseAt is where a store for a machine of n CPUs starts collapsing.
func collapseAt(n int) int64 {
	if n >= manyCPUs {
		return collapseFromMany
	}
	return collapseFrom
}

// stateStore holds the states of one search. Its index is by the hash of a
// state's whole encoding, so that a state met again (most successors) is
// found by comparing its encoding with what is stored, with no lookup of
// its parts. A stored state is a tag byte and then either the encoding
// (storedWhole) or its parts' ids (storedParts, varints).
type stateStore struct {
	seed   maphash.Seed
	states arena
	index
	parts *byteTable
	// collapse: new states are stored as their parts, from the time the
	// tables passed from bytes (checked as the store takes a new chunk).
	collapse bool
	from     int64
	// last[k], lastID[k]: the k-th part of the last state added and its
	// id. Successors of one state share most parts at the same places, and
	// comparing bytes is cheaper than looking them up.
	last   [][]byte
	lastID []uint32
	rec    []byte // the record being stored
	key    []byte // the encoding being looked up
	eq     func(id uint32) bool
}

const (
	storedWhole = 0
	storedParts = 1
)

// newStateStore returns a store that collapses states once its tables
// take from bytes (collapseAt in the explorer).
func newStateStore(seed maphash.Seed, from int64) *stateStore {
	s := &stateStore{seed: seed, index: newIndex(), parts: newByteTable(seed), from: from, collapse: from <= 0}
	s.eq = func(id uint32) bool { return s.equal(id, s.key) }
	return s
}

func (s *stateStore) len() int { return s.states.len() }

// intern returns the id of the state whose encoding is b, with cuts its
// boundaries (sim.Canon.Cuts), adding it if new.
func (s *stateStore) intern(b []byte, cuts []int32) (uint32, bool) {
	h := maphash.Bytes(s.seed, b)
	s.key = b
	id, slot, ok := s.find(h, s.eq)
	s.key = nil
	if ok {
		return id, false
	}
	id = uint32(s.states.len())
	if s.collapse {
		s.rec = append(s.rec[:0], storedParts)
		for k := 0; k <= len(cuts); k++ {
			lo, hi := 0, len(b)
			if k > 0 {
				lo = int(cuts[k-1])
			}
			if k < len(cuts) {
				hi = int(cuts[k])
			}
			part := b[lo:hi]
			if k >= len(s.last) {
				s.last = append(s.last, nil)
				s.lastID = append(s.lastID, 0)
			}
			p := s.lastID[k]
			if s.last[k] == nil || string(s.last[k]) != string(part) {
				p, _ = s.parts.intern(part)
				s.last[k], s.lastID[k] = s.parts.bytes(p), p
			}
			s.rec = binary.AppendUvarint(s.rec, uint64(p))
		}
	} else {
		s.rec = append(append(s.rec[:0], storedWhole), b...)
	}
	if _, grew := s.states.store(s.rec); grew && !s.collapse && s.memory() > s.from {
		// checked as the store takes a chunk: often while it is small,
		// every MiB later
		s.collapse = true
	}
	s.add(slot, h, id)
	return id, true
}

// equal reports whether state id's encoding is b.
func (s *stateStore) equal(id uint32, b []byte) bool {
	r := s.states.bytes(id)
	if r[0] == storedWhole {
		return string(r[1:]) == string(b)
	}
	ids := r[1:]
	for len(ids) > 0 {
		var p uint32
		p, ids = nextPart(ids)
		pb := s.parts.bytes(p)
		if len(b) < len(pb) || string(b[:len(pb)]) != string(pb) {
			return false
		}
		b = b[len(pb):]
	}
	return len(b) == 0
}

// nextPart reads the first part id of a collapsed state's ids (a varint,
// one byte below 128) and returns it with the rest.
func nextPart(ids []byte) (uint32, []byte) {
	if ids[0] < 0x80 {
		return uint32(ids[0]), ids[1:]
	}
	p, k := binary.Uvarint(ids)
	return uint32(p), ids[k:]
}

// expand appends the encoding of state id to buf.
func (s *stateStore) expand(buf []byte, id uint32) []byte {
	r := s.states.bytes(id)
	if r[0] == storedWhole {
		return append(buf, r[1:]...)
	}
	ids := r[1:]
	for len(ids) > 0 {
		var p uint32
		p, ids = nextPart(ids)
		buf = append(buf, s.parts.bytes(p)...)
	}
	return buf
}

func (s *stateStore) memory() int64 {
	return s.states.memory() + s.index.memory() + s.parts.memory() + int64(cap(s.rec))
}
