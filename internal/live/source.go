package live

import (
	"context"
	"fmt"

	"github.com/kubelive/kubelive/internal/cache"
	"github.com/kubelive/kubelive/internal/endpoint"
	"github.com/kubelive/kubelive/internal/kubeurl"
	"github.com/kubelive/kubelive/internal/probe"
	"github.com/kubelive/kubelive/internal/reflector"
	"github.com/kubelive/kubelive/internal/transport"
	"github.com/kubelive/kubelive/internal/wire"
)

// Source serves the cache's lists over the backend of an endpoint: LIST and
// GET with the Fetcher, WATCH over one socket of the Dialer per list (the
// per-URL strategy). A watch whose socket fails to open is explained by one
// probe LIST of the same list, whose answer (401/403, the origin check, 504
// too large, 5xx) joins the dial's error.
//
// A probe's verdict on the page's origin (probe.OriginRefused) answers every
// watch dial of the Source still pending at once (see pendingDials).
type Source struct {
	ep      endpoint.Endpoint
	fetch   Fetcher
	dialer  transport.Dialer
	pending pendingDials
}

// NewSource returns the per-URL Source of ep.
func NewSource(ep endpoint.Endpoint, fetch Fetcher, dialer transport.Dialer) *Source {
	return &Source{ep: ep, fetch: fetch, dialer: dialer}
}

// ListerWatcher implements cache.Source.
func (s *Source) ListerWatcher(t cache.Target) reflector.ListerWatcher {
	return s.listerWatcher(t)
}

func (s *Source) listerWatcher(t cache.Target) *listerWatcher {
	extra := make(kubeurl.Extra, len(t.Params))
	for i, p := range t.Params {
		extra[i].Name, extra[i].Value = p.Name, p.Value
	}
	return &listerWatcher{s: s, t: t, extra: extra,
		res: kubeurl.Resource{Group: t.Endpoint.Group, Version: t.Endpoint.Version, Resource: t.Endpoint.Resource}}
}

type listerWatcher struct {
	s     *Source
	t     cache.Target
	res   kubeurl.Resource
	extra kubeurl.Extra
}

// List GETs a list or an object. A non-2xx answer whose body is a Status is
// returned as the body (the Reflector reads its code); any other is an
// *reflector.APIError with the HTTP status.
func (l *listerWatcher) List(ctx context.Context, o reflector.ListOptions) ([]byte, error) {
	path := kubeurl.List(l.res, l.t.Namespace, o, l.extra)
	status, body, err := l.s.fetch.Get(ctx, l.s.ep.HTTPURL(l.t.Cluster, path), l.s.ep.Token)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", path, err)
	}
	if status >= 200 && status < 300 {
		return body, nil
	}
	if lst, err := wire.ScanList(body); err == nil && lst.Status != nil {
		return body, nil
	}
	return nil, fmt.Errorf("GET %s: %w", path, &reflector.APIError{Code: status})
}

// Watch opens the watch socket of the list.
func (l *listerWatcher) Watch(ctx context.Context, o reflector.WatchOptions) (reflector.Watch, error) {
	path := kubeurl.Watch(l.res, l.t.Namespace, o, l.extra)
	dctx, leave := l.s.pending.enter(ctx)
	conn, err := l.s.dialer.Dial(dctx, l.s.ep.URL(l.t.Cluster, path), transport.DialOptions{
		Protocols: l.s.ep.Protocols(nil),
		Payload:   transport.PayloadBytes,
		Borrow:    true,
	})
	leave()
	if err != nil {
		if v := verdict(dctx); v != nil && ctx.Err() == nil {
			return nil, fmt.Errorf("watch %s: %w", path, v)
		}
		// The browser hides why (close 1006): one plain request for the same
		// list says (401/403, the origin check, 504 too large, 5xx).
		if perr := l.probeList(ctx, o); perr != nil && ctx.Err() == nil {
			if probe.OriginRefused(perr) {
				l.s.pending.answerAll(perr)
			}
			return nil, fmt.Errorf("watch %s: %w; the server answered: %w", path, err, perr)
		}
		return nil, fmt.Errorf("watch %s: %w", path, err)
	}
	return &watch{conn: conn}, nil
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

type watch struct{ conn transport.Conn }

// Next returns the frames of one burst, valid until the next Next: the
// socket is dialed with Borrow, so every burst is copied into Go through one
// reused buffer and the Store copies the objects it keeps.
func (w *watch) Next(ctx context.Context) ([][]byte, error) {
	frames, err := w.conn.Recv(ctx)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, len(frames))
	for i, f := range frames {
		out[i] = f.Data
	}
	return out, nil
}

func (w *watch) Close() { _ = w.conn.Close(transport.CloseNormal, "") }
