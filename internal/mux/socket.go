package mux

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/kubelive/kubelive/internal/muxwire"
	"github.com/kubelive/kubelive/internal/redial"
	"github.com/kubelive/kubelive/internal/transport"
)

// socket is one open Conn and its writer. Messages queue without blocking
// (callers hold Client.mu) and one writer goroutine sends them in order: on
// msgpack everything queued goes out as one muxwire.Batch frame, on JSON one frame
// per message.
type socket struct {
	conn    transport.Conn
	msgpack bool
	done    chan struct{} // closed when the writer has exited

	mu         sync.Mutex
	queue      []muxwire.Message
	closeAfter bool // close the Conn once the queue is flushed
	wake       chan struct{}
}

func newSocket(conn transport.Conn) *socket {
	s := &socket{conn: conn, msgpack: conn.Protocol() == muxwire.MsgpackProtocol, done: make(chan struct{}), wake: make(chan struct{}, 1)}
	return s
}

func (s *socket) send(m muxwire.Message) {
	s.mu.Lock()
	s.queue = append(s.queue, m)
	s.mu.Unlock()
	s.signal()
}

// closeAfterFlush closes the Conn normally once every queued message is sent.
func (s *socket) closeAfterFlush() {
	s.mu.Lock()
	s.closeAfter = true
	s.mu.Unlock()
	s.signal()
}

func (s *socket) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// writeLoop sends queued messages until ctx ends or a close was asked for;
// a failed send closes the Conn, which ends the read loop.
func (s *socket) writeLoop(ctx context.Context) {
	defer close(s.done)
	var buf []byte
	for {
		select {
		case <-s.wake:
		case <-ctx.Done():
			return
		}
		s.mu.Lock()
		q, closeAfter := s.queue, s.closeAfter
		s.queue = nil
		s.mu.Unlock()
		if err := s.write(ctx, q, &buf); err != nil {
			_ = s.conn.Close(transport.CloseAbnormal, "write failed")
			return
		}
		if closeAfter {
			_ = s.conn.Close(transport.CloseNormal, "no subscriptions")
			return
		}
	}
}

func (s *socket) write(ctx context.Context, q []muxwire.Message, buf *[]byte) error {
	if len(q) == 0 {
		return nil
	}
	if s.msgpack {
		b, err := muxwire.EncodeMsgp((*buf)[:0], q)
		if err != nil {
			return err
		}
		*buf = b
		// The frame is handed over by value; the browser adapter copies it.
		return s.conn.Send(ctx, transport.Frame{Binary: true, Size: len(b), Data: append([]byte(nil), b...)})
	}
	for _, m := range q {
		b, err := muxwire.EncodeJSON(m)
		if err != nil {
			return err
		}
		if err := s.conn.Send(ctx, transport.Frame{Size: len(b), Data: b}); err != nil {
			return fmt.Errorf("send %s: %w", m.Kind, err)
		}
	}
	return nil
}

// run owns the socket's lifecycle: dial, request every key, read, and after
// an unexpected close redial with backoff. It exits when no key remains or
// the client is closed; Subscribe starts it again.
func (c *Client) run() {
	loop := redial.Loop{
		Backoff: c.opts.Backoff, Rand: c.opts.Rand, Clock: c.opts.Clock,
		Reach: c.opts.Reach, ReachKey: "", // the socket serves the whole backend
		Wake: c.wake, Idle: c.exitIfIdle,
		Probe: c.opts.Answers, ProbeEvery: ProbeEvery,
	}
	loop.Run(c.ctx, c.attempt)
	c.mu.Lock()
	if c.closed {
		c.running = false
	}
	c.mu.Unlock()
}

// attempt dials once, serves the socket until it ends and tells the loop
// what next: at once after a close on purpose, after a backoff otherwise.
func (c *Client) attempt(reconnect bool) redial.Result {
	ctx, ok := c.beginDial(reconnect)
	if !ok {
		return redial.Result{Verdict: redial.Stop}
	}
	conn, err := c.dial(ctx)
	if err != nil {
		if c.exitIfIdle() {
			return redial.Result{Verdict: redial.Stop}
		}
		permanent := transport.Permanent(err)
		c.broadcast(Status{State: StateReconnecting, Err: err.Error()}, fmt.Errorf("dial %s: %w", c.url, err), permanent)
		if permanent {
			return redial.Result{Verdict: redial.Stop}
		}
		return redial.Result{Verdict: redial.Retry}
	}
	s := c.open(conn)
	if s == nil {
		return c.attempt(reconnect) // went idle during the dial: beginDial ends the loop
	}
	up, before := c.opts.Clock.Now(), c.framesIn()
	sctx, cancel := context.WithCancel(c.ctx)
	go s.writeLoop(sctx)
	err = c.read(sctx, s)
	intentional := c.detach(s)
	cancel()
	<-s.done
	_ = conn.Close(transport.CloseNormal, "")
	if intentional {
		return redial.Result{Verdict: redial.Again}
	}
	c.broadcast(Status{State: StateReconnecting, Err: err.Error()}, nil, false)
	// A socket the backend served makes the next failure a first one.
	return redial.Result{Verdict: redial.Retry, Opened: up, Served: c.framesIn() > before}
}

