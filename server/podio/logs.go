package podio

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/kubelive/kubelive/server/wsx"
)

// logQuery is a parsed PodLogOptions. tail < 0 means all lines; a zero since
// means from the start; limit 0 means unlimited.
type logQuery struct {
	container  string
	follow     bool
	timestamps bool
	previous   bool
	tail       int64
	since      time.Time
	limit      int64
	chunking   Chunking
}

// queryBool converts a query parameter as the API server does: absent is
// false, "0" and "false" are false, anything else (even "") is true.
func queryBool(q url.Values, key string, def bool) bool {
	v, ok := q[key]
	if !ok || len(v) == 0 {
		return def
	}
	return v[0] != "0" && !strings.EqualFold(v[0], "false")
}

// queryInt returns the parameter and whether it was set to a non-empty value.
func queryInt(q url.Values, key string) (int64, bool, error) {
	s := q.Get(key)
	if s == "" {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("%s: %w", key, err)
	}
	return n, true, nil
}

// parseLogQuery reads PodLogOptions from q. A value that does not parse is a
// 400 BadRequest; one that parses but is invalid is a 422 Invalid, with the
// API server's messages.
func parseLogQuery(q url.Values, pod string, now time.Time, def Chunking) (logQuery, *apiStatus) {
	lq := logQuery{
		container:  q.Get("container"),
		follow:     queryBool(q, "follow", false),
		timestamps: queryBool(q, "timestamps", false),
		previous:   queryBool(q, "previous", false),
		tail:       -1,
		chunking:   def,
	}
	tail, hasTail, err := queryInt(q, "tailLines")
	if err != nil {
		return lq, badRequest(err.Error())
	}
	limit, hasLimit, err := queryInt(q, "limitBytes")
	if err != nil {
		return lq, badRequest(err.Error())
	}
	sinceSec, hasSinceSec, err := queryInt(q, "sinceSeconds")
	if err != nil {
		return lq, badRequest(err.Error())
	}
	hasSinceTime := q.Get("sinceTime") != ""
	if hasSinceTime {
		t, err := time.Parse(time.RFC3339, q.Get("sinceTime"))
		if err != nil {
			return lq, badRequest(fmt.Sprintf("sinceTime: %v", err))
		}
		lq.since = t
	}
	if c := q.Get("chunking"); c != "" {
		if lq.chunking, err = parseChunking(c); err != nil {
			return lq, badRequest(err.Error())
		}
	}
	var errs field.ErrorList
	if hasTail && tail < 0 {
		errs = append(errs, field.Invalid(field.NewPath("tailLines"), tail, "must be greater than or equal to 0"))
	}
	if hasLimit && limit < 1 {
		errs = append(errs, field.Invalid(field.NewPath("limitBytes"), limit, "must be greater than 0"))
	}
	switch {
	case hasSinceSec && hasSinceTime:
		errs = append(errs, field.Forbidden(field.NewPath(""), "at most one of `sinceTime` or `sinceSeconds` may be specified"))
	case hasSinceSec && sinceSec < 1:
		errs = append(errs, field.Invalid(field.NewPath("sinceSeconds"), sinceSec, "must be greater than 0"))
	case hasSinceSec:
		lq.since = now.Add(-time.Duration(sinceSec) * time.Second)
	}
	if len(errs) > 0 {
		s := apierrors.NewInvalid(schema.GroupKind{Kind: "PodLogOptions"}, pod, errs).ErrStatus
		return lq, &s
	}
	if hasTail {
		lq.tail = tail
	}
	if hasLimit {
		lq.limit = limit
	}
	return lq, nil
}

// serveLog answers GET .../log over plain HTTP or, on an upgrade, WebSocket.
func (h *Handler) serveLog(w http.ResponseWriter, r *http.Request, ns, pod string) {
	lq, st := parseLogQuery(r.URL.Query(), pod, h.opts.Clock.Now(), h.opts.Chunking)
	if st != nil {
		writeStatus(w, st)
		return
	}
	ref, st := h.resolve(ns, pod, lq.container)
	if st != nil {
		writeStatus(w, st)
		return
	}
	if lq.previous {
		prev, ok := h.previousLog(ref)
		if !ok {
			writeStatus(w, badRequest(fmt.Sprintf("previous terminated container %q in pod %q not found", ref.Container, pod)))
			return
		}
		ref = prev
	}
	ck := &chunker{mode: lq.chunking, rnd: rand.New(rand.NewPCG(h.opts.Seed, uint64(h.opts.Clock.Now().UnixNano())))}
	if isWebSocket(r) {
		h.serveLogWebSocket(w, r, ref, lq, ck)
		return
	}
	ctx, cancel := context.WithCancelCause(r.Context())
	defer cancel(nil)
	untrack := h.track(r.URL.Path, func() { cancel(errDropped) })
	defer untrack()
	flusher, _ := w.(http.Flusher)
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusOK)
	ck.sink = func(p []byte) error {
		if _, err := w.Write(p); err != nil {
			return fmt.Errorf("write log: %w", err)
		}
		if flusher != nil {
			flusher.Flush()
		}
		return nil
	}
	if flusher != nil {
		flusher.Flush()
	}
	_ = h.streamLog(ctx, ref, lq, ck)
	if errors.Is(context.Cause(ctx), errDropped) {
		// Abort the connection so the client sees a drop, not a clean end.
		panic(http.ErrAbortHandler)
	}
}

