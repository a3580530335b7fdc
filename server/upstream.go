package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/kubelive/kubelive/server/muxserver"
	"github.com/kubelive/kubelive/server/wsx"
)

// Upstream serves the multiplexer's watches in-process: each one is a
// chunked HTTP watch on the cluster's own handler (the embedded cluster or
// the kubeconfig proxy), so fault injection, auth and limits apply exactly as
// for a browser's request. Every line of the watch stream is one event.
//
// It opens watches only (watch=1 or watch=true), never plain GETs, on paths
// that pass the same check as /clusters/ routes, and at most MaxWatches at a
// time across every multiplexer socket.
type Upstream struct {
	clusters map[string]http.Handler
	max      int64
	open     atomic.Int64 // watches dialled and not yet closed; <= max
}

// UpstreamOptions configure an Upstream.
type UpstreamOptions struct {
	// MaxWatches caps the watches open at once, server-wide
	// (DefaultMaxUpstreamWatches when <= 0).
	MaxWatches int
}

// DefaultMaxUpstreamWatches is the default server-wide cap on the
// multiplexer's watches.
const DefaultMaxUpstreamWatches = 1024

// NewUpstream returns the multiplexer's upstream dialer over clusters.
func NewUpstream(clusters []Cluster, opts UpstreamOptions) *Upstream {
	if opts.MaxWatches <= 0 {
		opts.MaxWatches = DefaultMaxUpstreamWatches
	}
	u := &Upstream{clusters: map[string]http.Handler{}, max: int64(opts.MaxWatches)}
	for _, c := range clusters {
		u.clusters[c.Name] = c.Handler
	}
	return u
}

// Sentinel errors of Dial.
var (
	// ErrUnknownCluster is returned for a cluster the server does not have.
	ErrUnknownCluster = errors.New("unknown cluster")
	// ErrNotWatch is returned for a REQUEST that is not a watch.
	ErrNotWatch = errors.New("the multiplexer serves watches only")
	// ErrWatchLimit is returned when the server-wide cap is reached.
	ErrWatchLimit = errors.New("server-wide watch limit reached")
)

// Open returns how many watches are open now.
func (u *Upstream) Open() int64 { return u.open.Load() }

// Dial starts the watch and returns once the handler has answered: an error
// (with the status and the Status message) unless it answered 200.
func (u *Upstream) Dial(ctx context.Context, cluster, path, query string, header http.Header) (muxserver.UpstreamConn, error) {
	h, ok := u.clusters[cluster]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownCluster, cluster)
	}
	// The path is checked as the handler will see it: decoded, so %2e%2e is a dot segment.
	if u, err := url.ParseRequestURI(path); err != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%w %q: a path without query or fragment is required", ErrBadPath, path)
	} else if err := checkAPIPath(u.Path); err != nil {
		return nil, err
	}
	q, err := url.ParseQuery(query)
	if w := q.Get("watch"); err != nil || (w != "1" && w != "true") {
		return nil, fmt.Errorf("%w: %s needs watch=1 in its query", ErrNotWatch, path)
	}
	if u.open.Add(1) > u.max {
		u.open.Add(-1)
		return nil, fmt.Errorf("%w (%d watches across all multiplexer sockets)", ErrWatchLimit, u.max)
	}
	conn, err := u.dial(ctx, h, path, query, header)
	if err != nil {
		u.open.Add(-1)
		return nil, err
	}
	return conn, nil
}

