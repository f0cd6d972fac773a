package timed

// queue holds each CPU's next event time, at most one per CPU, ordered by
// time and then CPU id, so that simultaneous events run in a fixed order and
// a run is a function of its seed alone. It is an indexed 4-ary heap of
// (time, cpu) entries: moving a CPU's event (an IPI waking it earlier, a new
// step later) is O(log n), and comparisons read the heap array only.
type queue struct {
	heap []entry
	pos  []int32 // pos[cpu]: index in heap, -1 when the CPU has no event
}

type entry struct {
	t int64
	c int32
}

func (a entry) before(b entry) bool { return a.t < b.t || (a.t == b.t && a.c < b.c) }

func newQueue(n int) *queue {
	q := &queue{heap: make([]entry, 0, n), pos: make([]int32, n)}
	for i := range q.pos {
		q.pos[i] = -1
	}
	return q
}

func (q *queue) place(i int, e entry) {
	q.heap[i] = e
	q.pos[e.c] = int32(i)
}

func (q *queue) up(i int, e entry) {
	for i > 0 {
		p := (i - 1) / 4
		if !e.before(q.heap[p]) {
			break
		}
		q.place(i, q.heap[p])
		i = p
	}
	q.place(i, e)
}

func (q *queue) down(i int, e entry) {
	n := len(q.heap)
	for {
		first := 4*i + 1
		if first >= n {
			break
		}
		m := first
		for k := first + 1; k < first+4 && k < n; k++ {
			if q.heap[k].before(q.heap[m]) {
				m = k
			}
		}
		if !q.heap[m].before(e) {
			break
		}
		q.place(i, q.heap[m])
		i = m
	}
	q.place(i, e)
}

// set schedules cpu's event at t, replacing any event it had.
func (q *queue) set(cpu int, t int64) {
	e := entry{t, int32(cpu)}
	if i := int(q.pos[cpu]); i >= 0 {
		if e.before(q.heap[i]) {
			q.up(i, e)
		} else {
			q.down(i, e)
		}
		return
	}
	q.heap = append(q.heap, e)
	q.up(len(q.heap)-1, e)
}

// earlier schedules cpu's event at t unless it already has one no later.
func (q *queue) earlier(cpu int, t int64) {
	if i := q.pos[cpu]; i >= 0 && q.heap[i].t <= t {
		return
	}
	q.set(cpu, t)
}

// remove cancels cpu's event.
func (q *queue) remove(cpu int) {
	i := int(q.pos[cpu])
	if i < 0 {
		return
	}
	q.pos[cpu] = -1
	last := len(q.heap) - 1
	e := q.heap[last]
	q.heap = q.heap[:last]
	if i == last {
		return
	}
	if e.before(q.heap[i]) {
		q.up(i, e)
	} else {
		q.down(i, e)
	}
}

// pop removes and returns the earliest event.
func (q *queue) pop() (cpu int, t int64, ok bool) {
	if len(q.heap) == 0 {
		return 0, 0, false
	}
	e := q.heap[0]
	q.remove(int(e.c))
	return int(e.c), e.t, true
}

// peek returns the earliest event's time and CPU, or ok false.
func (q *queue) peek() (t int64, ok bool) {
	if len(q.heap) == 0 {
		return 0, false
	}
	return q.heap[0].t, true
}

// first returns the CPU of the earliest event (the queue must not be empty).
func (q *queue) first() int { return int(q.heap[0].c) }
