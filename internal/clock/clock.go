// Package clock abstracts time so that every timer in kubelive can be driven by
// a test. Production code uses Real; tests use Fake.
package clock

import (
	"sync"
	"time"
)

// Clock tells the time and makes timers.
type Clock interface {
	Now() time.Time
	// NewTimer returns a timer that sends on C once, d after now.
	NewTimer(d time.Duration) Timer
}

// Timer is a one-shot timer. Stop reports whether it stopped the timer
// before it fired; after Stop, C never fires.
type Timer interface {
	C() <-chan time.Time
	Stop() bool
}

// Real is the wall clock.
type Real struct{}

// Now returns time.Now().
func (Real) Now() time.Time { return time.Now() }

// NewTimer wraps time.NewTimer.
func (Real) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time { return r.t.C }
func (r realTimer) Stop() bool          { return r.t.Stop() }

// Counting wraps a Clock and counts its armed timers: made, not stopped, not
// yet due. A client reports Armed in its stats, so a test can check that
// nothing it cleaned up left a timer behind.
type Counting struct {
	Clock Clock

	mu     sync.Mutex
	timers map[*countingTimer]struct{} // armed or due and never stopped
	pruned int                         // len(timers) after the last prune
}

// Now returns the wrapped clock's time.
func (c *Counting) Now() time.Time { return c.Clock.Now() }

// NewTimer makes a timer of the wrapped clock and counts it until it is
// stopped or due.
func (c *Counting) NewTimer(d time.Duration) Timer {
	t := &countingTimer{Timer: c.Clock.NewTimer(d), c: c, due: c.Clock.Now().Add(d)}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.timers == nil {
		c.timers = map[*countingTimer]struct{}{}
	}
	c.timers[t] = struct{}{}
	if len(c.timers) > 2*c.pruned+64 { // bound the fired timers kept
		c.pruneLocked()
	}
	return t
}

// Armed returns how many timers are armed now.
func (c *Counting) Armed() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pruneLocked()
	return len(c.timers)
}

func (c *Counting) pruneLocked() {
	now := c.Clock.Now()
	for t := range c.timers {
		if !t.due.After(now) {
			delete(c.timers, t)
		}
	}
	c.pruned = len(c.timers)
}

type countingTimer struct {
	Timer
	c   *Counting
	due time.Time
}

func (t *countingTimer) Stop() bool {
	t.c.mu.Lock()
	delete(t.c.timers, t)
	t.c.mu.Unlock()
	return t.Timer.Stop()
}
