// Package mux multiplexes any number of watch subscriptions over one
// WebSocket to a backend's /wsMultiplexer. It speaks Headlamp's
// JSON protocol, wire-compatible with Headlamp's backend, and kubelive's
// msgpack protocol (kubelive.mux.v1.msgpack), chosen when the server selects
// it. A muxwire.Key names one watch; its first listener sends one REQUEST, later
// listeners join it, and the last one leaving sends CLOSE after a debounce.
// The socket is dialed on the first subscription, closed when none remains
// (after Options.Linger when the last one's watch had failed, so that its
// retry finds the socket open), and
// redialed with backoff after an unexpected close, every active key then
// requested again from its resume query. No CLOSE is sent for a watch the
// server reported ended: see routes for how replies are matched on JSON.
package mux

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/kubelive/kubelive/internal/backoff"
	"github.com/kubelive/kubelive/internal/clock"
	"github.com/kubelive/kubelive/internal/endpoint"
	"github.com/kubelive/kubelive/internal/muxwire"
	"github.com/kubelive/kubelive/internal/transport"
)

// Defaults of Options.
const (
	DefaultDebounce    = 100 * time.Millisecond
	DefaultDialTimeout = 15 * time.Second
	// DefaultLinger outlasts the longest retry delay of backoff.Default, so
	// that a watch retried after a failure finds the socket still open.
	DefaultLinger = 35 * time.Second
	// Endpoint is the multiplexer's path below the backend's base URL.
	Endpoint = "wsMultiplexer"
)

// Sentinel errors of the client.
var (
	ErrClosed         = errors.New("mux: client closed")
	ErrUnknownID      = errors.New("mux: unknown subscription id")
	ErrDialTimeout    = errors.New("mux: dial timed out")
	ErrListenerFailed = errors.New("mux: listener failed")
	// ErrServer is wrapped by every ERROR the server sends for a subscription.
	ErrServer = errors.New("mux: server error")
)

// ID identifies one subscription: one listener on one key.
type ID uint64

// Listener receives what happens to one subscription. Every field may be nil.
type Listener struct {
	// OnData gets each payload in order; f.Data is the raw watch event (or
	// binary bytes when f.Binary) and must not be modified or kept beyond the
	// call without a copy. An error or a panic is reported to this
	// listener's OnError; the other listeners still run.
	OnData func(f transport.Frame) error
	// OnError gets the server's ERRORs for this key (wrapping ErrServer),
	// dial failures and this listener's own failures.
	OnError func(err error)
	// OnStatus gets the socket's state changes and the server's STATUS for
	// this key. It is called once at Subscribe with the current state.
	OnStatus func(s Status)
}

// Options configure a Client. Dialer and Endpoint are required.
type Options struct {
	Dialer   transport.Dialer
	Endpoint endpoint.Endpoint
	// UserID is the JSON protocol's userId; "" picks a random id per Client
	// (Headlamp's backend drops messages with an empty userId silently).
	UserID string
	// JSONOnly offers no msgpack protocol.
	JSONOnly    bool
	Clock       clock.Clock    // nil: the wall clock
	Backoff     backoff.Policy // zero: backoff.Default
	Rand        func() float64 // jitter source in [0,1); nil: math/rand
	DialTimeout time.Duration  // 0: DefaultDialTimeout
	Debounce    time.Duration  // 0: DefaultDebounce
	// Linger keeps the open socket this long after the last subscription
	// left, when the server had ended that subscription's watch (0:
	// DefaultLinger; negative: close it at once).
	Linger   time.Duration
	MaxFrame int // 0: muxwire.DefaultMaxFrame
	// OnError gets errors that no subscription owns: undecodable frames.
	OnError func(err error)
	// Reach, when set, cuts the wait before a redial short when another
	// socket to the backend opens or the page comes back (backoff.Reach,
	// key "").
	Reach *backoff.Reach
	// Answers, when set, asks the backend over plain HTTP whether it
	// answers (true for any HTTP response but a 5xx; false when none came
	// before ctx ended). While the socket waits to redial, it is asked at
	// once after a refused dial and every ProbeEvery; an answer after a
	// silence cuts the wait short (see redial.Loop.Probe), so that one
	// socket's long backoff does not outlast a server's restart.
	Answers func(ctx context.Context) bool
}

