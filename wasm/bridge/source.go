//go:build js && wasm

package bridge

import (
	"context"
	"fmt"

	"github.com/kubelive/kubelive/internal/cache"
	"github.com/kubelive/kubelive/internal/endpoint"
	"github.com/kubelive/kubelive/internal/kubeurl"
	"github.com/kubelive/kubelive/internal/reflector"
	"github.com/kubelive/kubelive/internal/transport"
	"github.com/kubelive/kubelive/internal/wire"
	"github.com/kubelive/kubelive/wasm/browser"
)

// source serves the cache's lists over the backend: LIST and GET with
// fetch, WATCH over a browser WebSocket per list (the per-URL strategy).
type source struct {
	ep     endpoint.Endpoint
	fetch  *browser.Fetcher
	dialer transport.Dialer
}

func (s *source) ListerWatcher(t cache.Target) reflector.ListerWatcher {
	extra := make(kubeurl.Extra, len(t.Params))
	for i, p := range t.Params {
		extra[i].Name, extra[i].Value = p.Name, p.Value
	}
	return &listerWatcher{s: s, t: t, extra: extra,
		res: kubeurl.Resource{Group: t.Endpoint.Group, Version: t.Endpoint.Version, Resource: t.Endpoint.Resource}}
}

type listerWatcher struct {
	s     *source
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
		if lst.Status.Code == 0 {
			lst.Status.Code = status
		}
		return body, nil
	}
	return nil, fmt.Errorf("GET %s: %w", path, &reflector.APIError{Code: status})
}

// Watch opens the watch WebSocket of the list.
func (l *listerWatcher) Watch(ctx context.Context, o reflector.WatchOptions) (reflector.Watch, error) {
	path := kubeurl.Watch(l.res, l.t.Namespace, o, l.extra)
	conn, err := l.s.dialer.Dial(ctx, l.s.ep.URL(l.t.Cluster, path), transport.DialOptions{
		Protocols: l.s.ep.Protocols(nil),
		Payload:   transport.PayloadBytes,
	})
	if err != nil {
		// The browser hides why (close 1006): one plain request for the same
		// list says (401/403, the origin check, 504 too large, 5xx).
		if perr := l.probeList(ctx, o); perr != nil && ctx.Err() == nil {
			return nil, fmt.Errorf("watch %s: %w; the server answered: %w", path, err, perr)
		}
		return nil, fmt.Errorf("watch %s: %w", path, err)
	}
	return &watch{conn: conn}, nil
}

type watch struct{ conn transport.Conn }

// Next returns the frames of one burst; each Data is its own allocation
// (the browser adapter copies every burst afresh).
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