// errDropped is the cause of a stream cancelled by the Tracker.
var errDropped = errors.New("stream dropped by tracker")

// serveLogWebSocket streams logs as WebSocket frames: binary frames of raw
// bytes for binary.k8s.io (or no subprotocol), text frames of base64 for
// base64.binary.k8s.io. The socket closes normally when the log ends.
func (h *Handler) serveLogWebSocket(w http.ResponseWriter, r *http.Request, ref ContainerRef, lq logQuery, ck *chunker) {
	proto, ok := negotiate(offeredProtocols(r), func(p string) bool { return p == wsx.Binary || p == wsx.Base64Binary })
	if !ok {
		http.Error(w, fmt.Sprintf("requested protocol(s) are not supported: %v; supports [%s %s]",
			offeredProtocols(r), wsx.Binary, wsx.Base64Binary), http.StatusForbidden)
		return
	}
	conn, err := h.accept(w, r, proto)
	if err != nil {
		return
	}
	defer conn.CloseNow()
	ctx := conn.CloseRead(context.Background())
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	untrack := h.track(r.URL.Path, func() { _ = conn.CloseNow(); cancel() })
	defer untrack()
	ck.sink = func(p []byte) error {
		if proto == wsx.Base64Binary {
			return conn.Write(ctx, websocket.MessageText, []byte(base64.StdEncoding.EncodeToString(p)))
		}
		return conn.Write(ctx, websocket.MessageBinary, p)
	}
	if err := h.streamLog(ctx, ref, lq, ck); err != nil {
		return
	}
	_ = conn.Close(websocket.StatusNormalClosure, "")
}

// streamLog writes the selected lines of ref through ck and, with follow,
// keeps writing new lines until the output ends or ctx is done.
func (h *Handler) streamLog(ctx context.Context, ref ContainerRef, lq logQuery, ck *chunker) error {
	cur := h.logs.Cursor(ref)
	written := int64(0)
	first := true
	for {
		lines, wake, ended := cur.Next()
		batch := make([]string, 0, len(lines))
		for _, l := range lines {
			if !lq.since.IsZero() && l.Time.Before(lq.since) {
				continue
			}
			batch = append(batch, l.Format(lq.timestamps))
		}
		if first && lq.tail >= 0 && int64(len(batch)) > lq.tail {
			batch = batch[int64(len(batch))-lq.tail:]
		}
		first = false
		batch, done := limitBatch(batch, lq.limit, &written)
		if err := ck.write(batch); err != nil {
			return err
		}
		if done || ended || !lq.follow {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("follow %s: %w", ref, ctx.Err())
		case <-wake:
		}
	}
}

// limitBatch trims batch so no more than limit bytes are written in total
// (limit 0: no limit) and reports whether the limit is reached.
func limitBatch(batch []string, limit int64, written *int64) ([]string, bool) {
	if limit <= 0 {
		return batch, false
	}
	for i, s := range batch {
		left := limit - *written
		if int64(len(s)) >= left {
			*written = limit
			return append(batch[:i:i], s[:left]), true
		}
		*written += int64(len(s))
	}
	return batch, false
}

// previousLog returns where the log of ref's previous instance is kept, when
// the container restarted: an ended log (a follow stops at its end) of the
// last lines that instance wrote before it failed.
func (h *Handler) previousLog(ref ContainerRef) (ContainerRef, bool) {
	r, ok := h.opts.Pods.(Restarts)
	if !ok {
		return ref, false
	}
	n := r.Restarts(ref.Namespace, ref.Pod, ref.Container)
	if n <= 0 {
		return ref, false
	}
	prev := ContainerRef{Namespace: ref.Namespace, Pod: ref.Pod, Container: fmt.Sprintf("%s/previous-%d", ref.Container, n)}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.logs.Lines(prev)) == 0 {
		for _, line := range []string{
			fmt.Sprintf(`{"level":"info","msg":"starting","container":%q,"attempt":%d}`, ref.Container, n),
			`{"level":"info","msg":"loaded configuration","file":"/etc/config/config.yaml"}`,
			`{"level":"warn","msg":"upstream not ready, retrying","upstream":"10.96.0.10:5432","attempt":3}`,
			`{"level":"error","msg":"connect to upstream","error":"dial tcp 10.96.0.10:5432: connect: connection refused"}`,
			`{"level":"fatal","msg":"giving up: exit status 1"}`,
		} {
			h.logs.Append(prev, line)
		}
		h.logs.End(prev)
	}
	return prev, true
}
