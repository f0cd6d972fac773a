package timed

import (
	"github.com/patchcheck/patchcheck/sim"
	"github.com/patchcheck/patchcheck/sim/profile"
)

// What a step starts on other CPUs: the events of the machine's last step
// turned into the engine's timers (IPI arrivals, firmware calls, hand-offs,
// stop_machine's rendezvous), and the CPUs they affect planned again.

// special handles prims that start something other CPUs take part in.
func (ru *run) special(c int, pre preStep) {
	cpu := &ru.st.CPUs[c]
	switch ru.res.Prim {
	case sim.PrimStopMachine:
		if pre.phase != 0 || !ru.st.SM.Active || int(ru.st.SM.Caller) != c {
			return
		}
		ru.smParts = ru.smParts[:0]
		k, kb := 0, 0
		for i := range ru.st.CPUs {
			if ru.st.CPUs[i].Flags&sim.FlagSMPart != 0 {
				ru.smParts = append(ru.smParts, int32(i))
				k++
				if ru.isBusy(i) {
					kb++
				}
			}
		}
		s := ru.set
		d := s.Draw(profile.StopMachineBase, ru.r) + float64(k)*s.Value(profile.StopMachinePerCPU)
		d += profile.MaxOfMixture(s.Value(profile.BusyNonpreemptFraction), s.Dist(profile.BusyNonpreemptResidual), kb, ru.r)
		ru.smAt = ru.now + ns(d)
		ru.q.set(ru.n, ru.smAt)
	case sim.PrimSchedHandoff:
		t := int(ru.res.Args[0])
		if pre.phase != 0 || t == c || t >= ru.n || len(cpu.Frames) == 0 || cpu.Frames[len(cpu.Frames)-1].Phase != 1 {
			return
		}
		var rt float64
		if ru.isBusy(t) {
			rt = ru.set.Draw(profile.SchedHandoffBusy, ru.rng(t)) +
				profile.MaxOfMixture(ru.set.Value(profile.BusyNonpreemptFraction), ru.set.Dist(profile.BusyNonpreemptResidual), 1, ru.rng(t))
		} else {
			rt = ru.set.Draw(profile.SchedHandoffIdle, ru.rng(t))
		}
		fwd := ns(rt / 2)
		ru.handoffAt[t] = ru.now + fwd
		ru.back[c] = ns(rt) - fwd
		ru.plan(t)
	}
}

// isBusy says CPU c is running the scenario's workload: a secondary of a busy
// scenario, online, in task context in its task loop.
func (ru *run) isBusy(c int) bool {
	if !ru.busy || c == 0 {
		return false
	}
	cpu := &ru.st.CPUs[c]
	if cpu.Flags&sim.FlagOnline == 0 || cpu.PSCI != sim.PowerOn || len(cpu.Frames) == 0 || sim.ContextOf(cpu) != sim.ExecTask {
		return false
	}
	fr := &cpu.Frames[len(cpu.Frames)-1]
	in := &ru.e.prog.Funcs[fr.Func].Code[fr.PC]
	return in.Op == sim.OpPrim && sim.Prim(in.Sub) == sim.PrimIdleWait
}