// beginDial marks every key connecting (or reconnecting) and returns the
// dial's context; false if the client is idle or closed (run then exits).
func (c *Client) beginDial(reconnect bool) (context.Context, bool) {
	c.mu.Lock()
	if c.closed || len(c.keys) == 0 {
		c.running = false
		c.mu.Unlock()
		return nil, false
	}
	ctx, cancel := context.WithCancel(c.ctx)
	c.dialCancel = cancel
	st := StateConnecting
	if reconnect {
		st = StateReconnecting
		c.stats.Reconnects++
	}
	changed := c.state != st
	var status Status
	if changed {
		status = c.setStateLocked(st, c.stateErr) // a late subscriber still learns why
		status.Err = ""
	}
	ms := c.membersLocked()
	c.mu.Unlock()
	if changed {
		for _, m := range ms {
			deliverStatus(m, status, c.opts.OnError)
		}
	}
	return ctx, true
}

// dial dials the endpoint within the dial timeout, measured on the client's
// clock.
func (c *Client) dial(parent context.Context) (transport.Conn, error) {
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)
	t := c.opts.Clock.NewTimer(c.opts.DialTimeout)
	defer t.Stop()
	go func() {
		select {
		case <-t.C():
			cancel(ErrDialTimeout)
		case <-ctx.Done():
		}
	}()
	// Borrow: read delivers a burst before its next Recv, and every
	// listener copies what it keeps (Listener.OnData).
	conn, err := c.opts.Dialer.Dial(ctx, c.url, transport.DialOptions{Protocols: c.protos, Payload: transport.PayloadBytes, Borrow: true})
	if cause := context.Cause(ctx); errors.Is(cause, ErrDialTimeout) {
		if conn != nil {
			_ = conn.Close(transport.CloseNormal, "dial timed out")
		}
		return nil, fmt.Errorf("%w after %s", ErrDialTimeout, c.opts.DialTimeout)
	}
	if err != nil {
		return nil, err
	}
	return conn, nil
}

// open installs conn as the socket and requests every key that has a
// listener; keys whose CLOSE is pending are dropped unrequested. It returns
// nil (and closes conn) if the client went idle during the dial.
func (c *Client) open(conn transport.Conn) *socket {
	c.mu.Lock()
	c.dialCancel = nil
	for _, s := range c.keys {
		if len(s.members) == 0 {
			cancelPending(&s.closing)
			delete(c.keys, s.key)
		}
	}
	if c.closed || len(c.keys) == 0 {
		c.mu.Unlock()
		_ = conn.Close(transport.CloseNormal, "no subscriptions")
		return nil
	}
	s := newSocket(conn)
	c.sock = s
	c.routes.reset()
	subs := make([]*sub, 0, len(c.keys))
	for _, k := range c.keys {
		subs = append(subs, k)
	}
	slices.SortFunc(subs, func(a, b *sub) int { return cmp.Compare(a.seq, b.seq) })
	for _, k := range subs {
		c.requestLocked(k)
	}
	st := c.setStateLocked(StateOpen, "")
	ms := c.membersLocked()
	c.mu.Unlock()
	for _, m := range ms {
		deliverStatus(m, st, c.opts.OnError)
	}
	return s
}

// detach forgets socket s after its read loop ended and reports whether the
// client closed it on purpose.
func (c *Client) detach(s *socket) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sock == s {
		c.sock = nil
		c.routes.reset()
		for _, k := range c.keys {
			k.req = wireReq{}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closeAfter || c.closed
}

// exitIfIdle ends run if no key remains or the client is closed.
func (c *Client) exitIfIdle() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dialCancel = nil
	if c.closed || len(c.keys) == 0 {
		c.running = false
		return true
	}
	return false
}

// framesIn counts the frames every socket of the client received.
func (c *Client) framesIn() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats.FramesIn
}

// broadcast gives every listener st and, if err != nil, err. A permanent
// failure also ends the run loop: listeners get StateClosed and a later
// Subscribe of a new key tries again.
func (c *Client) broadcast(st Status, err error, permanent bool) {
	c.mu.Lock()
	if permanent {
		st.State = StateClosed
		c.running = false
	}
	st = c.setStateLocked(st.State, st.Err)
	ms := c.membersLocked()
	c.mu.Unlock()
	for _, m := range ms {
		deliverStatus(m, st, c.opts.OnError)
		if err != nil {
			reportError(m, err, c.opts.OnError)
		}
	}
}

func (c *Client) membersLocked() []member {
	var ms []member
	for _, s := range c.keys {
		ms = append(ms, s.members...)
	}
	return ms
}
