package redial

import (
	"context"
	"time"

	"github.com/kubelive/kubelive/internal/clock"
)

// prober runs one wait's probes: a timer of ProbeEvery, then one probe on
// its own goroutine whose answer arrives on answers, then the timer again.
// Invariants: at most one probe runs; stop cancels it and its timer, and
// no goroutine outlives the probe's context by more than Probe takes to
// return.
type prober struct {
	l       Loop
	ctx     context.Context
	cancel  context.CancelFunc
	timer   clock.Timer // nil when no probe is due
	answers chan bool   // buffered: a probe never blocks on a wait that ended
}

// startProbing returns the prober of a wait of d: idle (no timer, no
// probe) unless the loop has a Probe and either now is set (the first probe
// starts at once, whatever d) or d is longer than ProbeEvery (the first
// probe is due ProbeEvery from now).
func (l Loop) startProbing(ctx context.Context, d time.Duration, now bool) *prober {
	p := &prober{l: l, answers: make(chan bool, 1)}
	if l.Probe == nil || l.ProbeEvery <= 0 || (!now && d <= l.ProbeEvery) {
		return p
	}
	p.ctx, p.cancel = context.WithCancel(ctx)
	if now {
		p.probe()
		return p
	}
	p.timer = l.Clock.NewTimer(l.ProbeEvery)
	return p
}

// tick is the channel of the next probe's time; nil (never ready) when none
// is due.
func (p *prober) tick() <-chan time.Time {
	if p.timer == nil {
		return nil
	}
	return p.timer.C()
}

// probe starts one probe, bounded by ProbeEvery.
func (p *prober) probe() {
	p.timer = nil
	go func() {
		ctx, cancel := context.WithTimeout(p.ctx, p.l.ProbeEvery)
		defer cancel()
		p.answers <- p.l.Probe(ctx)
	}()
}

// rearm schedules the next probe ProbeEvery from now.
func (p *prober) rearm() {
	if p.cancel != nil && p.ctx.Err() == nil {
		p.timer = p.l.Clock.NewTimer(p.l.ProbeEvery)
	}
}

// stopTimer stops the next probe's timer, if any.
func (p *prober) stopTimer() {
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
}

// stop ends the probes: the timer stopped, a running probe cancelled.
func (p *prober) stop() {
	p.stopTimer()
	if p.cancel != nil {
		p.cancel()
	}
}
