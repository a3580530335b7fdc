package clock

import (
	"context"
	"sync"
	"time"
)

// Fake is a manual clock for tests. Time moves only through Advance. Every
// timer made is also announced on Armed, so a test can wait until the code
// under test is waiting, then check the delay it asked for.
type Fake struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer // pending timers; fired or stopped ones are removed
	armed  chan time.Duration
}

// NewFake returns a Fake clock set to a fixed instant.
func NewFake() *Fake {
	return &Fake{
		now:   time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		armed: make(chan time.Duration, 4096),
	}
}

// Now returns the fake time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// NewTimer registers a timer that fires when Advance passes now+d.
func (f *Fake) NewTimer(d time.Duration) Timer {
	f.mu.Lock()
	t := &fakeTimer{clock: f, when: f.now.Add(d), c: make(chan time.Time, 1)}
	if d <= 0 {
		t.c <- f.now
	} else {
		f.timers = append(f.timers, t)
	}
	f.mu.Unlock()
	select {
	case f.armed <- d:
	default:
	}
	return t
}

// Advance moves time forward by d and fires every timer that is due.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	keep := f.timers[:0]
	for _, t := range f.timers {
		if t.when.After(f.now) {
			keep = append(keep, t)
			continue
		}
		t.c <- f.now
	}
	f.timers = keep
	f.mu.Unlock()
}

// WaitArmed returns the duration of the next timer created, or false if ctx
// ends first.
func (f *Fake) WaitArmed(ctx context.Context) (time.Duration, bool) {
	select {
	case d := <-f.armed:
		return d, true
	case <-ctx.Done():
		return 0, false
	}
}

// Pending returns the number of timers that have neither fired nor stopped.
func (f *Fake) Pending() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.timers)
}

type fakeTimer struct {
	clock *Fake
	when  time.Time
	c     chan time.Time
}

func (t *fakeTimer) C() <-chan time.Time { return t.c }

func (t *fakeTimer) Stop() bool {
	f := t.clock
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, x := range f.timers {
		if x == t {
			f.timers = append(f.timers[:i], f.timers[i+1:]...)
			return true
		}
	}
	return false
}
