// Package conntest provides a scriptable fake transport.Dialer and Conn for
// tests of the packages that sit on top of a WebSocket. Every dial attempt
// waits until the test accepts or fails it, so a test controls exactly when a
// socket is pending, open, dropped or closed.
package conntest

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/kubelive/kubelive/internal/transport"
)

// Dialer is a fake transport.Dialer. The zero value is not usable; use NewDialer.
type Dialer struct {
	// AbortOnCancel makes Dial return when its ctx ends, like a browser that
	// aborts a handshake; otherwise a dial waits for the test's answer even
	// after cancellation (the handshake was already in flight).
	AbortOnCancel bool

	attempts chan *Attempt
	mu       sync.Mutex
	conns    []*Conn
}

// NewDialer returns a Dialer whose attempts queue on Attempts.
func NewDialer() *Dialer {
	return &Dialer{attempts: make(chan *Attempt, 1024)}
}

// Attempt is one call of Dial, waiting for the test to Accept or Fail it.
type Attempt struct {
	URL    string
	Opts   transport.DialOptions
	Ctx    context.Context
	result chan attemptResult
	d      *Dialer

	mu      sync.Mutex
	aborted bool // the dialer gave up; a late Accept yields a closed Conn
	conn    *Conn
}

// abort models a browser aborting a handshake: whatever the attempt yields
// is closed.
func (a *Attempt) abort() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.aborted = true
	if a.conn != nil {
		_ = a.conn.Close(transport.CloseAbnormal, "dial aborted")
	}
}

type attemptResult struct {
	conn *Conn
	err  error
}

// Dial queues an Attempt and waits for its answer.
func (d *Dialer) Dial(ctx context.Context, url string, opts transport.DialOptions) (transport.Conn, error) {
	a := &Attempt{URL: url, Opts: opts, Ctx: ctx, result: make(chan attemptResult, 1), d: d}
	d.attempts <- a
	if d.AbortOnCancel {
		select {
		case r := <-a.result:
			if r.err != nil {
				return nil, r.err
			}
			return r.conn, nil
		case <-ctx.Done():
			a.abort()
			return nil, ctx.Err()
		}
	}
	r := <-a.result
	if r.err != nil {
		return nil, r.err
	}
	return r.conn, nil
}

// Next waits up to timeout for the next dial attempt; nil if none came.
func (d *Dialer) Next(timeout time.Duration) *Attempt {
	select {
	case a := <-d.attempts:
		return a
	case <-time.After(timeout):
		return nil
	}
}

// Queued returns the number of attempts not yet taken with Next.
func (d *Dialer) Queued() int { return len(d.attempts) }

// Conns returns every Conn accepted so far.
func (d *Dialer) Conns() []*Conn {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]*Conn(nil), d.conns...)
}

// Accept completes the attempt with a new open Conn selecting protocol.
func (a *Attempt) Accept(protocol string) *Conn {
	c := newConn(protocol)
	a.mu.Lock()
	a.conn = c
	if a.aborted {
		_ = c.Close(transport.CloseAbnormal, "dial aborted")
	}
	a.mu.Unlock()
	a.d.mu.Lock()
	a.d.conns = append(a.d.conns, c)
	a.d.mu.Unlock()
	a.result <- attemptResult{conn: c}
	return c
}

// Fail completes the attempt with err.
func (a *Attempt) Fail(err error) { a.result <- attemptResult{err: err} }

// Conn is a fake transport.Conn.
type Conn struct {
	protocol string

	mu      sync.Mutex
	queue   []transport.Frame
	closeBy *transport.CloseError // set when the peer dropped the socket
	closed  bool                  // set when the client called Close
	code    int
	sent    []transport.Frame
	wake    chan struct{}
	done    chan struct{}
}

func newConn(protocol string) *Conn {
	return &Conn{protocol: protocol, wake: make(chan struct{}, 1), done: make(chan struct{})}
}

// Push makes frames arrive, as one burst.
func (c *Conn) Push(frames ...transport.Frame) {
	c.mu.Lock()
	c.queue = append(c.queue, frames...)
	c.mu.Unlock()
	c.signal()
}

// PushText makes text frames arrive, as one burst.
func (c *Conn) PushText(texts ...string) {
	fs := make([]transport.Frame, len(texts))
	for i, s := range texts {
		fs[i] = transport.Frame{Size: len(s), Data: []byte(s)}
	}
	c.Push(fs...)
}

// Drop closes the socket from the server side with code; frames already
// pushed are still delivered first.
func (c *Conn) Drop(code int, reason string) {
	c.mu.Lock()
	if c.closeBy == nil {
		c.closeBy = &transport.CloseError{Code: code, Reason: reason}
	}
	c.mu.Unlock()
	c.signal()
}

func (c *Conn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Recv returns every queued frame, or the close error once the queue is empty.
func (c *Conn) Recv(ctx context.Context) ([]transport.Frame, error) {
	for {
		c.mu.Lock()
		if len(c.queue) > 0 {
			q := c.queue
			c.queue = nil
			c.mu.Unlock()
			return q, nil
		}
		if c.closed {
			c.mu.Unlock()
			return nil, &transport.CloseError{Code: c.code, Reason: "closed by client"}
		}
		if c.closeBy != nil {
			err := c.closeBy
			c.mu.Unlock()
			return nil, err
		}
		c.mu.Unlock()
		select {
		case <-c.wake:
		case <-c.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// ErrClosed is returned by Send on a closed Conn.
var ErrClosed = errors.New("conntest: send on closed conn")

// Send records f.
func (c *Conn) Send(_ context.Context, f transport.Frame) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.closeBy != nil {
		return ErrClosed
	}
	c.sent = append(c.sent, f)
	return nil
}

// Close records the client's close; idempotent.
func (c *Conn) Close(code int, _ string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.closed = true
		c.code = code
		close(c.done)
	}
	return nil
}

// Protocol returns the protocol given to Accept.
func (c *Conn) Protocol() string { return c.protocol }

// Closed reports whether the client closed the Conn.
func (c *Conn) Closed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// Done is closed when the client closes the Conn.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Sent returns the frames the client sent.
func (c *Conn) Sent() []transport.Frame {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]transport.Frame(nil), c.sent...)
}
