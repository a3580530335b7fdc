package live

import (
	"context"
	"strings"
	"sync"

	"github.com/kubelive/kubelive/internal/backoff"
	"github.com/kubelive/kubelive/internal/endpoint"
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

// ReachFetcher wraps the Fetcher of a client: an HTTP answer (any status but
// a 5xx) to a cluster's URL after a request to it got none (a network error,
// or a proxy's 5xx: the backend down) proves the backend back, and kicks the
// retries waiting for that cluster as a socket that opens does; a URL that
// names no cluster kicks every cluster's. So lists that all wait to relist
// after a restart, with no socket open to prove it over, go once one LIST is
// answered. A backend that answers every request never kicks: its sockets
// fail for another reason (a proxy that refuses the upgrade), and their
// backoff stands. A request whose context ended proves nothing.
type ReachFetcher struct {
	f     Fetcher
	reach *backoff.Reach
	base  string

	mu   sync.Mutex
	down map[string]bool // clusters ("" for none) whose last request got no answer
}

// NewReachFetcher returns the ReachFetcher over f for the endpoint whose
// HTTP base URL is base.
func NewReachFetcher(f Fetcher, reach *backoff.Reach, base string) *ReachFetcher {
	return &ReachFetcher{f: f, reach: reach, base: base, down: map[string]bool{}}
}

// Get implements Fetcher.
func (r *ReachFetcher) Get(ctx context.Context, url string, token endpoint.Secret) (int, []byte, error) {
	status, body, err := r.f.Get(ctx, url, token)
	r.saw(ctx, url, status, err)
	return status, body, err
}

// Probe implements Fetcher.
func (r *ReachFetcher) Probe(ctx context.Context, url string, token endpoint.Secret) (int, []byte, error) {
	status, body, err := r.f.Probe(ctx, url, token)
	r.saw(ctx, url, status, err)
	return status, body, err
}

// saw records whether url's backend answered, and kicks on its return.
func (r *ReachFetcher) saw(ctx context.Context, url string, status int, err error) {
	if ctx.Err() != nil {
		return
	}
	cluster, named := clusterOf(r.base, url)
	answered := err == nil && status < 500
	r.mu.Lock()
	back := answered && r.down[cluster]
	if answered {
		delete(r.down, cluster)
	} else {
		r.down[cluster] = true
	}
	r.mu.Unlock()
	switch {
	case !back:
	case named:
		r.reach.Kick(cluster)
	default:
		r.reach.KickAll()
	}
}
