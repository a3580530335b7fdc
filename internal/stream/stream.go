// Package stream runs the long-lived Kubernetes streams of a UI: a generic
// reconnecting Stream (the shape of Headlamp's stream()), the channel protocols of exec and
// attach, and log following with resume and dedupe. It is pure Go: sockets come
// from a transport.Dialer and time from a clock.Clock, so every state is
// reachable from a test.
package stream

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/kubelive/kubelive/internal/backoff"
	"github.com/kubelive/kubelive/internal/clock"
	"github.com/kubelive/kubelive/internal/redial"
	"github.com/kubelive/kubelive/internal/transport"
)

// Sentinel errors. Callers test them with errors.Is.
var (
	// ErrRefused wraps a handshake the server refused for good (HTTP 404:
	// the pod or resource does not exist): the Stream stops and does not
	// retry. A 401 or 403 is reported and retried on the ordinary backoff.
	ErrRefused = errors.New("stream refused")
	// ErrNotOpen is returned by Send when no socket is open.
	ErrNotOpen = errors.New("stream not open")

	errNilConn = errors.New("dial: dialer returned neither a conn nor an error")
)

// State is the lifecycle of a Stream.
type State int

// The states of a Stream. Closed and Failed are final.
const (
	StateConnecting State = iota // a dial is in flight
	StateOpen                    // a socket is open and frames flow
	StateWaiting                 // waiting for the backoff timer before the next attempt
	StateClosed                  // cancelled by the caller
	StateFailed                  // ended by a failure that is not retried
)

func (s State) String() string {
	switch s {
	case StateConnecting:
		return "connecting"
	case StateOpen:
		return "open"
	case StateWaiting:
		return "waiting-to-retry"
	case StateClosed:
		return "closed"
	case StateFailed:
		return "failed"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Options configure a Stream. Every callback runs on the Stream's own
// goroutine, one at a time, never while the Stream holds a lock, so a callback
// may call Cancel.
type Options struct {
	// Protocols are the subprotocols offered on every dial, in order.
	Protocols []string
	// Binary says the consumer wants each frame as bytes (a Uint8Array in
	// JS); false means each frame is JSON text to parse (Headlamp's isJson).
	// The Stream hands every frame through unchanged: decoding is the
	// consumer's job, so it is recorded here for the adapter that does it.
	Binary bool
	// Payload says whether frame payloads are copied into Go.
	Payload transport.PayloadMode
	// ConnectCb runs before every attempt, the first one included.
	ConnectCb func()
	// FailCb receives every failure: a refused or failed dial, or a close that
	// the caller did not ask for (a normal close, code 1000, included).
	FailCb func(error)
	// ReconnectOnFailure says whether a failure is followed by another
	// attempt after a backoff delay. nil means FailCb == nil (Headlamp's
	// default). A refused handshake (401/403/404) never retries.
	ReconnectOnFailure *bool
	// NextURL, when set, returns the URL of each attempt (the first one
	// included) instead of the URL given to New.
	NextURL func() string
	// OnOpen runs when a socket opens, before its first frame is delivered.
	OnOpen func(transport.Conn)
	// OnState receives every state change, in order.
	OnState func(State)
	// Rand feeds the backoff jitter, values in [0, 1); nil means math/rand.
	Rand func() float64
	// Probe, when set, runs after a dial that failed without an HTTP status
	// (a browser hides it behind close code 1006): one plain HTTP request
	// for the same resource, whose answer (see probe.FromResponse) says why;
	// nil keeps the dial's error.
	Probe func(ctx context.Context) error
	// Reach, when set, cuts a waiting retry short when a socket to the
	// stream's backend opens (ReachKey: its cluster; see backoff.Reach).
	Reach    *backoff.Reach
	ReachKey string
}

// Stream is one reconnecting stream over a Dialer: dial, deliver frames until
// the socket closes, back off, dial again, until Cancel or a failure that is
// not retried.
//
// Invariants, guarded by mu: once cancelled is set, conn is nil and timer is
// nil and neither is ever set again; a conn is published only while the
// Stream is not cancelled, and a dial that completes after Cancel has its conn
// closed at once by the run goroutine.
type Stream struct {
	dialer   transport.Dialer
	clk      clock.Clock
	url      string
	opts     Options
	onFrames func([]transport.Frame)
	ctx      context.Context
	stop     context.CancelFunc
	done     chan struct{}

	mu        sync.Mutex
	state     State
	conn      transport.Conn // the open socket, or nil
	timer     clock.Timer    // the pending retry timer, or nil
	cancelled bool
}

// New starts a Stream to url and returns at once; the first attempt runs on
// the Stream's goroutine. onFrames receives each burst of frames in order.
func New(dialer transport.Dialer, clk clock.Clock, url string, opts Options, onFrames func([]transport.Frame)) *Stream {
	ctx, stop := context.WithCancel(context.Background())
	s := &Stream{
		dialer: dialer, clk: clk, url: url, opts: opts, onFrames: onFrames,
		ctx: ctx, stop: stop, done: make(chan struct{}),
	}
	go s.run()
	return s
}

// Cancel ends the Stream. When it returns, no socket of the Stream is open and
// no retry timer is pending, except a dial still in flight, whose socket is
// closed the moment it completes. The close that follows is not a failure.
// Cancel is idempotent and safe from any goroutine, callbacks included.
func (s *Stream) Cancel() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancelled {
		return
	}
	s.cancelled = true
	if s.state != StateFailed {
		s.state = StateClosed
	}
	s.stop()
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	if s.conn != nil {
		_ = s.conn.Close(transport.CloseNormal, "cancelled")
		s.conn = nil
	}
}

// Conn returns the open socket, or nil while connecting, waiting or ended.
func (s *Stream) Conn() transport.Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conn
}

