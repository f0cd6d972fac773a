package rules

import (
	"runtime/metrics"
	"slices"
	"sync"
)

// memGate keeps explorations that run at once from holding, together, much
// more memory than one exploration may. Each exploration keeps its own
// tables within Budget.MaxMemory (the explorer's accounting, the same
// budget whatever runs beside it, so its result does not depend on the
// number of workers). Beside the oldest running exploration (the first
// admitted of those running), the others pause while the
// memory the Go runtime holds is above limit, until an exploration ends:
// the oldest never waits, so the explorations always progress, and a pause
// changes no result (the explorer is deterministic and has no clock but its
// own Timeout, which rules does not set). With the defaults (--max-memory
// 1024 MiB, tables 512 MiB), limit is 128 MiB: the seed's explorations
// (about 10 MB each) never pause, and an exploration that grows to its
// budget shares the process with at most about 128 MiB of others, under
// the command's watchdog (cmd/patchcheck/memory.go).
type memGate struct {
	mu      sync.Mutex
	cond    *sync.Cond
	running []int // seq of each running exploration, in the order admitted
	limit   uint64
	sample  func() uint64 // memory held now; memHeld by default
}

func newMemGate(limit uint64) *memGate {
	g := &memGate{limit: limit, sample: memHeld}
	g.cond = sync.NewCond(&g.mu)
	return g
}

// enter records that the exploration of seq runs.
func (g *memGate) enter(seq int) {
	g.mu.Lock()
	g.running = append(g.running, seq)
	g.mu.Unlock()
}

// leave records that it ended, and wakes the paused ones.
func (g *memGate) leave(seq int) {
	g.mu.Lock()
	if i := slices.Index(g.running, seq); i >= 0 {
		g.running = slices.Delete(g.running, i, i+1)
	}
	g.mu.Unlock()
	g.cond.Broadcast()
}

// wait returns when the exploration of seq may go on: it is the oldest
// running, or the memory held is within the limit. The oldest is the one
// admitted first, not the one first in the scenarios' order: a younger
// exploration that preceded it in that order would otherwise take over
// the right to run while the other, paused, keeps the tables it grew, and
// the two would hold up to twice one exploration's memory.
func (g *memGate) wait(seq int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for len(g.running) > 1 && g.running[0] != seq && g.sample() > g.limit {
		g.cond.Wait()
	}
}

// memHeld is the memory the Go runtime holds from the system, as the
// command's watchdog counts it.
func memHeld() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	total, released := s[0].Value.Uint64(), s[1].Value.Uint64()
	if released > total {
		return 0
	}
	return total - released
}
