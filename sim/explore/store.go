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
// collapse compression, the store keeps each distinct part once, in a
// table of parts, and a state as the list of its parts' ids (varints): at
// 64 CPUs about a third of the bytes of the full encoding.
//
// The list of ids is injective in the encoding: the parts are the bytes
// between the encoding's own boundaries (Canon.Cuts), which depend on the
// bytes only, so equal encodings give equal lists, and the parts of a list
// concatenate back to the one encoding (expand). Ids are given in the order
// parts are first met, which depends on the search order only: the store
// changes the bytes a state takes, not which states are equal, their ids
// or the order of the search.

// byteTable interns byte strings: ids 0, 1, ... in the order of first
// insertion. Strings are kept in chunks that are never reallocated, each
// preceded by its length (a varint).
type byteTable struct {
	seed   maphash.Seed
	chunks [][]byte
	loc    []uint64 // string i starts at chunks[loc>>32][loc&0xffffffff:] (its length first)
	table  []uint64 // open addressing: hash>>32<<32 | id+1 (0: empty)
	mask   uint64
}

func newByteTable(seed maphash.Seed) byteTable {
	return byteTable{seed: seed, table: make([]uint64, 1<<10), mask: 1<<10 - 1}
}

func (t *byteTable) len() int { return len(t.loc) }

func (t *byteTable) hash(b []byte) uint64 { return maphash.Bytes(t.seed, b) }

// intern returns the id of b, adding it if new.
func (t *byteTable) intern(b []byte) (uint32, bool) {
	return t.internHash(b, t.hash(b))
}

func (t *byteTable) internHash(b []byte, h uint64) (uint32, bool) {
	tag := h >> 32 << 32
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		v := t.table[i]
		if v == 0 {
			id := uint32(len(t.loc))
			t.table[i] = tag | uint64(id+1)
			t.store(b)
			// at most three quarters full: linear probing stays short (the
			// tag spares a comparison of bytes on most collisions)
			if uint64(len(t.loc))*4 > uint64(len(t.table))*3 {
				t.grow()
			}
			return id, true
		}
		if v&^0xffffffff == tag {
			id := uint32(v) - 1
			if string(t.bytes(id)) == string(b) {
				return id, false
			}
		}
	}
}

const chunkSize = 1 << 20

func (t *byteTable) store(b []byte) {
	need := binary.MaxVarintLen32 + len(b)
	k := len(t.chunks) - 1
	if k < 0 || len(t.chunks[k])+need > cap(t.chunks[k]) {
		// chunks grow with the search, so small searches stay small
		size := chunkSize
		if len(t.chunks) < 5 {
			size = chunkSize >> (8 - 2*len(t.chunks))
		}
		t.chunks = append(t.chunks, make([]byte, 0, max(size, need)))
		k++
	}
	c := t.chunks[k]
	t.loc = append(t.loc, uint64(k)<<32|uint64(len(c)))
	c = binary.AppendUvarint(c, uint64(len(b)))
	t.chunks[k] = append(c, b...)
}

// bytes is string id.
func (t *byteTable) bytes(id uint32) []byte {
	l := t.loc[id]
	c := t.chunks[l>>32][l&0xffffffff:]
	var n uint64
	k := 1
	if c[0] < 0x80 {
		n = uint64(c[0])
	} else {
		n, k = binary.Uvarint(c)
	}
	return c[k : k+int(n) : k+int(n)]
}

func (t *byteTable) grow() {
	// the table keeps only the top half of each hash, so rehash the strings
	nt := make([]uint64, len(t.table)*2)
	mask := uint64(len(nt) - 1)
	for id := range t.loc {
		h := t.hash(t.bytes(uint32(id)))
		i := h & mask
		for nt[i] != 0 {
			i = (i + 1) & mask
		}
		nt[i] = h>>32<<32 | uint64(id+1)
	}
	t.table, t.mask = nt, mask
}

func (t *byteTable) memory() int64 {
	n := int64(0)
	for _, c := range t.chunks {
		n += int64(cap(c))
	}
	return n + int64(cap(t.loc))*8 + int64(cap(t.table))*8
}

// stateStore holds the states of one search, collapsed into parts.
type stateStore struct {
	states byteTable // each state: its parts' ids, varints
	parts  byteTable
	// last[k], lastID[k]: the k-th part of the last state interned and its
	// id. Successors of one state share most parts at the same places, and
	// comparing bytes is cheaper than hashing them.
	last   [][]byte
	lastID []uint32
	ids    []byte
}

func newStateStore(seed maphash.Seed) *stateStore {
	return &stateStore{states: newByteTable(seed), parts: newByteTable(seed)}
}

func (s *stateStore) len() int { return s.states.len() }

// intern returns the id of the state whose encoding is b, with cuts its
// boundaries (sim.Canon.Cuts), adding it if new.
func (s *stateStore) intern(b []byte, cuts []int32) (uint32, bool) {
	s.ids = s.ids[:0]
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
		id := s.lastID[k]
		if s.last[k] == nil || string(s.last[k]) != string(part) {
			id, _ = s.parts.intern(part)
			s.last[k], s.lastID[k] = s.parts.bytes(id), id
		}
		s.ids = binary.AppendUvarint(s.ids, uint64(id))
	}
	return s.states.intern(s.ids)
}

// expand appends the encoding of state id to buf.
func (s *stateStore) expand(buf []byte, id uint32) []byte {
	ids := s.states.bytes(id)
	for len(ids) > 0 {
		var p uint64
		if ids[0] < 0x80 {
			p, ids = uint64(ids[0]), ids[1:]
		} else {
			var k int
			p, k = binary.Uvarint(ids)
			ids = ids[k:]
		}
		buf = append(buf, s.parts.bytes(uint32(p))...)
	}
	return buf
}

func (s *stateStore) memory() int64 {
	return s.states.memory() + s.parts.memory() + int64(cap(s.ids))
}
