package rules

import (
	"runtime"
	"sync"
)

// The engine runs of one evaluation (explorations of the safety scenarios,
// sets of timed runs for the claims) are independent of one another: each
// is a function of its request alone (the explorer is deterministic, a
// timed set draws from streams of the seed and the run's index, see
// docs/rules.md, "Concurrency"). They run on a pool of workers, and the
// evaluation reads their results back in its own fixed order, so that the
// report does not depend on the number of workers or on which run ended
// first.

// pool runs tasks on a fixed number of workers, in the order they were
// queued. The claims' timed sets are queued only once the explorations
// have ended (Evaluate): the properties are decided first, as bounds.go
// requires.
type pool struct {
	mu     sync.Mutex
	cond   *sync.Cond
	queue  []func()
	closed bool
}

// newPool starts workers goroutines; 0 or less means GOMAXPROCS.
func newPool(workers int) *pool {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	p := &pool{}
	p.cond = sync.NewCond(&p.mu)
	for range workers {
		go p.work()
	}
	return p
}

func (p *pool) work() {
	for {
		p.mu.Lock()
		for len(p.queue) == 0 && !p.closed {
			p.cond.Wait()
		}
		if p.closed {
			p.mu.Unlock()
			return
		}
		f := p.queue[0]
		p.queue[0] = nil
		p.queue = p.queue[1:]
		p.mu.Unlock()
		f()
	}
}

// submit queues f.
func (p *pool) submit(f func()) {
	p.mu.Lock()
	p.queue = append(p.queue, f)
	p.mu.Unlock()
	p.cond.Signal()
}

// close ends the workers once their current task is done; tasks still
// queued are dropped (the evaluation that queued them has returned).
func (p *pool) close() {
	p.mu.Lock()
	p.closed, p.queue = true, nil
	p.mu.Unlock()
	p.cond.Broadcast()
}

// measureTask is one set of timed runs on the pool.
type measureTask struct {
	done chan struct{} // closed when mr and err are set
	mr   *MeasureResult
	err  error
}
