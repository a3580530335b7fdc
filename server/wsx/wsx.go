// Package wsx holds what every server WebSocket of kubelive shares: the origin policy, the
// message size cap, keep-alive pings and the API server's subprotocol negotiation.
package wsx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/coder/websocket"
)

// Subprotocols of the Kubernetes API server.
const (
	Base64Binary = "base64.binary.k8s.io"
	Binary       = "binary.k8s.io"
	// BearerPrefix carries a browser's token (base64url, no padding). Never echoed, never logged.
	BearerPrefix = "base64url.bearer.authorization.k8s.io."
	// HeadlampUserPrefix carries Headlamp's user id. Never echoed.
	HeadlampUserPrefix = "base64url.headlamp.authorization.k8s.io."
)

// Defaults for Options.
const (
	DefaultReadLimit    = 1 << 20
	DefaultPingInterval = 30 * time.Second
)

// ErrPeerGone wraps what Serve returns when the peer closed, a read failed or a pong was
// late: the connection is unusable, so it should be closed with CloseNow, not a handshake.
var ErrPeerGone = errors.New("websocket peer gone")

// Options are the limits every server WebSocket gets.
type Options struct {
	// OriginPatterns lists extra allowed origins (coder/websocket patterns matched against the
	// origin's host, e.g. "127.0.0.1:*"). Same-origin requests are always allowed.
	OriginPatterns []string
	// ReadLimit caps the size of one received message (default DefaultReadLimit).
	ReadLimit int64
	// PingInterval is the keep-alive period (default DefaultPingInterval; negative disables).
	PingInterval time.Duration
	// PongTimeout is how long a pong may take before the peer counts as gone
	// (default PingInterval, at least 5 s).
	PongTimeout time.Duration
}

func (o Options) withDefaults() Options {
	if o.ReadLimit <= 0 {
		o.ReadLimit = DefaultReadLimit
	}
	if o.PingInterval == 0 {
		o.PingInterval = DefaultPingInterval
	}
	if o.PongTimeout <= 0 {
		o.PongTimeout = max(o.PingInterval, 5*time.Second)
	}
	return o
}

// IsUpgrade reports whether r asks for a WebSocket.
func IsUpgrade(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// ErrOrigin is wrapped by CheckOrigin's refusals.
var ErrOrigin = errors.New("websocket origin not allowed")

// CheckOrigin applies coder/websocket's origin rule to an upgrade carrying origin on a
// request for host, before anything is done for it: no Origin (not a browser), the same
// host, or a match of one of patterns (OriginMatches). Handlers that act before
// websocket.Accept (dialing an upstream) call it first.
func CheckOrigin(origin, host string, patterns []string) error {
	if origin == "" {
		return nil
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%w: malformed Origin %q", ErrOrigin, origin)
	}
	if strings.EqualFold(u.Host, host) || OriginMatches(origin, patterns) {
		return nil
	}
	return fmt.Errorf("%w: %q is not %q and matches no allowed pattern", ErrOrigin, origin, host)
}

// OriginMatches matches an Origin header against patterns the way coder/websocket does
// (path.Match, case-insensitive): against the host, or against scheme://host when the
// pattern contains "://".
func OriginMatches(origin string, patterns []string) bool {
	scheme, host, ok := strings.Cut(origin, "://")
	if !ok {
		return false
	}
	for _, p := range patterns {
		target := host
		if strings.Contains(p, "://") {
			target = scheme + "://" + host
		}
		if ok, _ := path.Match(strings.ToLower(p), strings.ToLower(target)); ok {
			return true
		}
	}
	return false
}

// Offered returns the subprotocols the client offered, in order.
func Offered(r *http.Request) []string {
	var out []string
	for _, h := range r.Header.Values("Sec-WebSocket-Protocol") {
		for _, p := range strings.Split(h, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// Select picks the one subprotocol to echo, as the API server echoes exactly one: the first of
// prefer that was offered, else the first offered; authorization protocols are never chosen.
// It returns "" when nothing is eligible.
func Select(offered []string, prefer ...string) string {
	var eligible []string
	for _, p := range offered {
		if !strings.HasPrefix(p, BearerPrefix) && !strings.HasPrefix(p, HeadlampUserPrefix) {
			eligible = append(eligible, p)
		}
	}
	for _, want := range prefer {
		for _, p := range eligible {
			if p == want {
				return p
			}
		}
	}
	if len(eligible) > 0 {
		return eligible[0]
	}
	return ""
}

// Accept upgrades r, echoing the subprotocol Select chooses and applying the read limit.
// On failure Accept has already written the HTTP error.
func Accept(w http.ResponseWriter, r *http.Request, o Options, prefer ...string) (*websocket.Conn, error) {
	o = o.withDefaults()
	opts := &websocket.AcceptOptions{OriginPatterns: o.OriginPatterns}
	if p := Select(Offered(r), prefer...); p != "" {
		opts.Subprotocols = []string{p}
	}
	c, err := websocket.Accept(w, r, opts)
	if err != nil {
		return nil, fmt.Errorf("accept websocket %s: %w", r.URL.Path, err)
	}
	c.SetReadLimit(o.ReadLimit)
	return c, nil
}

// Serve runs the background duties of a server socket whose client messages are ignored (as
// the API server ignores them on a watch): it discards reads and pings every interval. It
// returns when ctx ends, the peer closes, a read fails or a pong is late; the returned error
// says which. The caller must close c, which ends the background reader.
func Serve(ctx context.Context, c *websocket.Conn, o Options) error {
	o = o.withDefaults()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// coder/websocket closes the connection when a read's or ping's context ends, so those use
	// contexts that outlive ctx: the connection must stay open for its closing handshake.
	detached := context.WithoutCancel(ctx)
	go func() {
		for {
			_, r, err := c.Reader(detached)
			if err != nil {
				cancel(fmt.Errorf("%w: read: %w", ErrPeerGone, err))
				return
			}
			if _, err := io.Copy(io.Discard, r); err != nil {
				cancel(fmt.Errorf("%w: read: %w", ErrPeerGone, err))
				return
			}
		}
	}()
	if o.PingInterval < 0 {
		<-ctx.Done()
		return context.Cause(ctx)
	}
	t := time.NewTicker(o.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-t.C:
			pctx, pcancel := context.WithTimeout(detached, o.PongTimeout)
			err := c.Ping(pctx)
			pcancel()
			if err != nil && ctx.Err() == nil {
				return fmt.Errorf("%w: keep-alive ping: %w", ErrPeerGone, err)
			}
		}
	}
}

// KeepAlive pings c every interval (DefaultPingInterval when <= 0) until ctx
// ends, for a socket whose messages someone else reads (coder/websocket
// handles the pong in that reader). A pong later than timeout (the interval,
// at least 5 s, when <= 0) means a dead peer: the connection is cut and
// KeepAlive returns.
func KeepAlive(ctx context.Context, c *websocket.Conn, interval, timeout time.Duration) {
	if interval <= 0 {
		interval = DefaultPingInterval
	}
	if timeout <= 0 {
		timeout = max(interval, 5*time.Second)
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
			err := c.Ping(pctx)
			cancel()
			if err != nil {
				if ctx.Err() == nil {
					_ = c.CloseNow()
				}
				return
			}
		}
	}
}
