package timed

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// The queue pops in (time, cpu) order whatever the order of insertion and
// rescheduling: compare with sorting.
func TestQueueOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const n = 200
	q := newQueue(n)
	want := map[int]int64{}
	for range 2000 {
		c := r.IntN(n)
		switch r.IntN(4) {
		case 0:
			q.remove(c)
			delete(want, c)
		case 1:
			tm := int64(r.IntN(50))
			q.earlier(c, tm)
			if old, ok := want[c]; !ok || tm < old {
				want[c] = tm
			}
		default:
			tm := int64(r.IntN(50))
			q.set(c, tm)
			want[c] = tm
		}
	}
	type ev struct {
		t int64
		c int
	}
	var exp []ev
	for c, tm := range want {
		exp = append(exp, ev{tm, c})
	}
	slices.SortFunc(exp, func(a, b ev) int {
		if a.t != b.t {
			return int(a.t - b.t)
		}
		return a.c - b.c
	})
	for i, e := range exp {
		c, tm, ok := q.pop()
		if !ok || c != e.c || tm != e.t {
			t.Fatalf("pop %d = (%d, %d, %v), want (%d, %d)", i, c, tm, ok, e.c, e.t)
		}
	}
	if _, _, ok := q.pop(); ok {
		t.Fatal("queue not empty")
	}
}
