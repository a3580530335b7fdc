// Package redial is kubelive's one reconnection loop: attempt a connection,
// serve it until it ends, wait out a backoff (cut short when the backend is
// proven reachable again), and attempt again, until the owner stops it. The
// shared sockets (internal/registry), the streams (internal/stream) and the
// multiplexer client (internal/mux) each supply only their attempt: how to
// dial, what to serve, which states to announce and when a failure is final.
//
// Invariants: attempts never overlap and run on the caller's goroutine, one
// after another; a wait never outlives the loop's context, and leaves no
// timer armed when it returns; the backoff resets after a connection stayed
// healthy for the policy's ResetAfter, after an attempt that was served, and
// after an attempt that asks to go again at once.
package redial

import (
	"context"
	"time"

	"github.com/kubelive/kubelive/internal/backoff"
	"github.com/kubelive/kubelive/internal/clock"
)

// Verdict is what the loop does after an attempt.
type Verdict int

const (
	// Retry waits out the next backoff delay, then attempts again.
	Retry Verdict = iota
	// Again attempts again at once with a fresh backoff: the connection was
	// closed on purpose (for instance to be replaced), not lost.
	Again
	// Stop ends the loop: the owner is done, or the failure is final.
	Stop
)

// Result is how one attempt ended.
type Result struct {
	Verdict Verdict
	// Opened is when the connection opened; zero if it never did. The time
	// it stayed up counts towards the policy's ResetAfter.
	Opened time.Time
	// Served says the peer delivered data on the connection, so the next
	// failure is treated as a first one.
	Served bool
}

// Loop describes the waits between attempts. The zero value of each field
// but Clock is usable.
type Loop struct {
	Backoff backoff.Policy
	Rand    func() float64 // jitter in [0, 1); nil: math/rand/v2
	Clock   clock.Clock
	// Reach, when set, cuts a wait short once ReachKey (or the whole
	// backend, "") is kicked: see backoff.Reach.
	Reach    *backoff.Reach
	ReachKey string
	// Wake, when it delivers during a wait, makes the loop ask Idle; Idle
	// reporting true ends the loop.
	Wake <-chan struct{}
	Idle func() bool
	// Probe, when set, asks the backend by another way than the
	// connection (an HTTP request) whether it answers: every ProbeEvery
	// during a wait longer than that, and at once at the start of any wait
	// that follows an attempt that never opened (so that a backend the dial
	// found down is known down, however short the waits). A probe that
	// answers after one of this loop's probes did not (the backend was down
	// and is back) cuts the wait short as a kick of Reach would: a long
	// backoff does not outlast a server's restart. A backend that answers
	// every probe never cuts a wait (its connection fails for another
	// reason: the backoff stands). Probe must return when ctx ends.
	Probe      func(ctx context.Context) bool
	ProbeEvery time.Duration
	// Track, when set, arms the backoff timer of a wait: it calls arm under the
	// owner's lock and keeps the timer, so that the owner can stop it
	// synchronously, or returns nil without calling arm when the owner is
	// cancelled (the wait and the loop then end). It is called with a nil
	// arm when the wait ends, to forget the timer.
	Track func(arm func() clock.Timer) clock.Timer
}

// Run calls attempt until it returns Stop, ctx ends, or a wait is ended by
// Idle or Track. retry tells attempt that the previous attempt failed (false
// for the first one and after Again).
func (l Loop) Run(ctx context.Context, attempt func(retry bool) Result) {
	b := backoff.New(l.Backoff, l.Rand)
	var p probing
	retry := false
	for ctx.Err() == nil {
		r := attempt(retry)
		if !r.Opened.IsZero() {
			b.Healthy(l.Clock.Now().Sub(r.Opened))
			p = probing{} // it answered: the next outage is seen afresh
		}
		p.now = r.Opened.IsZero()
		if r.Served {
			b.Reset()
		}
		switch r.Verdict {
		case Stop:
			return
		case Again:
			b.Reset()
			retry = false
			continue
		}
		retry = true
		if !l.wait(ctx, b.Next(), &p) {
			return
		}
	}
}

// probing is what a loop's probes have seen, down once one did not answer,
// and whether the next wait probes at once (now: its attempt never opened).
type probing struct{ down, now bool }

// Wait sleeps d on the clock; false if ctx ended, Idle reported true or
// Track refused to arm a timer. A kick of ReachKey on Reach, or a probe that
// answers after one that did not, cuts the wait (once) to a delay drawn from
// [0, backoff.KickWindow), never later than d would have ended.
func (l Loop) Wait(ctx context.Context, d time.Duration) bool {
	return l.wait(ctx, d, &probing{})
}

// wait is Wait with the probes' memory p of the loop it belongs to.
func (l Loop) wait(ctx context.Context, d time.Duration, p *probing) bool {
	var kicked <-chan struct{}
	cutShort := false
	if l.Reach != nil {
		kicked = l.Reach.Wait(l.ReachKey, l.Clock.Now())
	}
	end := l.Clock.Now().Add(d)
	t := l.timer(d)
	if t == nil {
		return false
	}
	defer func() {
		t.Stop()
		if l.Track != nil {
			l.Track(nil)
		}
	}()
	pr := l.startProbing(ctx, d, p.now)
	defer pr.stop()
	for {
		select {
		case <-t.C():
			return true
		case <-pr.tick():
			pr.probe()
		case up := <-pr.answers:
			if !up {
				p.down = true
				pr.rearm()
				continue
			}
			if !p.down {
				pr.rearm()
				continue
			}
			p.down = false // back: no more probes in this wait
			if !cutShort {
				cutShort, kicked = true, nil
				if !l.cut(&t, end) {
					return false
				}
			}
		case <-ctx.Done():
			return false
		case <-l.Wake:
			if l.Idle != nil && l.Idle() {
				return false
			}
		case <-kicked: // the backend answers again: go soon, jittered
			kicked = nil
			if !cutShort {
				cutShort = true
				pr.stopTimer()
				if !l.cut(&t, end) {
					return false
				}
			}
		}
	}
}

// cut replaces the wait's timer *t with one of a delay drawn from [0,
// backoff.KickWindow), unless the wait ends before that; false if Track
// refused the new timer.
func (l Loop) cut(t *clock.Timer, end time.Time) bool {
	j := backoff.KickDelay(l.Rand)
	if !l.Clock.Now().Add(j).Before(end) {
		return true
	}
	(*t).Stop()
	nt := l.timer(j)
	if nt == nil {
		return false
	}
	*t = nt
	return true
}

// timer arms a timer of d, through Track when set; nil if Track refused.
func (l Loop) timer(d time.Duration) clock.Timer {
	if l.Track == nil {
		return l.Clock.NewTimer(d)
	}
	return l.Track(func() clock.Timer { return l.Clock.NewTimer(d) })
}
