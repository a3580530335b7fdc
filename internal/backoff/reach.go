package backoff

import (
	"sync"
	"time"

	"github.com/kubelive/kubelive/internal/clock"
)

// KickMemory is how long a kick still counts: a retry that starts waiting
// this soon after its backend was proven reachable goes after a kick's
// delay too. Kicks are edges; without it, a list whose dial failed just
// before the backend came back, and that began its wait just after the
// last socket opened, would sit out its whole backoff.
const KickMemory = 2 * time.Second

// KickWindow is how far apart the retries that one kick releases are spread:
// each waits a delay drawn uniformly from [0, KickWindow), so that a thousand
// lists do not dial in the same millisecond.
const KickWindow = 500 * time.Millisecond

// Reach is the reachability signal of one backend: a socket that opens to it
// proves it reachable, so the retries waiting for it go now instead of at the
// end of their (possibly 30 s) backoff. Waiters are keyed by cluster; the key
// "" stands for the whole backend (the multiplexer's socket, which serves
// every cluster). It is safe for concurrent use; the zero value is ready.
//
// Invariant: chans holds, per key, the channel that the next Kick of that key
// closes; a key leaves the map when it is kicked.
type Reach struct {
	// Clock dates the kicks (nil: the wall clock).
	Clock clock.Clock

	mu     sync.Mutex
	chans  map[string]chan struct{}
	kicked map[string]time.Time // the last kick of each key
}

func (r *Reach) now() time.Time {
	if r.Clock == nil {
		return time.Now()
	}
	return r.Clock.Now()
}

// recent reports whether key (or the whole backend) was kicked less than
// KickMemory before now.
func (r *Reach) recent(key string, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, k := range []string{key, ""} {
		if at, ok := r.kicked[k]; ok && now.Sub(at) < KickMemory {
			return true
		}
	}
	return false
}

// C returns a channel closed at the next Kick of key (or of "", or KickAll).
func (r *Reach) C(key string) <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.chans == nil {
		r.chans = map[string]chan struct{}{}
	}
	ch := r.chans[key]
	if ch == nil {
		ch = make(chan struct{})
		r.chans[key] = ch
	}
	return ch
}

// Kick releases the waiters of key and the backend-wide ones (key ""): a
// socket to one cluster opened, so the server that proxies it answers.
func (r *Reach) Kick(key string) {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.kickLocked(key, now)
	r.kickLocked("", now)
}

// KickAll releases every waiter: the multiplexer's socket opened, the
// browser came back online or the page became visible, or the user asked
// for a retry.
func (r *Reach) KickAll() {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	for k := range r.chans {
		r.kickLocked(k, now)
	}
	r.kickLocked("", now)
}

// kickLocked releases key's waiters and dates the kick. Caller holds mu.
func (r *Reach) kickLocked(key string, now time.Time) {
	if r.kicked == nil {
		r.kicked = map[string]time.Time{}
	}
	r.kicked[key] = now
	if ch := r.chans[key]; ch != nil {
		close(ch)
		delete(r.chans, key)
	}
}

// Wait returns the channel a retry of key waits on: closed at the next kick,
// or already closed when key was kicked within KickMemory.
func (r *Reach) Wait(key string, now time.Time) <-chan struct{} {
	if r.recent(key, now) {
		c := make(chan struct{})
		close(c)
		return c
	}
	return r.C(key)
}

// KickDelay draws the delay of a retry released by a kick from
// [0, KickWindow) with rnd (nil: math/rand/v2).
func KickDelay(rnd func() float64) time.Duration {
	if rnd == nil {
		rnd = defaultRand
	}
	return time.Duration(rnd() * float64(KickWindow))
}
