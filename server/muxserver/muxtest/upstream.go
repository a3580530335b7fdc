// Package muxtest provides test doubles around the multiplexer server: an
// in-memory UpstreamDialer whose watches a test feeds by hand, and a native
// transport.Dialer over coder/websocket so internal/mux's client can talk to
// a real muxserver in an httptest server.
package muxtest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"

	"github.com/kubelive/kubelive/server/muxserver"
)

// WatchKey names one upstream watch.
type WatchKey struct {
	Cluster, Path, Query string
}

// Upstream is an in-memory muxserver.UpstreamDialer. Every Dial creates a
// Watch the test can find with Wait and feed with Send.
type Upstream struct {
	// Fail, if set, decides a dial's error (nil: the dial succeeds).
	Fail func(k WatchKey) error

	mu      sync.Mutex
	watches map[WatchKey][]*Watch
	changed chan struct{} // closed and replaced on every new watch
}

// NewUpstream returns an empty Upstream.
func NewUpstream() *Upstream {
	return &Upstream{watches: map[WatchKey][]*Watch{}, changed: make(chan struct{})}
}

// Dial opens a Watch for (cluster, path, query).
func (u *Upstream) Dial(ctx context.Context, cluster, path, query string, _ http.Header) (muxserver.UpstreamConn, error) {
	k := WatchKey{cluster, path, query}
	if u.Fail != nil {
		if err := u.Fail(k); err != nil {
			return nil, err
		}
	}
	w := &Watch{Key: k, frames: make(chan []byte, 1024), ended: make(chan error, 1), closed: make(chan struct{})}
	u.mu.Lock()
	u.watches[k] = append(u.watches[k], w)
	close(u.changed)
	u.changed = make(chan struct{})
	u.mu.Unlock()
	return w, nil
}

// Wait returns the n-th (0-based) watch dialed for k, waiting until ctx ends.
func (u *Upstream) Wait(ctx context.Context, k WatchKey, n int) (*Watch, error) {
	for {
		u.mu.Lock()
		ws, ch := u.watches[k], u.changed
		u.mu.Unlock()
		if len(ws) > n {
			return ws[n], nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Count returns how many watches were dialed in total.
func (u *Upstream) Count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	n := 0
	for _, ws := range u.watches {
		n += len(ws)
	}
	return n
}

// Watch is one upstream watch.
type Watch struct {
	Key    WatchKey
	frames chan []byte
	ended  chan error
	once   sync.Once
	closed chan struct{}
}

// ErrWatchClosed is returned by Send after the server closed the watch.
var ErrWatchClosed = errors.New("muxtest: watch closed")

// Send queues one text frame (a watch event) for the server to read.
func (w *Watch) Send(data []byte) error {
	select {
	case <-w.closed:
		return ErrWatchClosed
	default:
	}
	select {
	case w.frames <- data:
		return nil
	case <-w.closed:
		return ErrWatchClosed
	}
}

// End makes the watch end after its queued frames: io.EOF if err is nil.
func (w *Watch) End(err error) {
	if err == nil {
		err = io.EOF
	}
	select {
	case w.ended <- err:
	default:
	}
}

// Closed is closed when the server closed the watch.
func (w *Watch) Closed() <-chan struct{} { return w.closed }

// Read returns the next frame, the end error once the queue is drained, or
// ctx's error.
func (w *Watch) Read(ctx context.Context) (bool, []byte, error) {
	select {
	case f := <-w.frames:
		return false, f, nil
	default:
	}
	select {
	case f := <-w.frames:
		return false, f, nil
	case err := <-w.ended:
		// Frames sent before End come first, also those that arrived
		// while this select chose among ready cases at random.
		select {
		case f := <-w.frames:
			select { // the end stays for the read after the queue
			case w.ended <- err:
			default: // a later End's is there already
			}
			return false, f, nil
		default:
		}
		return false, nil, err
	case <-w.closed:
		return false, nil, io.ErrClosedPipe
	case <-ctx.Done():
		return false, nil, ctx.Err()
	}
}

// Close marks the watch closed by the server; idempotent.
func (w *Watch) Close() error {
	w.once.Do(func() { close(w.closed) })
	return nil
}
