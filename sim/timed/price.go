package timed

import (
	"math"

	"github.com/patchcheck/patchcheck/sim"
	"github.com/patchcheck/patchcheck/sim/profile"
)

// price returns how long CPU c is occupied by the step it just took: the
// time from the step to the CPU's next program action. Prims that start
// something on other CPUs (IPIs, hand-offs, stop_machine, CPU_OFF) are
// priced by the timers they set (see after and events); the step itself
// costs what the calling CPU spends.
func (ru *run) price(c int, a sim.Action) int64 {
	s, r := ru.set, ru.r
	switch a.Kind {
	case sim.ActIRQ:
		return ns(s.Draw(profile.IRQEntry, r))
	case sim.ActRun:
	default:
		return 0
	}
	res := ru.res
	if !res.Visible {
		return 0
	}
	if res.Op != sim.OpPrim {
		return ns(s.Draw(profile.VisibleStep, r))
	}
	switch res.Prim {
	case sim.PrimUdelay:
		us := float64(res.Args[0])
		return ns(us*1e-6*s.Value(profile.UdelayFactor) + s.Draw(profile.UdelayOverhead, r))
	case sim.PrimUsleepRange:
		lo, hi := float64(res.Args[0])*1e-6, float64(res.Args[1])*1e-6
		if hi < lo {
			hi = lo
		}
		return ns(lo + s.Draw(profile.UsleepPosition, r)*(hi-lo) + s.Draw(profile.TimerWakeup, r))
	case sim.PrimMsleep:
		// msleep(ms) = schedule_timeout(msecs_to_jiffies(ms) + 1) (kernel/time/timer.c)
		j := math.Ceil(float64(res.Args[0])*s.Value(profile.HZ)/1000) + 1
		return ru.jiffySleep(int64(min(j, 1<<41)))
	case sim.PrimSleepJiffies:
		// a negative timeout returns at once (schedule_timeout prints an error)
		return ru.jiffySleep(min(max(int64(res.Args[0]), 0), 1<<41))
	case sim.PrimSynchronizeRCU:
		return ns(ru.gracePeriod(c))
	case sim.PrimSDEIMask:
		return ns(s.Draw(profile.SDEIMask, r))
	case sim.PrimPSCIAffinityInfo, sim.PrimPSCICPUOn:
		return ns(s.Draw(profile.PSCICall, r))
	case sim.PrimPSCICPUOff:
		if int64(res.Ret) == sim.PSCIDenied {
			return ns(s.Draw(profile.PSCICall, r))
		}
		return 0
	case sim.PrimPrintk:
		return ns(ru.printk(int64(res.Args[0])))
	case sim.PrimWarn:
		// WARN prints at KERN_WARNING (4)
		if 4 < s.Value(profile.ConsoleLoglevel) {
			return ns(s.Value(profile.WarnChars) * 10 / s.Value(profile.ConsoleBaud))
		}
		return ns(s.Draw(profile.VisibleStep, r))
	case sim.PrimCost:
		in := &ru.e.prog.Funcs[res.Func].Code[res.PC]
		if id := ru.e.costs[in.Imm]; id >= 0 {
			return ns(s.Draw(id, r))
		}
		// No profile parameter prices this step: the run cannot be timed.
		ru.st.End = sim.Failed
		ru.out.Outcome = "error"
		ru.out.Message = "no timing-profile parameter prices kernel step " + quote(ru.e.prog.Strings[in.Imm]) +
			" (sim.PrimCost names a step parameter of the profile)"
		return 0
	case sim.PrimCrossCall:
		// one ICC_SGI1R write per target cluster of up to 16 CPUs
		k := 0
		for i := range ru.res.Events {
			if ev := &ru.res.Events[i]; ev.Kind == sim.EvIPISent || ev.Kind == sim.EvIPILost {
				k++
			}
		}
		return ns(float64(1+(k+15)/16) * s.Draw(profile.VisibleStep, r))
	case sim.PrimSchedHandoff, sim.PrimStopMachine:
		// the wait is priced by the hand-off and rendezvous timers
		return ns(s.Draw(profile.VisibleStep, r))
	}
	return ns(s.Draw(profile.VisibleStep, r))
}

// jiffySleep is schedule_timeout(j): the timer expires at the j-th tick
// after now (ticks fall on multiples of a jiffy shifted by the run's tick
// phase), and the task runs again after the wake-up latency.
func (ru *run) jiffySleep(j int64) int64 {
	if j <= 0 {
		return ns(ru.set.Draw(profile.VisibleStep, ru.r))
	}
	if j > 1<<40 { // MAX_SCHEDULE_TIMEOUT and the like: beyond any budget
		return never / 2
	}
	jiffy := ru.set.Jiffy() * 1e9
	abs := float64(ru.now + ru.phase)
	next := math.Floor(abs/jiffy)*jiffy + jiffy // the next tick
	wake := next + float64(j-1)*jiffy
	return int64(wake-abs) + ns(ru.set.Draw(profile.TimerWakeup, ru.r))
}

// gracePeriod is one synchronize_rcu called by c: expedited when the profile
// says so; otherwise the idle length, or under load the busy length plus the
// wait for the last busy CPU to leave its non-preemptible section.
func (ru *run) gracePeriod(c int) float64 {
	s, r := ru.set, ru.r
	if s.Value(profile.RCUExpedited) >= 0.5 {
		return s.Draw(profile.RCUGPExpedited, r)
	}
	kb := 0
	if ru.busy {
		for i := range ru.n {
			if i != c && ru.isBusy(i) {
				kb++
			}
		}
	}
	if kb == 0 {
		return s.Draw(profile.RCUGPIdle, r)
	}
	return s.Draw(profile.RCUGPBusy, r) +
		profile.MaxOfMixture(s.Value(profile.BusyNonpreemptFraction), s.Dist(profile.BusyNonpreemptResidual), kb, r)
}

// printk is the console cost of a message at level: written synchronously
// when level < console_loglevel. A level outside 0..7 is the default
// message level 4 (MESSAGE_LOGLEVEL_DEFAULT).
func (ru *run) printk(level int64) float64 {
	s := ru.set
	if level < 0 || level > 7 {
		level = 4
	}
	if float64(level) >= s.Value(profile.ConsoleLoglevel) {
		return s.Draw(profile.VisibleStep, ru.r)
	}
	in := &ru.e.prog.Funcs[ru.res.Func].Code[ru.res.PC]
	chars := float64(consoleChars(ru.e.prog.Strings[in.Imm])) + s.Value(profile.ConsoleLineOverhead)
	return chars * 10 / s.Value(profile.ConsoleBaud)
}

func quote(s string) string { return "\"" + s + "\"" }
