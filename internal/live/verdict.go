package live

import (
	"context"
	"errors"
	"sync"
)

// pendingDials lets one failed dial's definite verdict answer every other
// dial of a Source still pending, so that a page whose every upgrade the
// server refuses learns why for all its lists at once, instead of each list
// waiting its turn through the page's handshake limit for a dial that must
// fail alike. Only a verdict on the page's origin qualifies
// (probe.OriginRefused): every socket of a Source goes to one backend from
// one page. A dial that starts after the verdict dials on its own (the
// server may have been told to allow the origin since).
type pendingDials struct {
	mu     sync.Mutex
	next   uint64
	cancel map[uint64]context.CancelCauseFunc
}

// sharedVerdict is the cause with which a pending dial is cancelled: the
// verdict another dial's probe got.
type sharedVerdict struct{ err error }

func (v *sharedVerdict) Error() string {
	return "dial given up: another watch's failed dial to this server got the answer: " + v.err.Error()
}

func (v *sharedVerdict) Unwrap() error { return v.err }

// enter registers a dial under ctx; the returned context ends with ctx or
// with a *sharedVerdict cause (see verdict). Call leave once the dial
// returned.
func (p *pendingDials) enter(ctx context.Context) (dctx context.Context, leave func()) {
	dctx, cancel := context.WithCancelCause(ctx)
	p.mu.Lock()
	if p.cancel == nil {
		p.cancel = map[uint64]context.CancelCauseFunc{}
	}
	p.next++
	id := p.next
	p.cancel[id] = cancel
	p.mu.Unlock()
	return dctx, func() {
		p.mu.Lock()
		delete(p.cancel, id)
		p.mu.Unlock()
		cancel(nil)
	}
}

// answerAll ends every dial pending now with err as the verdict.
func (p *pendingDials) answerAll(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, cancel := range p.cancel {
		cancel(&sharedVerdict{err: err})
		delete(p.cancel, id)
	}
}

// verdict returns the verdict that ended dctx, if one did.
func verdict(dctx context.Context) error {
	var v *sharedVerdict
	if errors.As(context.Cause(dctx), &v) {
		return v
	}
	return nil
}
