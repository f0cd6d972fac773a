package timed

// Timeline is the per-CPU state history of one run, in the shape of the
// report's Timeline (which adds the variant and scenario).
type Timeline struct {
	CPUs     []CPUTrack `json:"cpus"`
	Relocate float64    `json:"relocate"` // seconds; negative if never
	End      float64    `json:"end"`
}

// CPUTrack is one CPU's states over time.
type CPUTrack struct {
	CPU      int       `json:"cpu"`
	Segments []Segment `json:"segments"`
}

// Segment is a state held from Start to End (seconds). States: running (task
// code, or the workload of a busy scenario), idle, ipi (an interrupt handler
// on an online CPU), stopping (kernel code of a CPU already offline),
// stopper (spinning in or running stop_machine's stopper), firmware (inside
// PSCI CPU_OFF before OFF is published), off, parked (cpu_park_loop).
type Segment struct {
	State string  `json:"state"`
	Start float64 `json:"start"`
	End   float64 `json:"end"`
}

// States lists the timeline states.
var States = []string{"running", "idle", "ipi", "stopping", "stopper", "firmware", "off", "parked"}

type timelineRec struct {
	cur      []string
	since    []int64
	tracks   []CPUTrack
	relocate float64
}

func newTimelineRec(n int) *timelineRec {
	t := &timelineRec{cur: make([]string, n), since: make([]int64, n), tracks: make([]CPUTrack, n), relocate: -1}
	for i := range t.tracks {
		t.tracks[i].CPU = i
	}
	return t
}

// set records that CPU c is in state s from time at.
func (t *timelineRec) set(c int, at int64, s string) {
	if t.cur[c] == s {
		return
	}
	if t.cur[c] != "" && at > t.since[c] {
		t.tracks[c].Segments = append(t.tracks[c].Segments, Segment{State: t.cur[c], Start: secs(t.since[c]), End: secs(at)})
		t.since[c] = at
	} else if t.cur[c] == "" {
		t.since[c] = at
	}
	t.cur[c] = s
}

func (t *timelineRec) finish(end int64, relocate float64) *Timeline {
	for c := range t.cur {
		if t.cur[c] != "" && end >= t.since[c] {
			t.tracks[c].Segments = append(t.tracks[c].Segments, Segment{State: t.cur[c], Start: secs(t.since[c]), End: secs(end)})
		}
	}
	// merge neighbours in the same state (a state left and re-entered at the same instant)
	for c := range t.tracks {
		segs := t.tracks[c].Segments
		out := segs[:0]
		for _, s := range segs {
			if k := len(out); k > 0 && out[k-1].State == s.State && out[k-1].End == s.Start {
				out[k-1].End = s.End
				continue
			}
			out = append(out, s)
		}
		t.tracks[c].Segments = out
	}
	return &Timeline{CPUs: t.tracks, Relocate: relocate, End: secs(end)}
}
