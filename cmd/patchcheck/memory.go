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
// has no accounting of its own. For those the Go runtime is told a soft
// limit below the budget (debug.SetMemoryLimit, so that the collector
// works harder before the budget is reached), and a watchdog reads the
// memory the runtime holds (runtime/metrics: all classes except released
// heap) every 5 ms: above the stop threshold (memoryThresholds), the run
// stops like at its --timeout, with what was decided so far. The margin
// between the stop and the budget is for what the runtime does not hold
// (the program's text, the C parser's trees, bounded by cfront's input
// limit) and for allocations between two samples, so that the process's
// peak RSS stays within the budget.

// defaultMaxMemoryMiB is the budget without --max-memory.
const defaultMaxMemoryMiB = 1024

// memoryWatch samples the runtime's memory until stopped.
type memoryWatch struct {
	limit    uint64        // the stop threshold (memoryThresholds)
	exceeded chan struct{} // closed when the memory held passed limit
	stop     chan struct{}
	done     sync.WaitGroup
	prev     int64 // the memory limit before, restored by Stop
}

// memoryThresholds are the watchdog's stop and the runtime's soft limit
// for a budget: the stop leaves a margin of a tenth of the budget, at
// least 24 MiB (at most half of it), for memory the runtime does not hold
// (the program's text, the C parser) and for what is allocated between two
// samples; the soft limit is a twentieth of the budget below the stop.
func memoryThresholds(budget uint64) (stopAt, soft uint64) {
	margin := min(max(budget/10, 24<<20), budget/2)
	stopAt = budget - margin
	return stopAt, stopAt - budget/20
}

// startMemory is about what the runtime holds when a command starts (its
// text is not counted here); more at the start of a run belongs to others.
const startMemory = 16 << 20

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
	// Memory an earlier run of the process freed but the runtime still
	// holds is returned first, and what the process still holds beyond a
	// command's own start (other runs in the same process, as in tests)
	// is not this run's: the thresholds move up by it.
	debug.FreeOSMemory()
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	held := memorySample(s)
	others := held - min(held, startMemory)
	stopAt, soft := memoryThresholds(limit)
	w := &memoryWatch{limit: stopAt + others, exceeded: make(chan struct{}), stop: make(chan struct{})}
	w.prev = debug.SetMemoryLimit(int64(soft + others))
	w.done.Add(1)
	go func() {
		defer w.done.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-w.stop:
				return
			case <-t.C:
			}
			if memorySample(s) > w.limit {
				close(w.exceeded)
				return
			}
		}
	}()
	return w
}

// Stop ends the watchdog and restores the runtime's memory limit.
func (w *memoryWatch) Stop() {
	close(w.stop)
	w.done.Wait()
	debug.SetMemoryLimit(w.prev)
}
