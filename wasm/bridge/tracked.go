//go:build js && wasm

package bridge

import (
	"context"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/hack-pad/safejs"

	"github.com/kubelive/kubelive/internal/transport"
)

// trackedDialer wraps the browser Dialer of list watches and streams so that
// stats() lists their sockets beside the shared ones and the mux socket.
// Invariant: conns holds exactly the sockets dialed and not yet closed.
type trackedDialer struct {
	d    transport.Dialer
	base string // the endpoint's base URL, cut from the URLs shown
	kind string // "watch" or "stream"

	mu    sync.Mutex
	conns map[*trackedConn]struct{}
}

func newTrackedDialer(d transport.Dialer, base, kind string) *trackedDialer {
	return &trackedDialer{d: d, base: base, kind: kind, conns: map[*trackedConn]struct{}{}}
}

func (t *trackedDialer) Dial(ctx context.Context, url string, opts transport.DialOptions) (transport.Conn, error) {
	c, err := t.d.Dial(ctx, url, opts)
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, t: t, url: strings.TrimPrefix(url, t.base)}
	t.mu.Lock()
	t.conns[tc] = struct{}{}
	t.mu.Unlock()
	return tc, nil
}

// sockets returns the open sockets as stats entries, ordered by URL.
func (t *trackedDialer) sockets() []socketJSON {
	t.mu.Lock()
	out := make([]socketJSON, 0, len(t.conns))
	for c := range t.conns {
		cluster, path := "", strings.TrimPrefix(c.url, "/")
		if rest, ok := strings.CutPrefix(path, "clusters/"); ok {
			cluster, path, _ = strings.Cut(rest, "/")
		}
		out = append(out, socketJSON{
			Key:   keyJSON{Cluster: cluster, URL: path, Protocols: []string{c.Protocol()}, Type: t.kind},
			State: "open", Listeners: 1, MessagesIn: c.messages.Load(), BytesIn: c.bytes.Load(),
		})
	}
	t.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Key.URL < out[j].Key.URL })
	return out
}

type trackedConn struct {
	transport.Conn
	t        *trackedDialer
	url      string
	messages atomic.Uint64
	bytes    atomic.Uint64
}

func (c *trackedConn) Recv(ctx context.Context) ([]transport.Frame, error) {
	fs, err := c.Conn.Recv(ctx)
	c.messages.Add(uint64(len(fs)))
	for _, f := range fs {
		c.bytes.Add(uint64(f.Size))
	}
	return fs, err
}

func (c *trackedConn) Close(code int, reason string) error {
	c.t.mu.Lock()
	delete(c.t.conns, c)
	c.t.mu.Unlock()
	return c.Conn.Close(code, reason)
}

// WebSocket exposes the browser socket underneath (getSocket()).
func (c *trackedConn) WebSocket() safejs.Value {
	if w, ok := c.Conn.(interface{ WebSocket() safejs.Value }); ok {
		return w.WebSocket()
	}
	return safejs.Null()
}