// dial runs the watch on h; the returned conn gives its slot back on Close.
func (u *Upstream) dial(ctx context.Context, h http.Handler, path, query string, header http.Header) (*upstreamConn, error) {
	// The watch outlives the dial: ctx bounds only the wait for the answer.
	wctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(wctx, http.MethodGet, path+"?"+query, nil)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("watch %s: %w", path, err)
	}
	req.RequestURI = path + "?" + query
	if auth := authorization(header); auth != "" {
		req.Header.Set("Authorization", auth)
	}
	p := &pipe{header: http.Header{}, status: make(chan int, 1), lines: make(chan []byte, 64), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		defer close(p.lines)
		// A handler aborts a dropped watch with panic(http.ErrAbortHandler),
		// which net/http recovers; so does this in-process caller: the
		// stream just ends, as a cut connection would.
		defer func() { _ = recover() }()
		h.ServeHTTP(p, req)
		p.WriteHeader(http.StatusOK) // a handler that wrote nothing
		if len(bytes.TrimSpace(p.partial)) > 0 {
			p.lines <- p.partial // an unterminated last line (a Status body)
		}
	}()
	select {
	case code := <-p.status:
		if code != http.StatusOK {
			var body bytes.Buffer
			for l := range p.lines {
				body.Write(l)
			}
			cancel()
			<-p.done
			return nil, fmt.Errorf("watch %s: HTTP %d: %s", path, code, statusMessage(body.Bytes()))
		}
	case <-ctx.Done():
		c := &upstreamConn{p: p, cancel: cancel}
		go c.Close()
		return nil, ctx.Err()
	}
	return &upstreamConn{p: p, cancel: cancel, release: func() { u.open.Add(-1) }}, nil
}

// authorization turns the browser's bearer subprotocol (offered on the
// /wsMultiplexer upgrade) or its Authorization header into a header value.
func authorization(h http.Header) string {
	if a := h.Get("Authorization"); a != "" {
		return a
	}
	for _, v := range h.Values("Sec-WebSocket-Protocol") {
		for _, p := range strings.Split(v, ",") {
			if tok, ok := strings.CutPrefix(strings.TrimSpace(p), wsx.BearerPrefix); ok {
				if t, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(tok, "=")); err == nil && len(t) > 0 {
					return "Bearer " + string(t)
				}
			}
		}
	}
	return ""
}

func statusMessage(body []byte) string {
	const max = 512
	s := strings.TrimSpace(string(body))
	if len(s) > max {
		s = s[:max]
	}
	return s
}

type upstreamConn struct {
	p       *pipe
	cancel  context.CancelFunc
	release func() // gives the watch's slot back; nil when it holds none
	once    sync.Once
}

// Read returns the next event line (without its newline); io.EOF when the
// watch ended.
func (c *upstreamConn) Read(ctx context.Context) (bool, []byte, error) {
	select {
	case l, ok := <-c.p.lines:
		if !ok {
			return false, nil, io.EOF
		}
		return false, l, nil
	case <-ctx.Done():
		return false, nil, ctx.Err()
	}
}

// Close ends the watch and waits for its handler to return; idempotent.
func (c *upstreamConn) Close() error {
	c.cancel()
	go func() { // drain so the handler never blocks on a full channel
		for range c.p.lines {
		}
	}()
	<-c.p.done
	if c.release != nil {
		c.once.Do(c.release)
	}
	return nil
}

// pipe is an http.ResponseWriter (and Flusher) that turns a chunked watch
// response into lines. Invariant: lines gets whole lines only; status gets
// the first status code exactly once.
type pipe struct {
	header  http.Header
	status  chan int
	once    sync.Once
	partial []byte
	lines   chan []byte
	done    chan struct{}
}

func (p *pipe) Header() http.Header { return p.header }

func (p *pipe) WriteHeader(code int) { p.once.Do(func() { p.status <- code }) }

func (p *pipe) Write(b []byte) (int, error) {
	p.WriteHeader(http.StatusOK)
	p.partial = append(p.partial, b...)
	for {
		i := bytes.IndexByte(p.partial, '\n')
		if i < 0 {
			break
		}
		line := append([]byte(nil), p.partial[:i]...)
		p.partial = p.partial[i+1:]
		if len(bytes.TrimSpace(line)) > 0 {
			p.lines <- line
		}
	}
	return len(b), nil
}

func (p *pipe) Flush() {}
