package main

import (
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// The memory budget of the whole run (--max-memory). The explorer keeps
// its own tables within half of it (its accounting, rules.Budget.MaxMemory)
// and ends an exploration that would need more as inconclusive; the rest of
// the run (compiled programs, timed runs, reports, the machine's analyses)
// has no accounting of its own. For those the Go runtime is told the budget
// (debug.SetMemoryLimit, at 80% of it, so that the collector works harder
// well before the budget is reached), and a watchdog reads the memory the
// runtime holds (runtime/metrics: all classes except released heap) every
// 5 ms: above 90% of the budget, the run stops like at its --timeout, with
// what was decided so far. The last tenth is the margin for what the
// runtime does not hold (the program's text, the C parser's trees, bounded
// by cfront's input limit) and for allocations between two samples, so
// that the process's peak RSS stays within the budget.

// defaultMaxMemoryMiB is the budget without --max-memory.
const defaultMaxMemoryMiB = 1024

// memoryWatch samples the runtime's memory until stopped.
type memoryWatch struct {
	limit    uint64        // 90% of the budget
	exceeded chan struct{} // closed when the memory held passed limit
	stop     chan struct{}
	done     sync.WaitGroup
	prev     int64 // the memory limit before, restored by Stop

	mu   sync.Mutex
	peak uint64
}

// memorySample is the memory the Go runtime holds from the system.
func memorySample(s []metrics.Sample) uint64 {
	metrics.Read(s)
	total, released := s[0].Value.Uint64(), s[1].Value.Uint64()
	if released > total {
		return 0
	}
	return total - released
}

func watchMemory(limit uint64) *memoryWatch {
	w := &memoryWatch{limit: limit / 10 * 9, exceeded: make(chan struct{}), stop: make(chan struct{})}
	w.prev = debug.SetMemoryLimit(int64(limit / 10 * 8))
	w.done.Add(1)
	go func() {
		defer w.done.Done()
		s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-w.stop:
				return
			case <-t.C:
			}
			m := memorySample(s)
			w.mu.Lock()
			w.peak = max(w.peak, m)
			w.mu.Unlock()
			if m > w.limit {
				close(w.exceeded)
				return
			}
		}
	}()
	return w
}

// Peak is the most memory a sample found.
func (w *memoryWatch) Peak() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.peak
}

// Stop ends the watchdog and restores the runtime's memory limit.
func (w *memoryWatch) Stop() {
	close(w.stop)
	w.done.Wait()
	debug.SetMemoryLimit(w.prev)
}
