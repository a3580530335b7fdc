//go:build js && wasm

package bridge

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/hack-pad/safejs"

	"github.com/kubelive/kubelive/internal/backoff"
	"github.com/kubelive/kubelive/internal/endpoint"
	"github.com/kubelive/kubelive/internal/kubeurl"
	"github.com/kubelive/kubelive/internal/probe"
	"github.com/kubelive/kubelive/internal/reflector"
	"github.com/kubelive/kubelive/internal/stream"
	"github.com/kubelive/kubelive/internal/transport"
	"github.com/kubelive/kubelive/wasm/browser"
)

// probeTimeout bounds a probe: a server that does not answer is as good as
// down, and the retry must not wait for it.
const probeTimeout = 5 * time.Second

// reachDialer wraps the browser Dialer of every socket of a client: a socket
// that opens proves its backend reachable and kicks the retries waiting for
// it (backoff.Reach): a cluster's socket kicks that cluster's, the
// multiplexer's (which serves every cluster) kicks all.
type reachDialer struct {
	d     transport.Dialer
	reach *backoff.Reach
	base  string // the endpoint's base URL
}

func (r *reachDialer) Dial(ctx context.Context, u string, opts transport.DialOptions) (transport.Conn, error) {
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
	if un, err := url.PathUnescape(c); err == nil {
		c = un
	}
	return c, true
}

// probeGet makes one probe request and maps its answer (probe.FromResponse).
func probeGet(ctx context.Context, f *browser.Fetcher, ep endpoint.Endpoint, cluster, path, notFound string) error {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	status, body, err := f.Probe(ctx, ep.HTTPURL(cluster, path), ep.Token)
	if err != nil {
		return nil // no answer: the dial's own error stands
	}
	return probe.FromResponse(status, body, notFound)
}

// probeList asks for the list a watch failed to open: the LIST with
// limit=1 from the watch's resourceVersion (so a server behind the resume
// point answers its 504 "Too large resource version").
func (l *listerWatcher) probeList(ctx context.Context, o reflector.WatchOptions) error {
	lo := reflector.ListOptions{LabelSelector: o.LabelSelector, FieldSelector: o.FieldSelector, Limit: 1,
		ResourceVersion: o.ResourceVersion}
	if lo.ResourceVersion != "" {
		lo.ResourceVersionMatch = "NotOlderThan"
	}
	path := kubeurl.List(l.res, l.t.Namespace, lo, l.extra)
	return probeGet(ctx, l.s.fetch, l.s.ep, l.t.Cluster, path,
		fmt.Sprintf("%s in %s/%s not found", l.res.Resource, l.t.Cluster, l.t.Namespace))
}

// podProbe returns the probe of a pod stream (logs, exec, attach): a GET of
// the pod, whose 404 ends the stream with "pod <ns>/<name> not found".
func (b *Bridge) podProbe(cluster string, pod stream.Pod) func(context.Context) error {
	if b.deps.Fetch == nil {
		return nil
	}
	path := "api/v1/namespaces/" + url.PathEscape(pod.Namespace) + "/pods/" + url.PathEscape(pod.Name)
	return func(ctx context.Context) error {
		return probeGet(ctx, b.deps.Fetch, b.deps.Endpoint, cluster, path, "pod "+pod.Namespace+"/"+pod.Name+" not found")
	}
}

// listenReach kicks every waiting retry when the browser may reach the
// server again: back online, the page visible again or resumed after a
// freeze. Its js.Func is released by stopReach (Close).
func (b *Bridge) listenReach() error {
	if b.deps.Reach == nil {
		return nil
	}
	f, err := b.funcs.FuncOf(func(safejs.Value, []safejs.Value) any {
		go b.deps.Reach.KickAll() // never block a JS callback
		return nil
	})
	if err != nil {
		return fmt.Errorf("reachability listener: %w", err)
	}
	stop, err := b.shim.Call("listenReach", f.Value())
	if err != nil {
		b.funcs.Release(f)
		return fmt.Errorf("reachability listener: %w", err)
	}
	b.mu.Lock()
	b.reachFn, b.reachStop = f, stop
	b.mu.Unlock()
	return nil
}

// stopReach removes the listeners and releases their func; idempotent.
func (b *Bridge) stopReach() {
	b.mu.Lock()
	f, stop := b.reachFn, b.reachStop
	b.reachFn, b.reachStop = safejs.Func{}, safejs.Value{}
	b.mu.Unlock()
	if stop.Type() == safejs.TypeFunction {
		_, _ = stop.Invoke()
		b.funcs.Release(f)
	}
}

// retry(): the user asked to retry now: every waiting retry goes (jittered
// over backoff.KickWindow).
func (b *Bridge) retry([]safejs.Value) any {
	if b.deps.Reach != nil {
		b.deps.Reach.KickAll()
	}
	return nil
}
