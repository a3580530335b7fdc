// Package registry shares one WebSocket between every subscriber of the same
// endpoint. A Key names an endpoint; the first subscriber of a
// Key creates its entry and starts dialing, later ones join it, and the last
// cleanup closes the socket and removes the entry. A dropped socket is dialed
// again with backoff for as long as subscribers remain.
package registry

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/kubelive/kubelive/internal/backoff"
	"github.com/kubelive/kubelive/internal/clock"
	"github.com/kubelive/kubelive/internal/endpoint"
	"github.com/kubelive/kubelive/internal/transport"
)

// Key identifies one shared socket. It is a comparable struct: two keys that
// differ in any field never share a socket, whatever their text looks like.
type Key struct {
	Cluster   string
	Path      string // path and query below the cluster, e.g. "api/v1/pods?watch=1"
	Protocols string // the caller's subprotocols joined by ","; a token cannot hold ','
	Binary    bool   // binary mode hands bytes; otherwise every frame is parsed as JSON
}

// NewKey validates the parts of a Key and builds it.
func NewKey(cluster, path string, protocols []string, binary bool) (Key, error) {
	if strings.TrimLeft(path, "/") == "" {
		return Key{}, errors.New("url is empty")
	}
	for _, p := range protocols {
		if !endpoint.ValidProtocol(p) {
			return Key{}, fmt.Errorf("subprotocol %q is not a valid token", p)
		}
	}
	return Key{Cluster: cluster, Path: strings.TrimLeft(path, "/"), Protocols: strings.Join(protocols, ","), Binary: binary}, nil
}

// ProtocolList returns the caller's subprotocols of k.
func (k Key) ProtocolList() []string {
	if k.Protocols == "" {
		return nil
	}
	return strings.Split(k.Protocols, ",")
}

// String is for stats and errors; it never holds a credential (auth protocols
// are added at dial time, not kept in the Key).
func (k Key) String() string {
	mode := "json"
	if k.Binary {
		mode = "binary"
	}
	return fmt.Sprintf("cluster=%q url=%q protocols=%q type=%s", k.Cluster, k.Path, k.Protocols, mode)
}

// Message is one decoded frame: Value to deliver, or Err if the frame could
// not be decoded (Err then says the frame's length, never its content).
type Message struct {
	Value any
	Err   error
}

// Decoder turns a burst of frames of one key into messages, once per burst
// for all of the key's listeners. It returns one Message per frame.
type Decoder func(k Key, frames []transport.Frame) []Message

// Listener receives what happens on a key. Every field may be nil.
type Listener struct {
	// OnMessage gets each message in order. A returned error (a JS listener
	// that threw) is reported to this listener's OnError; others still run.
	OnMessage func(v any) error
	OnError   func(err error)
	OnStatus  func(s Status)
}

// Options configure a Registry. Dialer and Endpoint are required.
type Options struct {
	Dialer   transport.Dialer
	Endpoint endpoint.Endpoint
	Decode   Decoder        // nil: DecodeJSON for JSON keys, raw frames for binary keys
	Clock    clock.Clock    // nil: the wall clock
	Backoff  backoff.Policy // zero: backoff.Default
	Rand     func() float64 // jitter source in [0,1); nil: math/rand
	// Payload says how the Dialer hands frames over (see transport.PayloadMode).
	Payload transport.PayloadMode
	// Reach, when set, cuts a socket's wait before a redial short when
	// another socket to its cluster opens (see backoff.Reach).
	Reach *backoff.Reach
}

// Registry is the set of shared sockets of one client. All methods are safe
// for concurrent use.
type Registry struct {
	opts Options

	mu sync.Mutex
	// entries maps a key to its live entry. Invariant: every entry here has at
	// least one subscriber; an entry leaves the map in the same critical
	// section that removes its last subscriber.
	entries map[Key]*entry
	byID    map[uint64]*entry // subscription id -> its entry
	nextID  uint64
	// starting holds new entries whose goroutine has not started yet. One
	// starter goroutine starts them, skipping the ones already cancelled, so
	// a burst of subscribe/cleanup pairs in one JS task costs no goroutines.
	starting []*entry
	kick     chan struct{}
	done     chan struct{}
	closed   bool
}