// State returns the current state.
func (s *Stream) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// Done is closed when the Stream's goroutine has exited: after Cancel (once
// any in-flight dial has completed) or after a final failure.
func (s *Stream) Done() <-chan struct{} { return s.done }

// Send writes f on the open socket; ErrNotOpen when there is none.
func (s *Stream) Send(f transport.Frame) error {
	c := s.Conn()
	if c == nil {
		return ErrNotOpen
	}
	if err := c.Send(s.ctx, f); err != nil {
		return fmt.Errorf("send on %s: %w", s.url, err)
	}
	return nil
}

func (s *Stream) reconnect() bool {
	if s.opts.ReconnectOnFailure != nil {
		return *s.opts.ReconnectOnFailure
	}
	return s.opts.FailCb == nil
}

// setState records st unless the Stream was cancelled (then it stays closed)
// and reports whether it did.
func (s *Stream) setState(st State) bool {
	s.mu.Lock()
	if s.cancelled {
		s.mu.Unlock()
		return false
	}
	s.state = st
	s.mu.Unlock()
	if s.opts.OnState != nil {
		s.opts.OnState(st)
	}
	return true
}

// run is the Stream's goroutine: one redial loop over connect.
func (s *Stream) run() {
	defer close(s.done)
	defer s.finish()
	loop := redial.Loop{
		Backoff: backoff.Default, Rand: s.opts.Rand, Clock: s.clk,
		Reach: s.opts.Reach, ReachKey: s.opts.ReachKey, Track: s.track,
	}
	loop.Run(s.ctx, func(bool) redial.Result { return s.connect() })
}