// ProbeEvery is how often Options.Answers is asked while the socket waits
// longer than that to redial, and how long one question may take. With
// the first question at once after a refused dial, the socket redials
// within about ProbeEvery plus backoff.KickWindow of a restarted backend
// answering again, whatever the backoff has grown to.
const ProbeEvery = time.Second

// Client is one multiplexed socket and its subscriptions. All methods are
// safe for concurrent use.
type Client struct {
	opts   Options
	userID string
	url    string
	protos []string
	ctx    context.Context // ends at Close
	stop   context.CancelFunc
	wake   chan struct{} // tells a waiting run loop to re-check whether it is idle

	mu sync.Mutex
	// keys holds every live key. Invariant: a sub is in keys iff it has a
	// listener or its debounced CLOSE is pending; len(keys) == 0 means the
	// socket is closing or closed.
	keys   map[muxwire.Key]*sub
	byID   map[ID]*sub
	nextID ID
	// sock is the open socket; nil while dialing or waiting to redial.
	// Invariant: while sock != nil every sub with a listener is requested.
	sock       *socket
	routes     routes
	nextWire   uint64
	nextSeq    uint64
	state      State              // the socket state every listener last saw
	stateErr   string             // why, with state (the last failed dial or drop)
	stateSeq   uint64             // the Seq of state: one more per change
	running    bool               // the run goroutine is alive
	dialCancel context.CancelFunc // cancels the dial in flight, if any
	idle       *pendingClose      // the linger before an idle socket closes, nil if none
	stats      Stats
	closed     bool
}

// sub is one key's shared watch.
type sub struct {
	key muxwire.Key
	seq uint64 // creation order: keys are requested in this order on a new socket
	// resume is the canonical query the next REQUEST carries (key.Query
	// until the owner calls SetResume or Restart).
	resume  string
	members []member // in subscription order
	// req is the request in force on the current socket; zero if none.
	req     wireReq
	closing *pendingClose // the debounced CLOSE, nil if none is pending
	// ended is set when the server reported the key's upstream watch closed
	// or failed: a listener joining it later gets a fresh REQUEST instead of
	// a watch that sends nothing.
	ended bool
}

type member struct {
	id ID
	l  Listener
}

// wireReq is what a REQUEST told the server: the msgpack id, the query and
// the userId. live: the server may still hold the watch (a CLOSE is owed);
// confirmed: the server said the watch is established (STATUS connected or
// its first DATA).
type wireReq struct {
	id        uint64
	query     string
	user      string
	live      bool
	confirmed bool
}

// pendingClose is a delayed action: a debounced CLOSE or an idle linger.
type pendingClose struct {
	timer  clock.Timer
	cancel chan struct{}
}

func (c *Client) newPending(d time.Duration) *pendingClose {
	return &pendingClose{timer: c.opts.Clock.NewTimer(d), cancel: make(chan struct{})}
}

// wait blocks until pc's timer fires (true) or pc is cancelled (false).
func (pc *pendingClose) wait() bool {
	select {
	case <-pc.timer.C():
		return true
	case <-pc.cancel:
		pc.timer.Stop()
		return false
	}
}

// cancelPending cancels *pc, if any, and clears it.
func cancelPending(pc **pendingClose) {
	if *pc != nil {
		close((*pc).cancel)
		*pc = nil
	}
}

