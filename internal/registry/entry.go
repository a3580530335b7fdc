package registry

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/kubelive/kubelive/internal/redial"
	"github.com/kubelive/kubelive/internal/transport"
)

// State is the life stage of a shared socket as its listeners see it: the
// redial loop's states, named here for the registry's callers.
type State = redial.State

// The states, in the order a socket usually goes through them.
const (
	Connecting   = redial.Connecting   // first dial in flight (the entry is pending)
	Open         = redial.Open         // frames flow
	Reconnecting = redial.Reconnecting // dropped; waiting out the backoff or redialing
	Closed       = redial.Closed       // ended for good: last listener left or a permanent error
)

// Status is a state change of a socket, with the error that caused it if any.
type Status struct {
	State State
	Err   error
	// Seq orders the statuses of one socket; a listener never sees a lower Seq
	// after a higher one.
	Seq uint64
}

// entry is one shared socket and its subscribers. Fields under "guarded by
// r.mu" are only touched with the registry's lock held.
type entry struct {
	r      *Registry
	key    Key
	ctx    context.Context
	cancel context.CancelFunc

	// guarded by r.mu
	subs       []*sub // in subscription order
	state      State
	lastErr    error
	seq        uint64
	reconnects int

	messages atomic.Uint64
	bytes    atomic.Uint64
}

// sub is one subscription. active turns false when it is removed, so that a
// delivery already in progress over a copied list skips it.
type sub struct {
	id       uint64
	l        Listener
	active   atomic.Bool
	lastSeen atomic.Uint64 // highest Status.Seq delivered
}

func newEntry(r *Registry, k Key) *entry {
	ctx, cancel := context.WithCancel(context.Background())
	return &entry{r: r, key: k, ctx: ctx, cancel: cancel}
}

func (e *entry) add(id uint64, l Listener) *sub {
	s := &sub{id: id, l: l}
	s.active.Store(true)
	e.subs = append(e.subs, s)
	return s
}

// remove drops subscription id and reports whether it was the last one.
func (e *entry) remove(id uint64) bool {
	for i, s := range e.subs {
		if s.id == id {
			s.active.Store(false)
			e.subs = append(e.subs[:i:i], e.subs[i+1:]...)
			break
		}
	}
	return len(e.subs) == 0
}

func (e *entry) statusLocked() Status {
	return Status{State: e.state, Err: e.lastErr, Seq: e.seq}
}

func (e *entry) statsLocked() SocketStats {
	st := SocketStats{
		Key: e.key, State: e.state, Listeners: len(e.subs),
		MessagesIn: e.messages.Load(), BytesIn: e.bytes.Load(), Reconnects: e.reconnects,
	}
	if e.lastErr != nil {
		st.LastError = e.lastErr.Error()
	}
	return st
}

// listeners returns a copy of the current subscribers, to call outside the lock.
func (e *entry) listeners() []*sub {
	e.r.mu.Lock()
	defer e.r.mu.Unlock()
	return append([]*sub(nil), e.subs...)
}

// setState records a state change and tells every listener.
func (e *entry) setState(s State, err error) {
	e.r.mu.Lock()
	e.state, e.lastErr = s, err
	e.seq++
	if s == Reconnecting && err != nil {
		e.reconnects++
	}
	st := e.statusLocked()
	subs := append([]*sub(nil), e.subs...)
	e.r.mu.Unlock()
	for _, s := range subs {
		s.status(st)
	}
}

// run dials, reads and redials until the entry is cancelled or fails for good.
// It is the only goroutine that calls listeners for messages.
func (e *entry) run() {
	loop := redial.Loop{
		Backoff: e.r.opts.Backoff, Rand: e.r.opts.Rand, Clock: e.r.opts.Clock,
		Reach: e.r.opts.Reach, ReachKey: e.key.Cluster,
	}
	loop.Run(e.ctx, func(bool) redial.Result { return e.attempt() })
	e.finish()
}

// attempt dials once and reads the socket until it ends.
func (e *entry) attempt() redial.Result {
	conn, err := e.r.dial(e.ctx, e.key)
	if e.ctx.Err() != nil {
		// Every listener left while dialing: close what the dial produced.
		if conn != nil {
			_ = conn.Close(transport.CloseNormal, "no listeners")
		}
		return redial.Result{Verdict: redial.Stop}
	}
	if err != nil {
		e.report(err)
		if transport.Permanent(err) {
			e.setState(Closed, err)
			e.r.dropEntry(e)
			return redial.Result{Verdict: redial.Stop}
		}
		e.setState(Reconnecting, err)
		return redial.Result{Verdict: redial.Retry}
	}
	e.setState(Open, nil)
	opened := e.r.opts.Clock.Now()
	err = e.read(conn)
	_ = conn.Close(transport.CloseNormal, "")
	if e.ctx.Err() != nil {
		return redial.Result{Verdict: redial.Stop}
	}
	e.setState(Reconnecting, fmt.Errorf("socket %s: %w", e.key, err))
	return redial.Result{Verdict: redial.Retry, Opened: opened}
}

// finish marks the entry closed once its last listener has left (after a
// permanent failure it is closed already).
func (e *entry) finish() {
	e.r.mu.Lock()
	e.state = Closed
	e.r.mu.Unlock()
}

// read delivers frames until the socket ends, returning why it ended.
func (e *entry) read(conn transport.Conn) error {
	for {
		frames, err := conn.Recv(e.ctx)
		if err != nil {
			return err
		}
		var n uint64
		for _, f := range frames {
			n += uint64(f.Size)
		}
		e.messages.Add(uint64(len(frames)))
		e.bytes.Add(n)
		e.deliver(e.r.opts.Decode(e.key, frames))
	}
}

// deliver hands each message to every listener, in order, outside the lock.
func (e *entry) deliver(msgs []Message) {
	subs := e.listeners()
	for _, m := range msgs {
		for _, s := range subs {
			if !s.active.Load() {
				continue
			}
			if m.Err != nil {
				s.error(m.Err)
				continue
			}
			if err := s.message(m.Value); err != nil {
				s.error(fmt.Errorf("listener of %s failed: %w", e.key, err))
			}
		}
	}
}

// report gives err to every listener's OnError.
func (e *entry) report(err error) {
	for _, s := range e.listeners() {
		if s.active.Load() {
			s.error(err)
		}
	}
}

// ErrListenerPanic wraps a panic raised by a Go listener.
var ErrListenerPanic = errors.New("listener panicked")

func (s *sub) message(v any) (err error) {
	if s.l.OnMessage == nil {
		return nil
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %v", ErrListenerPanic, p)
		}
	}()
	return s.l.OnMessage(v)
}

func (s *sub) error(err error) {
	if s.l.OnError == nil {
		return
	}
	defer func() { _ = recover() }()
	s.l.OnError(err)
}

func (s *sub) status(st Status) {
	if s.l.OnStatus == nil || !s.active.Load() {
		return
	}
	// Skip a status older than one already seen (a subscriber's first status
	// can race with a change made by the entry's goroutine).
	for {
		last := s.lastSeen.Load()
		if st.Seq < last || (st.Seq == last && last != 0) {
			return
		}
		if s.lastSeen.CompareAndSwap(last, st.Seq) {
			break
		}
	}
	defer func() { _ = recover() }()
	s.l.OnStatus(st)
}
