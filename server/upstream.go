package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/kubelive/kubelive/server/muxserver"
	"github.com/kubelive/kubelive/server/wsx"
)

// Upstream serves the multiplexer's watches in-process: each one is a
// chunked HTTP watch on the cluster's own handler (the embedded cluster or
// the kubeconfig proxy), so fault injection, auth and limits apply exactly as
// for a browser's request. Every line of the watch stream is one event.
type Upstream struct {
	clusters map[string]http.Handler
}

// NewUpstream returns the multiplexer's upstream dialer over clusters.
func NewUpstream(clusters []Cluster) *Upstream {
	u := &Upstream{clusters: map[string]http.Handler{}}
	for _, c := range clusters {
		u.clusters[c.Name] = c.Handler
	}
	return u
}

// ErrUnknownCluster is returned for a cluster the server does not have.
var ErrUnknownCluster = errors.New("unknown cluster")

// Dial starts the watch and returns once the handler has answered: an error
// (with the status and the Status message) unless it answered 200.
func (u *Upstream) Dial(ctx context.Context, cluster, path, query string, header http.Header) (muxserver.UpstreamConn, error) {
	h, ok := u.clusters[cluster]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownCluster, cluster)
	}
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
	return &upstreamConn{p: p, cancel: cancel}, nil
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
	p      *pipe
	cancel context.CancelFunc
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

// Close ends the watch and waits for its handler to return.
func (c *upstreamConn) Close() error {
	c.cancel()
	go func() { // drain so the handler never blocks on a full channel
		for range c.p.lines {
		}
	}()
	<-c.p.done
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
