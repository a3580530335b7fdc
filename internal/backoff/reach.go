package backoff

import (
	"context"
	"sync"
	"time"

	"github.com/kubelive/kubelive/internal/clock"
)

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
	mu    sync.Mutex
	chans map[string]chan struct{}
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
	r.mu.Lock()
	defer r.mu.Unlock()
	r.kickLocked(key)
	r.kickLocked("")
}

// KickAll releases every waiter: the multiplexer's socket opened, the
// browser came back online or the page became visible, or the user asked
// for a retry.
func (r *Reach) KickAll() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k := range r.chans {
		r.kickLocked(k)
	}
}

func (r *Reach) kickLocked(key string) {
	if ch := r.chans[key]; ch != nil {
		close(ch)
		delete(r.chans, key)
	}
}

// Sleep waits d on clk, or until ctx ends (then it returns ctx.Err()). A kick
// of key on reach (nil: none) cuts the wait to a delay drawn from
// [0, KickWindow) with rnd (nil: math/rand/v2), never later than d would
// have ended. It leaves no timer armed when it returns.
func Sleep(ctx context.Context, clk clock.Clock, d time.Duration, reach *Reach, key string, rnd func() float64) error {
	var kicked <-chan struct{}
	if reach != nil {
		kicked = reach.C(key)
	}
	t := clk.NewTimer(d)
	end := clk.Now().Add(d)
	for {
		select {
		case <-t.C():
			return nil
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-kicked:
			kicked = nil
			if j := KickDelay(rnd); clk.Now().Add(j).Before(end) {
				t.Stop()
				t = clk.NewTimer(j)
			}
		}
	}
}

// KickDelay draws the delay of a retry released by a kick from
// [0, KickWindow) with rnd (nil: math/rand/v2).
func KickDelay(rnd func() float64) time.Duration {
	if rnd == nil {
		rnd = defaultRand
	}
	return time.Duration(rnd() * float64(KickWindow))
}
