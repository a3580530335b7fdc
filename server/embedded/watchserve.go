package embedded

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/coder/websocket"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/kubelive/kubelive/server/wsx"
)

// errDropped is the cancel cause of a watch dropped by fault injection: the stream is cut
// abruptly (no close handshake, no end of chunked body), like a network failure.
var errDropped = errors.New("dropped by fault injection")

// writeTimeout bounds one batch of writes to a watch client.
const writeTimeout = 30 * time.Second

// sink is the wire of one watch: chunked HTTP or WebSocket.
type sink interface {
	// send writes frames (each one complete JSON line), flushing at the end.
	send(ctx context.Context, frames [][]byte) error
	// end finishes the stream: normally (timeout, overflow), going away (server shutdown) or
	// abruptly (dropped).
	end(how error)
}

// serveWatch serves one watch over the sink the request asks for. Expired/too-large errors
// become one ERROR event after a successful handshake, like the real watch cache.
func (h *Handler) serveWatch(w http.ResponseWriter, r *http.Request, res *Resource, o ListOptions) {
	if h.opts.Faults != nil && h.opts.Faults.Refusing() {
		writeError(w, apierrors.NewServiceUnavailable("watches are refused for a while (fault injection)"))
		return
	}
	var watcher *Watcher
	var err error
	if o.ResourceVersion != "" && o.ResourceVersion != "0" && !o.SendInitialEvents && h.opts.Faults != nil && h.opts.Faults.TakeExpire() {
		err = h.store.Expired(res.Plural, o.ResourceVersion)
	} else {
		watcher, err = h.store.Watch(res.Plural, o)
	}
	if err != nil && !IsWatchError(err) {
		writeError(w, err)
		return
	}
	if watcher != nil {
		defer watcher.Stop()
	}
	ctx, cancel := context.WithCancelCause(r.Context())
	defer cancel(nil)
	kind := "http"
	var out sink
	if wsx.IsUpgrade(r) {
		conn, aerr := wsx.Accept(w, r, h.opts.WebSocket, wsx.Base64Binary, wsx.Binary)
		if aerr != nil {
			h.opts.Logger.Debug("watch upgrade failed", "path", r.URL.Path, "err", aerr)
			return
		}
		go func() { cancel(wsx.Serve(ctx, conn, h.opts.WebSocket)) }()
		kind, out = "websocket", &wsSink{conn: conn}
	} else {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-cache, private")
		w.WriteHeader(http.StatusOK)
		out = &httpSink{w: w, rc: http.NewResponseController(w)}
		_ = out.send(ctx, nil) // flush the headers so the client's Watch call returns
	}
	if err != nil {
		st := StatusOf(err)
		obj, _ := json.Marshal(st)
		_ = out.send(ctx, [][]byte{eventLine(watch.Error, obj)})
		out.end(nil)
		return
	}
	inject := make(chan []byte, 4)
	if h.opts.Faults != nil {
		untrack := h.opts.Faults.TrackWatch(r.RequestURI, kind, func() { cancel(errDropped) }, func(frame []byte) {
			select {
			case inject <- frame:
			default:
			}
		})
		defer untrack()
	}
	out.end(h.loop(ctx, watcher, out, o, inject))
}

// loop forwards events until the watch ends and returns how it ended (nil: normally).
func (h *Handler) loop(ctx context.Context, wt *Watcher, out sink, o ListOptions, inject <-chan []byte) error {
	timeout := time.Duration(o.TimeoutSeconds) * time.Second
	if timeout == 0 {
		timeout = h.opts.WatchTimeout + rand.N(h.opts.WatchTimeout)
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	var tick <-chan time.Time
	if o.AllowWatchBookmarks {
		t := time.NewTicker(h.opts.BookmarkInterval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-deadline.C:
			return nil
		case <-tick:
			wt.Bookmark()
		case frame := <-inject:
			if err := out.send(ctx, [][]byte{frame}); err != nil {
				return err
			}
		case <-wt.Ready():
			evs, err := wt.Take()
			if err != nil {
				return nil // overflow: end the stream, the client resumes from its last RV
			}
			if h.opts.Faults != nil {
				if err := h.opts.Faults.Hold(ctx); err != nil {
					return context.Cause(ctx)
				}
			}
			frames := make([][]byte, len(evs))
			for i, e := range evs {
				frames[i] = eventLine(e.Type, e.Object)
			}
			if err := out.send(ctx, frames); err != nil {
				return err
			}
		}
	}
}

// eventLine encodes {"type":T,"object":OBJ}\n.
func eventLine(t watch.EventType, obj []byte) []byte {
	b := make([]byte, 0, len(obj)+32)
	b = append(b, `{"type":"`...)
	b = append(b, t...)
	b = append(b, `","object":`...)
	b = append(b, obj...)
	return append(b, "}\n"...)
}

type httpSink struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

func (s *httpSink) send(_ context.Context, frames [][]byte) error {
	_ = s.rc.SetWriteDeadline(time.Now().Add(writeTimeout)) // unsupported writers just have no deadline
	for _, f := range frames {
		if _, err := s.w.Write(f); err != nil {
			return err
		}
	}
	return s.rc.Flush()
}

func (s *httpSink) end(how error) {
	if errors.Is(how, errDropped) {
		panic(http.ErrAbortHandler) // cut the connection without ending the chunked body
	}
}

type wsSink struct{ conn *websocket.Conn }

func (s *wsSink) send(ctx context.Context, frames [][]byte) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
	defer cancel()
	for _, f := range frames {
		if err := s.conn.Write(ctx, websocket.MessageText, f); err != nil {
			return err
		}
	}
	return nil
}

func (s *wsSink) end(how error) {
	switch {
	case errors.Is(how, errDropped), errors.Is(how, wsx.ErrPeerGone):
		_ = s.conn.CloseNow()
	case errors.Is(how, context.Canceled):
		_ = s.conn.Close(websocket.StatusGoingAway, "server shutting down")
	default:
		_ = s.conn.Close(websocket.StatusNormalClosure, "")
	}
}
