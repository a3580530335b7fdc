package live

import (
	"context"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/kubelive/kubelive/internal/transport"
)

// TrackedDialer wraps the Dialer of list watches or streams so that stats
// can list their sockets beside the shared ones and the multiplexer's.
// Invariant: conns holds exactly the sockets dialed and not yet closed.
type TrackedDialer struct {
	d    transport.Dialer
	base string // the endpoint's base URL, cut from the URLs shown
	kind string // what the sockets are for: "watch" or "stream"

	mu    sync.Mutex
	conns map[*TrackedConn]struct{}
}

// NewTrackedDialer returns a TrackedDialer over d whose sockets are of kind
// and whose URLs are shown without base.
func NewTrackedDialer(d transport.Dialer, base, kind string) *TrackedDialer {
	return &TrackedDialer{d: d, base: base, kind: kind, conns: map[*TrackedConn]struct{}{}}
}

// Dial implements transport.Dialer.
func (t *TrackedDialer) Dial(ctx context.Context, url string, opts transport.DialOptions) (transport.Conn, error) {
	c, err := t.d.Dial(ctx, url, opts)
	if err != nil {
		return nil, err
	}
	tc := &TrackedConn{Conn: c, t: t, url: strings.TrimPrefix(url, t.base)}
	t.mu.Lock()
	t.conns[tc] = struct{}{}
	t.mu.Unlock()
	return tc, nil
}

// Socket is one open tracked socket as stats shows it.
type Socket struct {
	Cluster    string // "" for a URL below no /clusters/<name>/
	Path       string // below the cluster, without a leading slash
	Protocol   string // the subprotocol the server selected
	Kind       string // the TrackedDialer's kind
	MessagesIn uint64
	BytesIn    uint64
}

// Sockets returns the open sockets, ordered by Path.
func (t *TrackedDialer) Sockets() []Socket {
	t.mu.Lock()
	out := make([]Socket, 0, len(t.conns))
	for c := range t.conns {
		cluster, path := "", strings.TrimPrefix(c.url, "/")
		if rest, ok := strings.CutPrefix(path, "clusters/"); ok {
			cluster, path, _ = strings.Cut(rest, "/")
		}
		out = append(out, Socket{Cluster: cluster, Path: path, Protocol: c.Protocol(), Kind: t.kind,
			MessagesIn: c.messages.Load(), BytesIn: c.bytes.Load()})
	}
	t.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// TrackedConn is a socket of a TrackedDialer: it counts what it receives
// and leaves the dialer's set when closed.
type TrackedConn struct {
	transport.Conn
	t        *TrackedDialer
	url      string
	messages atomic.Uint64
	bytes    atomic.Uint64
}

// Recv implements transport.Conn, counting the frames and their bytes.
func (c *TrackedConn) Recv(ctx context.Context) ([]transport.Frame, error) {
	fs, err := c.Conn.Recv(ctx)
	c.messages.Add(uint64(len(fs)))
	for _, f := range fs {
		c.bytes.Add(uint64(f.Size))
	}
	return fs, err
}

// Close implements transport.Conn; the socket leaves the dialer's set.
func (c *TrackedConn) Close(code int, reason string) error {
	c.t.mu.Lock()
	delete(c.t.conns, c)
	c.t.mu.Unlock()
	return c.Conn.Close(code, reason)
}

// Unwrap returns the socket underneath (the browser's, for getSocket()).
func (c *TrackedConn) Unwrap() transport.Conn { return c.Conn }
