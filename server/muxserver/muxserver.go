// Package muxserver serves /wsMultiplexer: many watches of one
// browser over one WebSocket. Each REQUEST opens its own upstream watch
// through an UpstreamDialer, keyed by (client socket, cluster, path, full
// query) on JSON and by subscription id on msgpack, so no watch is shared
// between sockets and two queries on one path never collide (Headlamp
// #7717). It speaks Headlamp's JSON protocol (for our client and Headlamp's
// own frontend) and kubelive.muxwire.v1.msgpack, on which DATA of many watches
// is packed into one frame.
package muxserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/kubelive/kubelive/internal/muxwire"
)

// UpstreamDialer opens one watch of a cluster. header holds the headers of
// the client's upgrade request (cookies, Authorization, Sec-WebSocket-Protocol
// with the bearer protocol) for the dialer to authenticate with; it must not
// be logged.
type UpstreamDialer interface {
	Dial(ctx context.Context, cluster, path, query string, header http.Header) (UpstreamConn, error)
}

// UpstreamConn is one open watch yielding watch-event frames.
type UpstreamConn interface {
	// Read blocks for the next frame (text JSON unless binary). It returns an
	// error when the watch ended: io.EOF for a normal end (the API server's
	// watch timeout), or ctx.Err().
	Read(ctx context.Context) (binary bool, data []byte, err error)
	// Close ends the watch; idempotent.
	Close() error
}

// Defaults of Options.
const (
	DefaultMaxSubscriptions = 512
	DefaultReadLimit        = 1 << 20
	DefaultPingInterval     = 30 * time.Second
	DefaultDialTimeout      = 30 * time.Second
	DefaultWriteTimeout     = 10 * time.Second
	DefaultBatchWindow      = time.Millisecond
	DefaultBatchMax         = 64
	DefaultBatchBytes       = 4 << 20
	DefaultMaxEventBytes    = 8 << 20
)

// Options configure a Handler. Upstream is required.
type Options struct {
	Upstream UpstreamDialer
	// OriginPatterns lists allowed cross origins (coder/websocket patterns
	// matched against the origin's host); same-origin is always allowed.
	OriginPatterns   []string
	MaxSubscriptions int           // per socket; a REQUEST beyond it gets ERROR
	ReadLimit        int64         // cap of one client message
	PingInterval     time.Duration // keep-alive; negative disables
	DialTimeout      time.Duration // per upstream dial
	WriteTimeout     time.Duration // per client frame
	// BatchWindow is how long the msgpack writer waits for more messages
	// after the first before it sends a frame (negative: no wait, only what
	// is already queued); BatchMax caps the messages of one frame.
	BatchWindow time.Duration
	BatchMax    int
	// BatchBytes stops a batch once its payloads reach it, so that a frame
	// stays under BatchBytes+MaxEventBytes (the browser takes 16 MiB).
	BatchBytes int
	// MaxEventBytes caps one upstream event: a bigger one ends that
	// subscription with STATUS closed saying so (the client resumes from its
	// last resourceVersion), never the socket and its other subscriptions.
	MaxEventBytes int
	Logger        *slog.Logger // method, cluster and path only; never headers or queries
	// Tracker, if set, registers every client socket so that fault injection
	// (drop all sockets) reaches the multiplexer too.
	Tracker interface {
		Track(path string, cancel func()) (untrack func())
	}
}

// Handler serves the multiplexer endpoint. Mount it at /wsMultiplexer.
type Handler struct {
	opts Options
	wg   sync.WaitGroup // live sessions
}

// New returns a Handler.
func New(opts Options) (*Handler, error) {
	if opts.Upstream == nil {
		return nil, errors.New("muxserver: Options.Upstream is required")
	}
	if opts.MaxSubscriptions <= 0 {
		opts.MaxSubscriptions = DefaultMaxSubscriptions
	}
	if opts.ReadLimit <= 0 {
		opts.ReadLimit = DefaultReadLimit
	}
	if opts.PingInterval == 0 {
		opts.PingInterval = DefaultPingInterval
	}
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = DefaultDialTimeout
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = DefaultWriteTimeout
	}
	if opts.BatchWindow == 0 {
		opts.BatchWindow = DefaultBatchWindow
	}
	if opts.BatchMax <= 0 {
		opts.BatchMax = DefaultBatchMax
	}
	if opts.BatchBytes <= 0 {
		opts.BatchBytes = DefaultBatchBytes
	}
	if opts.MaxEventBytes <= 0 {
		opts.MaxEventBytes = DefaultMaxEventBytes
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Handler{opts: opts}, nil
}

// ServeHTTP upgrades the request and serves the socket until it ends.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		Subprotocols:   []string{muxwire.MsgpackProtocol, muxwire.HeadlampProtocol},
		OriginPatterns: h.opts.OriginPatterns,
	})
	if err != nil {
		h.opts.Logger.Info("mux upgrade refused", "err", err)
		return
	}
	h.wg.Add(1)
	defer h.wg.Done()
	conn.SetReadLimit(h.opts.ReadLimit)
	s := newSession(h, conn, r.Header.Clone())
	ctx := r.Context()
	if h.opts.Tracker != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		untrack := h.opts.Tracker.Track("/wsMultiplexer", func() {
			cancel()
			_ = conn.CloseNow() // a cut connection, as a network failure would be
		})
		defer untrack()
	}
	err = s.serve(ctx)
	code := websocket.CloseStatus(err)
	if code == -1 && !errors.Is(err, context.Canceled) {
		h.opts.Logger.Info("mux socket ended", "err", err)
	}
}

// Wait blocks until every session has ended (after the server's shutdown
// cancelled their requests).
func (h *Handler) Wait() { h.wg.Wait() }

// subKey identifies a subscription within one socket: by id on msgpack, by
// (cluster, path, full query) on JSON.
type subKey struct {
	id                   uint64
	cluster, path, query string
}

func keyOf(msgpack bool, m *muxwire.Message) subKey {
	if msgpack {
		return subKey{id: m.ID}
	}
	return subKey{cluster: m.Cluster, path: m.Path, query: m.Query}
}

func (k subKey) String() string {
	if k.id != 0 {
		return fmt.Sprintf("subscription %d", k.id)
	}
	return fmt.Sprintf("cluster %q path %q", k.cluster, k.path)
}
