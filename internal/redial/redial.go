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
	// Track, when set, arms every timer of a wait: it calls arm under the
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
	retry := false
	for ctx.Err() == nil {
		r := attempt(retry)
		if !r.Opened.IsZero() {
			b.Healthy(l.Clock.Now().Sub(r.Opened))
		}
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
		if !l.Wait(ctx, b.Next()) {
			return
		}
	}
}

// Wait sleeps d on the clock; false if ctx ended, Idle reported true or
// Track refused to arm a timer. A kick of ReachKey on Reach cuts the wait to a
// delay drawn from [0, backoff.KickWindow), never later than d would have
// ended.
func (l Loop) Wait(ctx context.Context, d time.Duration) bool {
	var kicked <-chan struct{}
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
	for {
		select {
		case <-t.C():
			return true
		case <-ctx.Done():
			return false
		case <-l.Wake:
			if l.Idle != nil && l.Idle() {
				return false
			}
		case <-kicked: // the backend answers again: go soon, jittered
			kicked = nil
			j := backoff.KickDelay(l.Rand)
			if !l.Clock.Now().Add(j).Before(end) {
				continue
			}
			t.Stop()
			nt := l.timer(j)
			if nt == nil {
				return false
			}
			t = nt
		}
	}
}

// timer arms a timer of d, through Track when set; nil if Track refused.
func (l Loop) timer(d time.Duration) clock.Timer {
	if l.Track == nil {
		return l.Clock.NewTimer(d)
	}
	return l.Track(func() clock.Timer { return l.Clock.NewTimer(d) })
}