// New returns an empty Registry.
func New(opts Options) *Registry {
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.Backoff == (backoff.Policy{}) {
		opts.Backoff = backoff.Default
	}
	if opts.Decode == nil {
		opts.Decode = DecodeDefault
	}
	r := &Registry{
		opts: opts, entries: map[Key]*entry{}, byID: map[uint64]*entry{},
		kick: make(chan struct{}, 1), done: make(chan struct{}),
	}
	go r.starter()
	return r
}

// starter starts the goroutine of every new entry still alive.
func (r *Registry) starter() {
	for {
		select {
		case <-r.kick:
		case <-r.done:
			return
		}
		r.mu.Lock()
		batch := r.starting
		r.starting = nil
		r.mu.Unlock()
		for _, e := range batch {
			if e.ctx.Err() != nil {
				e.finish()
				continue
			}
			go e.run()
		}
	}
}

// Subscribe adds l to the socket of k, opening it if it is the first, and
// returns the subscription id. Cleanup with Unsubscribe(id). l.OnStatus is
// called at once with the socket's current state.
func (r *Registry) Subscribe(k Key, l Listener) uint64 {
	r.mu.Lock()
	r.nextID++
	id := r.nextID
	e, ok := r.entries[k]
	if !ok {
		e = newEntry(r, k)
		r.entries[k] = e
		r.starting = append(r.starting, e)
		if r.closed {
			e.cancel()
		}
	}
	s := e.add(id, l)
	r.byID[id] = e
	st := e.statusLocked()
	r.mu.Unlock()
	if !ok {
		select {
		case r.kick <- struct{}{}:
		default:
		}
	}
	s.status(st)
	return id
}

// Unsubscribe removes exactly subscription id. It is idempotent: an unknown
// or already removed id does nothing. Removing the last subscriber of a key
// removes its entry and closes its socket (at once, or the moment a pending
// dial ends).
func (r *Registry) Unsubscribe(id uint64) {
	r.mu.Lock()
	e, ok := r.byID[id]
	if !ok {
		r.mu.Unlock()
		return
	}
	delete(r.byID, id)
	last := e.remove(id)
	if last && r.entries[e.key] == e {
		delete(r.entries, e.key)
	}
	r.mu.Unlock()
	if last {
		e.cancel()
	}
}

// Len returns the number of live entries (sockets open, dialing or waiting to
// reconnect).
func (r *Registry) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.entries)
}

// SocketStats describes one shared socket.
type SocketStats struct {
	Key        Key
	State      State
	Listeners  int
	MessagesIn uint64
	BytesIn    uint64
	Reconnects int
	LastError  string
}

// Stats returns every live socket, ordered by key.
func (r *Registry) Stats() []SocketStats {
	r.mu.Lock()
	out := make([]SocketStats, 0, len(r.entries))
	for _, e := range r.entries {
		out = append(out, e.statsLocked())
	}
	r.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Key.String() < out[j].Key.String() })
	return out
}

// Close removes every subscription, closes every socket and stops the
// registry; idempotent. A Subscribe after Close gets a closed entry.
func (r *Registry) Close() {
	r.mu.Lock()
	if !r.closed {
		r.closed = true
		close(r.done)
	}
	es := make([]*entry, 0, len(r.entries))
	for k, e := range r.entries {
		es = append(es, e)
		delete(r.entries, k)
	}
	for id, e := range r.byID {
		e.remove(id)
		delete(r.byID, id)
	}
	r.mu.Unlock()
	for _, e := range es {
		e.cancel()
	}
}

// dropEntry removes e from the map if it is still there (a permanent failure)
// and detaches its subscriptions, whose cleanups then do nothing.
func (r *Registry) dropEntry(e *entry) {
	r.mu.Lock()
	if r.entries[e.key] == e {
		delete(r.entries, e.key)
	}
	for id, x := range r.byID {
		if x == e {
			delete(r.byID, id)
		}
	}
	r.mu.Unlock()
	e.cancel()
}

func (r *Registry) dial(ctx context.Context, k Key) (transport.Conn, error) {
	url := r.opts.Endpoint.URL(k.Cluster, k.Path)
	c, err := r.opts.Dialer.Dial(ctx, url, transport.DialOptions{
		Protocols: r.opts.Endpoint.Protocols(k.ProtocolList()),
		Payload:   r.opts.Payload,
	})
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", url, err)
	}
	return c, nil
}