// connect makes one attempt and decides what follows it: a final failure
// (a 404, or any failure when the Stream does not reconnect), or a wait.
func (s *Stream) connect() redial.Result {
	stop := redial.Result{Verdict: redial.Stop}
	if !s.setState(StateConnecting) {
		return stop
	}
	if s.opts.ConnectCb != nil {
		s.opts.ConnectCb()
	}
	url := s.url
	if s.opts.NextURL != nil {
		url = s.opts.NextURL()
	}
	if s.ctx.Err() != nil {
		return stop // a hook cancelled the Stream
	}
	opened, err := s.attempt(url)
	if s.ctx.Err() != nil {
		return stop // cancelled: whatever ended the attempt is not a failure
	}
	if notFound(err) {
		s.fail(fmt.Errorf("%w: %s: %w", ErrRefused, url, err))
		return stop
	}
	err = fmt.Errorf("stream %s: %w", url, err)
	if !s.reconnect() {
		s.fail(err)
		return stop
	}
	if s.opts.FailCb != nil {
		s.opts.FailCb(err)
	}
	if !s.setState(StateWaiting) {
		return stop
	}
	return redial.Result{Verdict: redial.Retry, Opened: opened}
}

// attempt dials url and pumps frames until the socket ends. It returns when
// the socket opened (zero if it never did) and why the attempt ended.
func (s *Stream) attempt(url string) (time.Time, error) {
	conn, err := s.dialer.Dial(s.ctx, url, transport.DialOptions{Protocols: s.opts.Protocols, Payload: s.opts.Payload})
	if err != nil {
		if conn != nil {
			_ = conn.Close(transport.CloseNormal, "dial failed")
		}
		var he *transport.HandshakeError
		if s.opts.Probe != nil && s.ctx.Err() == nil && !errors.As(err, &he) {
			if perr := s.opts.Probe(s.ctx); perr != nil {
				return time.Time{}, fmt.Errorf("dial: %w; the server answered: %w", err, perr)
			}
		}
		return time.Time{}, fmt.Errorf("dial: %w", err)
	}
	if conn == nil {
		return time.Time{}, errNilConn
	}
	s.mu.Lock()
	if s.cancelled {
		s.mu.Unlock()
		_ = conn.Close(transport.CloseNormal, "cancelled")
		return time.Time{}, context.Canceled
	}
	s.conn = conn
	s.mu.Unlock()
	defer s.release(conn)

	opened := s.clk.Now()
	if !s.setState(StateOpen) {
		return opened, context.Canceled
	}
	if s.opts.OnOpen != nil {
		s.opts.OnOpen(conn)
	}
	for {
		frames, err := conn.Recv(s.ctx)
		if err != nil {
			return opened, fmt.Errorf("recv: %w", err)
		}
		if s.ctx.Err() != nil {
			return opened, s.ctx.Err()
		}
		if s.onFrames != nil && len(frames) > 0 {
			s.onFrames(frames)
		}
	}
}

// release closes conn and unpublishes it if it is still the current one.
func (s *Stream) release(conn transport.Conn) {
	s.mu.Lock()
	if s.conn == conn {
		s.conn = nil
	}
	s.mu.Unlock()
	_ = conn.Close(transport.CloseNormal, "")
}

// track arms and publishes the retry timer of a wait under the lock, so
// that Cancel stops it at once; nil (nothing armed) if the Stream is
// cancelled. A nil arm unpublishes it.
func (s *Stream) track(arm func() clock.Timer) clock.Timer {
	s.mu.Lock()
	defer s.mu.Unlock()
	if arm == nil {
		s.timer = nil
		return nil
	}
	if s.cancelled {
		return nil
	}
	s.timer = arm()
	return s.timer
}

// notFound reports a refusal with 404: the stream's pod or resource does
// not exist, and no further dial can help.
func notFound(err error) bool {
	var he *transport.HandshakeError
	return errors.As(err, &he) && he.Status == 404
}

// fail ends the Stream in StateFailed and reports err.
func (s *Stream) fail(err error) {
	if s.setState(StateFailed) && s.opts.FailCb != nil {
		s.opts.FailCb(err)
	}
}

// finish makes the final state Closed unless the Stream failed, reports it,
// and releases the context.
func (s *Stream) finish() {
	s.mu.Lock()
	if s.state != StateFailed {
		s.state = StateClosed
	}
	st := s.state
	s.mu.Unlock()
	s.stop()
	if st == StateClosed && s.opts.OnState != nil {
		s.opts.OnState(StateClosed)
	}
}
