package timed

// queue holds each CPU's next event time, at most one per CPU, ordered by
// time and then CPU id, so that simultaneous events run in a fixed order and
// a run is a function of its seed alone. It is an indexed binary heap: moving
// a CPU's event (an IPI waking it earlier, a new step later) is O(log n).
type queue struct {
	heap []int32 // CPU ids
	at   []int64 // at[cpu]: event time (ns); valid while pos[cpu] >= 0
	pos  []int32 // pos[cpu]: index in heap, -1 when the CPU has no event
}

func newQueue(n int) *queue {
	q := &queue{heap: make([]int32, 0, n), at: make([]int64, n), pos: make([]int32, n)}
	for i := range q.pos {
		q.pos[i] = -1
	}
	return q
}

func (q *queue) reset() {
	for _, c := range q.heap {
		q.pos[c] = -1
	}
	q.heap = q.heap[:0]
}

func (q *queue) less(i, j int) bool {
	a, b := q.heap[i], q.heap[j]
	if q.at[a] != q.at[b] {
		return q.at[a] < q.at[b]
	}
	return a < b
}

func (q *queue) swap(i, j int) {
	q.heap[i], q.heap[j] = q.heap[j], q.heap[i]
	q.pos[q.heap[i]] = int32(i)
	q.pos[q.heap[j]] = int32(j)
}

func (q *queue) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !q.less(i, p) {
			return
		}
		q.swap(i, p)
		i = p
	}
}

func (q *queue) down(i int) {
	n := len(q.heap)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && q.less(r, l) {
			m = r
		}
		if !q.less(m, i) {
			return
		}
		q.swap(i, m)
		i = m
	}
}

// set schedules cpu's event at t, replacing any event it had.
func (q *queue) set(cpu int, t int64) {
	if i := q.pos[cpu]; i >= 0 {
		old := q.at[cpu]
		q.at[cpu] = t
		if t < old {
			q.up(int(i))
		} else {
			q.down(int(i))
		}
		return
	}
	q.at[cpu] = t
	q.heap = append(q.heap, int32(cpu))
	q.pos[cpu] = int32(len(q.heap) - 1)
	q.up(len(q.heap) - 1)
}

// earlier schedules cpu's event at t unless it already has one no later.
func (q *queue) earlier(cpu int, t int64) {
	if q.pos[cpu] >= 0 && q.at[cpu] <= t {
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
	last := len(q.heap) - 1
	if i != last {
		q.swap(i, last)
	}
	q.heap = q.heap[:last]
	q.pos[cpu] = -1
	if i != last {
		q.down(i)
		q.up(i)
	}
}

// pop removes and returns the earliest event.
func (q *queue) pop() (cpu int, t int64, ok bool) {
	if len(q.heap) == 0 {
		return 0, 0, false
	}
	c := int(q.heap[0])
	t = q.at[c]
	q.remove(c)
	return c, t, true
}

// peek returns the earliest event's time, or ok false.
func (q *queue) peek() (t int64, ok bool) {
	if len(q.heap) == 0 {
		return 0, false
	}
	return q.at[q.heap[0]], true
}

// scheduled reports cpu's event time.
func (q *queue) scheduled(cpu int) (int64, bool) {
	if q.pos[cpu] < 0 {
		return 0, false
	}
	return q.at[cpu], true
}
