package live

import (
	"context"
	"strings"

	"github.com/kubelive/kubelive/internal/backoff"
	"github.com/kubelive/kubelive/internal/transport"
	"github.com/kubelive/kubelive/internal/weburl"
)

// ReachDialer wraps the Dialer of every socket of a client: a socket that
// opens proves its backend reachable and kicks the retries waiting for it
// (backoff.Reach): a cluster's socket kicks that cluster's, one that names
// no cluster (the multiplexer's, which serves every cluster) kicks all.
type ReachDialer struct {
	d     transport.Dialer
	reach *backoff.Reach
	base  string
}

// NewReachDialer returns the ReachDialer over d for the endpoint whose base
// URL is base.
func NewReachDialer(d transport.Dialer, reach *backoff.Reach, base string) *ReachDialer {
	return &ReachDialer{d: d, reach: reach, base: base}
}

// Dial implements transport.Dialer.
func (r *ReachDialer) Dial(ctx context.Context, u string, opts transport.DialOptions) (transport.Conn, error) {
	c, err := r.d.Dial(ctx, u, opts)
	if err != nil {
		return nil, err
	}
	if cluster, ok := clusterOf(r.base, u); ok {
		r.reach.Kick(cluster)
	} else {
		r.reach.KickAll()
	}
	return c, nil
}

// clusterOf returns the cluster of a URL below base (/clusters/<c>/...), and
// false for a URL that names none (the multiplexer's).
func clusterOf(base, u string) (string, bool) {
	rest, ok := strings.CutPrefix(strings.TrimPrefix(u, base), "/clusters/")
	if !ok {
		return "", false
	}
	c, _, _ := strings.Cut(rest, "/")
	if un, err := weburl.PathUnescape(c); err == nil {
		c = un
	}
	return c, true
}
