package explore

import (
	"bytes"
	"hash/maphash"
	"math"
	"slices"
	"testing"

	"github.com/patchcheck/patchcheck/sim"
	"github.com/patchcheck/patchcheck/sim/internal/simtest"
)

// The store must be a set of encodings: a walk over the states of two
// protocols, plain and canonical, encoding successors as the explorer does
// (EncodeStep or EncodeReuse, with their Cuts), must get from the store the
// ids a map of whole encodings gives, the encoding back from each id, and
// the Cuts a fresh Canon.Encode of the same state gives, with states stored
// whole, collapsed from the start, and collapsed from a point on (whole and
// collapsed states mixed); collapsed records must take fewer bytes than
// the encodings.
func TestStateStore(t *testing.T) {
	const n = 8
	modes := []struct {
		name string
		from int64
	}{{"whole", math.MaxInt64}, {"collapsed", 0}, {"mixed", 30 << 10}}
	for pi, p := range []*sim.Program{simtest.StopProtocol(simtest.StopOptions{OnlineBound: 3, ConfirmOff: true, AffinityBound: 2}), simtest.HotplugProtocol()} {
		m, err := sim.NewMachine(p, sim.Config{CPUs: n, Merge: true, AtomicWaits: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, sym := range []bool{false, true} {
			for _, mode := range modes {
				c, fresh := m.NewCanon(), m.NewCanon()
				dec := m.NewDecoder()
				u := m.NewUndo()
				s := newStateStore(maphash.MakeSeed(), mode.from)
				ref := map[string]uint32{}
				add := func(b []byte) uint32 {
					t.Helper()
					id, isNew := s.intern(b, c.Cuts())
					want, ok := ref[string(b)]
					if !ok {
						want = uint32(len(ref))
						ref[string(b)] = want
					}
					if id != want || isNew == ok {
						t.Fatalf("prog %d sym %v %s: id %d (new %v), want %d (new %v)", pi, sym, mode.name, id, isNew, want, !ok)
					}
					return id
				}
				var cur, st sim.State
				var res sim.StepResult
				var buf, whole []byte
				var bufs [2][]byte // the decoder refers to the last parent's bytes
				add(c.Encode(nil, m.Initial(), sym))
				full := 0
				for id := uint32(0); int(id) < len(ref) && len(ref) < 3000; id++ {
					bufs[id&1] = s.expand(bufs[id&1][:0], id)
					pbuf := bufs[id&1]
					if err := dec.Decode(pbuf, &cur); err != nil {
						t.Fatal(err)
					}
					if whole = c.Encode(whole[:0], &cur, sym); !bytes.Equal(whole, pbuf) {
						t.Fatalf("prog %d sym %v: state %d expands to %x, encodes as %x", pi, sym, id, pbuf, whole)
					}
					full += len(pbuf)
					if cur.End != sim.Running {
						continue
					}
					if sym {
						c.Prepare(&cur, make([]bool, n), dec)
					}
					for cpu := 0; cpu < n; cpu++ {
						for _, a := range m.Actions(&cur, cpu, nil) {
							u.Begin(&cur)
							m.Step(&cur, a, &res)
							if sym {
								buf = c.EncodeStep(buf[:0], &cur, u)
							} else {
								buf = c.EncodeReuse(buf[:0], &cur, pbuf, dec.Segs(), u)
							}
							st = *cur.Clone()
							u.Restore(&cur)
							if w := fresh.Encode(nil, &st, sym); !bytes.Equal(w, buf) || !slices.Equal(fresh.Cuts(), c.Cuts()) {
								t.Fatalf("prog %d sym %v, %v: cuts %v of %x, Encode gives %v of %x", pi, sym, a, c.Cuts(), buf, fresh.Cuts(), w)
							}
							add(buf)
						}
					}
				}
				if len(ref) < 100 {
					t.Errorf("prog %d sym %v: only %d states", pi, sym, len(ref))
				}
				ids, collapsed := 0, 0
				for _, id := range ref {
					if r := s.states.bytes(id); r[0] == storedParts {
						ids += len(r)
						collapsed++
					}
				}
				switch {
				case mode.from == 0 && collapsed != len(ref), mode.from == math.MaxInt64 && collapsed != 0,
					mode.name == "mixed" && (collapsed == 0 || collapsed == len(ref)):
					t.Errorf("prog %d sym %v %s: %d of %d states collapsed", pi, sym, mode.name, collapsed, len(ref))
				case mode.from == 0 && ids >= full:
					t.Errorf("prog %d sym %v: %d bytes of part ids for %d bytes of encodings", pi, sym, ids, full)
				}
				t.Logf("prog %d sym %v %s: %d states (%d collapsed), %d parts, %d bytes of encodings, %d of collapsed records", pi, sym, mode.name, len(ref), collapsed, s.parts.len(), full, ids)
			}
		}
	}
}