// New returns a Client; it dials nothing until the first Subscribe.
func New(opts Options) (*Client, error) {
	if opts.Dialer == nil {
		return nil, errors.New("mux: Options.Dialer is required")
	}
	if opts.Endpoint.Base == "" {
		return nil, errors.New("mux: Options.Endpoint is required")
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.Backoff == (backoff.Policy{}) {
		opts.Backoff = backoff.Default
	}
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = DefaultDialTimeout
	}
	if opts.Debounce <= 0 {
		opts.Debounce = DefaultDebounce
	}
	if opts.MaxFrame <= 0 {
		opts.MaxFrame = muxwire.DefaultMaxFrame
	}
	if opts.Linger == 0 {
		opts.Linger = DefaultLinger
	}
	userID := opts.UserID
	if userID == "" {
		// Unique, not secret (the id travels in every frame): the runtime's
		// generator, seeded by the platform's, does; crypto/rand would add
		// the FIPS module to the wasm module for it.
		var b [12]byte
		for i := range b {
			b[i] = byte(rand.Uint32())
		}
		userID = "kl-" + hex.EncodeToString(b[:])
	}
	protos := []string{muxwire.MsgpackProtocol, muxwire.HeadlampProtocol}
	if opts.JSONOnly {
		protos = protos[1:]
	}
	ctx, stop := context.WithCancel(context.Background())
	return &Client{
		opts: opts, userID: userID, url: opts.Endpoint.URL("", Endpoint),
		protos: append(protos, opts.Endpoint.AuthProtocols()...),
		ctx:    ctx, stop: stop, wake: make(chan struct{}, 1),
		keys: map[muxwire.Key]*sub{}, byID: map[ID]*sub{}, routes: newRoutes(), state: StateClosed,
	}, nil
}

// UserID returns the prefix of the userIds the client sends on the JSON
// protocol (each REQUEST carries UserID, a dash and its own number).
func (c *Client) UserID() string { return c.userID }

// Subscribe adds l to the watch of key, and returns the subscription's id for
// Unsubscribe. The first listener of a key sends its one REQUEST (dialing the
// socket if needed); a listener joining a key whose CLOSE is pending cancels
// that CLOSE and sends nothing.
func (c *Client) Subscribe(key muxwire.Key, l Listener) (ID, error) {
	key, err := muxwire.NewKey(key.Cluster, key.Path, key.Query)
	if err != nil {
		return 0, err
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return 0, ErrClosed
	}
	c.nextID++
	id := c.nextID
	s, ok := c.keys[key]
	if !ok {
		c.nextSeq++
		s = &sub{key: key, seq: c.nextSeq, resume: key.Query}
		c.keys[key] = s
		if c.sock != nil {
			c.requestLocked(s)
		}
	}
	cancelPending(&s.closing)
	cancelPending(&c.idle)
	if ok && s.ended {
		s.ended = false
		s.resume = key.Query
		if c.sock != nil {
			c.closeRequestLocked(s)
			c.requestLocked(s)
		}
	}
	s.members = append(s.members, member{id: id, l: l})
	c.byID[id] = s
	confirmed := s.req.live && s.req.confirmed
	if !c.running {
		c.running = true
		c.setStateLocked(StateConnecting, "")
		go c.run()
	}
	st := Status{State: c.state, Err: c.stateErr, Seq: c.stateSeq} // a late subscriber learns why too
	c.mu.Unlock()
	deliverStatus(member{id: id, l: l}, st, c.opts.OnError)
	if confirmed { // joined a watch the server already confirmed
		deliverStatus(member{id: id, l: l}, Status{Server: muxwire.StateConnected}, c.opts.OnError)
	}
	return id, nil
}

// Unsubscribe removes exactly subscription id; it is idempotent. When the
// key's last listener leaves, its CLOSE is sent after the debounce unless a
// new listener joins first; when no key remains the socket closes.
func (c *Client) Unsubscribe(id ID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.byID[id]
	if !ok {
		return
	}
	delete(c.byID, id)
	for i, m := range s.members {
		if m.id == id {
			s.members = append(s.members[:i:i], s.members[i+1:]...)
			break
		}
	}
	if len(s.members) > 0 || s.closing != nil {
		return
	}
	pc := c.newPending(c.opts.Debounce)
	s.closing = pc
	go c.awaitClose(s, pc)
}