// events applies the events of the last step (c is the CPU that stepped, -1
// for a hang).
func (ru *run) events(c int) {
	for i := range ru.res.Events {
		ev := &ru.res.Events[i]
		switch ev.Kind {
		case sim.EvIPISent:
			t := int(ev.Target)
			ru.costIPI(t)
			ru.deliver(t, int(ev.Val))
		case sim.EvStopperEntered:
			// the last participant to arrive lets the target run the function
			if ru.st.SM.Active && ru.st.SM.Waiting == 0 {
				ru.plan(int(ru.st.SM.Target))
			}
		case sim.EvIPITaken:
			ru.irqAt[int(ev.CPU)*sim.NumIPIs+int(ev.Val)] = never
		case sim.EvOnline:
			if ev.Target >= 0 && int(ev.Target) < ru.n && ru.pinned(int(ev.Target)) {
				ru.conflict()
			}
			if ev.Val == 0 && ru.out.Offline[ev.Target] < 0 {
				ru.out.Offline[ev.Target] = secs(ru.now)
			}
		case sim.EvCPUOff:
			if ev.Val == 0 {
				var d float64
				switch s := ru.slowOff[ev.CPU]; {
				case s > 0:
					d = s
				case s < 0:
					d = ru.set.Draw(profile.FaultSlowCPUOff, ru.rng(int(ev.CPU)))
				default:
					d = ru.set.Draw(profile.PSCICPUOff, ru.rng(int(ev.CPU)))
				}
				ru.fwAt[ev.CPU] = ru.runAt[ev.CPU] + ns(d)
				for ipi := range sim.NumIPIs {
					ru.irqAt[int(ev.CPU)*sim.NumIPIs+ipi] = never
				}
			}
		case sim.EvOffPublished:
			if ru.out.Off[ev.CPU] < 0 {
				ru.out.Off[ev.CPU] = secs(ru.now)
			}
			ru.fwAt[ev.CPU] = never
		case sim.EvCPUOn:
			if ev.Val == 0 {
				ru.fwAt[ev.Target] = ru.now + ns(ru.set.Draw(profile.PSCICall, ru.rng(int(ev.Target))))
				ru.plan(int(ev.Target))
			}
		case sim.EvKthreadRan:
			w := int(ev.Target)
			ru.handoffAt[ev.CPU] = never
			ru.runAt[w] = max(ru.runAt[w], ru.now+ru.back[w])
			ru.plan(w)
		case sim.EvStopMachineDone:
			caller := int(ev.Target)
			ru.smAt = never
			ru.q.remove(ru.n)
			ru.runAt[caller] = max(ru.runAt[caller], ru.now+ns(ru.set.Draw(profile.VisibleStep, ru.rng(caller))))
			for _, p := range ru.smParts {
				if int(p) != c {
					if ru.tl != nil {
						ru.tl.set(int(p), ru.now, ru.state(int(p)))
					}
					ru.released(int(p))
				}
			}
		case sim.EvCall:
			if ev.CPU >= 0 && int(ev.CPU) < ru.n {
				ru.costCall(ev, ru.runAt[ev.CPU])
			}
			if ev.CPU == 0 {
				ru.depth++
				if name := ru.tracedName(ev.Val); name != "" {
					if _, seen := ru.entered[name]; !seen {
						ru.entered[name] = ru.depth
						ru.out.Enter[name] = secs(ru.runAt[0])
						ru.enterAt[name] = ru.cost.snap(0, ru.runAt[0])
					}
				}
			}
		case sim.EvReturn:
			if ev.CPU >= 0 && int(ev.CPU) < ru.n {
				ru.costCall(ev, ru.runAt[ev.CPU])
			}
			if ev.CPU == 0 {
				if name := ru.tracedName(ev.Val); name != "" && ru.entered[name] == ru.depth {
					if _, done := ru.out.Return[name]; !done {
						ru.out.Return[name] = secs(ru.runAt[0])
						end, start := ru.cost.snap(0, ru.runAt[0]), ru.enterAt[name]
						ru.out.FuncCost[name] = end.sub(&start)
					}
				}
				ru.depth--
			}
		case sim.EvRelocate:
			ru.out.Relocate = secs(ru.runAt[ev.CPU])
			if ru.tl != nil {
				ru.tl.relocate = ru.out.Relocate
			}
		}
	}
}

// deliver schedules the arrival of IPI ipi at CPU t.
func (ru *run) deliver(t, ipi int) {
	s, r := ru.set, ru.rng(t)
	d := s.Draw(profile.IPILatency, r)
	cpu := &ru.st.CPUs[t]
	if len(cpu.Frames) > 0 {
		fr := &cpu.Frames[len(cpu.Frames)-1]
		in := &ru.e.prog.Funcs[fr.Func].Code[fr.PC]
		if in.Op == sim.OpPrim && sim.Prim(in.Sub) == sim.PrimIdleWait && !ru.isBusy(t) {
			d += s.Draw(profile.WFIWakeup, r)
		}
	}
	if ru.isBusy(t) {
		d += profile.MaxOfMixture(s.Value(profile.BusyIRQOffFraction), s.Dist(profile.BusyIRQOffResidual), 1, r)
	}
	at := ru.now + ns(d)
	// An IPI raised again while pending is still taken once, when the
	// first arrives.
	i := t*sim.NumIPIs + ipi
	ru.irqAt[i] = min(ru.irqAt[i], at)
	ru.plan(t)
}

// rendezvous: every participant of the running stop_machine that is at a
// preemption point enters its stopper now; the rest enter when they reach
// one. The rendezvous time already includes the wait for the slowest CPU
// (drawn analytically as a maximum over the participants).
func (ru *run) rendezvous() {
	for _, p := range ru.smParts {
		c := int(p)
		cpu := &ru.st.CPUs[c]
		if cpu.Stopper != 0 || cpu.Flags&sim.FlagSMPart == 0 || ru.excuse(c) {
			continue
		}
		ru.acts = ru.m.Actions(ru.st, c, ru.acts[:0])
		for _, a := range ru.acts {
			if a.Kind == sim.ActPreempt && a.Arg == 1 {
				if ru.rp.still != nil {
					ru.rp.still[c] = false
				}
				ru.m.Step(ru.st, a, ru.res)
				ru.steps++
				ru.q.remove(c)
				if ru.tl != nil {
					ru.tl.set(c, ru.now, "stopper")
				}
				break
			}
		}
	}
	if t := int(ru.st.SM.Target); ru.st.SM.Active {
		ru.plan(t)
	}
	for _, p := range ru.smParts {
		if ru.st.CPUs[p].Stopper == 0 && (ru.rp.excused == nil || !ru.rp.excused[p]) {
			ru.plan(int(p))
		}
	}
}
