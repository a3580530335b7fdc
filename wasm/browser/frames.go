//go:build js && wasm

package browser

import (
	"sync"

	"github.com/hack-pad/safejs"
)

// FrameScheduler runs functions on the next animation frame (or after 100 ms
// in a hidden page, where frames stop): the cache's flushes, so subscribers
// are notified at most once per frame. Its one js.Func lives until Close.
type FrameScheduler struct {
	shim  *Shim
	funcs *Funcs
	tick  safejs.Func
	hold  safejs.Value // {fn: tick}; fn is cleared before tick is released

	mu     sync.Mutex
	queue  []func()
	armed  bool
	closed bool
}

// NewFrameScheduler returns a scheduler; Close releases it.
func NewFrameScheduler(shim *Shim, funcs *Funcs) (*FrameScheduler, error) {
	s := &FrameScheduler{shim: shim, funcs: funcs}
	var err error
	s.tick, err = funcs.FuncOf(func(safejs.Value, []safejs.Value) any {
		s.run()
		return nil
	})
	if err != nil {
		return nil, err
	}
	if s.hold, err = shim.Call("holder", s.tick.Value()); err != nil {
		funcs.Release(s.tick)
		return nil, err
	}
	return s, nil
}

// Schedule queues f for the next frame; it never runs f synchronously.
func (s *FrameScheduler) Schedule(f func()) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.queue = append(s.queue, f)
	arm := !s.armed
	s.armed = true
	s.mu.Unlock()
	if arm {
		_, _ = s.shim.Call("frame", s.hold)
	}
}

func (s *FrameScheduler) run() {
	s.mu.Lock()
	q := s.queue
	s.queue = nil
	s.armed = false
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return
	}
	for _, f := range q {
		f()
	}
}

// Close drops queued work and releases the frame func; a frame already
// requested finds the holder empty.
func (s *FrameScheduler) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.queue = nil
	s.mu.Unlock()
	_ = s.hold.Set("fn", nil)
	s.funcs.Release(s.tick)
}