// awaitClose ends key s after the debounce unless pc was cancelled.
func (c *Client) awaitClose(s *sub, pc *pendingClose) {
	if !pc.wait() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s.closing != pc {
		return // a listener joined while the timer fired
	}
	s.closing = nil
	c.dropLocked(s)
}

// dropLocked removes key s, sending its CLOSE, and goes idle if it was the
// last key: at once, or after the linger if the server had ended s's watch
// (its owner is about to retry it, and the retry should find the socket).
func (c *Client) dropLocked(s *sub) {
	if c.keys[s.key] == s {
		delete(c.keys, s.key)
	}
	if c.sock != nil {
		c.closeRequestLocked(s)
	}
	if len(c.keys) > 0 {
		return
	}
	if c.sock != nil && c.opts.Linger > 0 && s.ended {
		if c.idle == nil {
			pc := c.newPending(c.opts.Linger)
			c.idle = pc
			go c.awaitIdle(pc)
		}
		return
	}
	c.idleLocked()
}

// awaitIdle closes the socket once the linger pc ran out with no key.
func (c *Client) awaitIdle(pc *pendingClose) {
	if !pc.wait() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.idle != pc {
		return
	}
	c.idle = nil
	if len(c.keys) == 0 {
		c.idleLocked()
	}
}

// idleLocked closes the socket (or cancels its dial) now that no key remains.
func (c *Client) idleLocked() {
	if c.sock != nil {
		// Detach at once: a key subscribed from now on waits for the next
		// socket instead of being requested on this closing one.
		c.sock.closeAfterFlush()
		c.sock = nil
		c.routes.reset()
	}
	if c.dialCancel != nil {
		c.dialCancel()
	}
	c.kick()
}

// SetResume sets the query the key of subscription id will be requested with
// on the next reconnect (its latest resourceVersion); it sends nothing now.
func (c *Client) SetResume(id ID, query string) error {
	return c.resume(id, query, false)
}

// Restart sets the resume query like SetResume and, if the key is requested
// on an open socket, replaces that request now: CLOSE, then REQUEST with the
// query (after a 410 relist, or once the server reported the watch closed).
func (c *Client) Restart(id ID, query string) error {
	return c.resume(id, query, true)
}

func (c *Client) resume(id ID, query string, now bool) error {
	q, err := muxwire.CanonicalQuery(query)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.byID[id]
	if !ok {
		return fmt.Errorf("resume %d: %w", id, ErrUnknownID)
	}
	s.resume = q
	if now && c.sock != nil {
		c.closeRequestLocked(s)
		c.requestLocked(s)
	}
	return nil
}

// setStateLocked moves the socket's state to st, with why, under the next
// Seq, and returns the Status that reports it.
func (c *Client) setStateLocked(st State, why string) Status {
	c.stateSeq++
	c.state, c.stateErr = st, why
	return Status{State: st, Err: why, Seq: c.stateSeq}
}

// Close ends every subscription and the socket; idempotent. Listeners get
// StateClosed.
func (c *Client) Close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	var ms []member
	for k, s := range c.keys {
		ms = append(ms, s.members...)
		cancelPending(&s.closing)
		delete(c.keys, k)
	}
	clear(c.byID)
	cancelPending(&c.idle)
	if c.sock != nil {
		c.sock.closeAfterFlush()
	}
	if c.dialCancel != nil {
		c.dialCancel()
	}
	st := c.setStateLocked(StateClosed, "")
	c.kick()
	c.mu.Unlock()
	c.stop()
	for _, m := range ms {
		deliverStatus(m, st, c.opts.OnError)
	}
}

func (c *Client) kick() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}
