package embedded

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubelive/kubelive/server/wsx"
)

// Faults is where the handler registers its watch streams and asks for injected faults;
// *faults.Injector implements it.
type Faults interface {
	// TrackWatch registers a watch; cancel drops it, inject writes one raw frame to it.
	TrackWatch(path, kind string, cancel func(), inject func(frame []byte)) (untrack func())
	// Hold blocks while delivery is paused.
	Hold(ctx context.Context) error
	// TakeExpire reports (once per arming) whether the next resume must get 410.
	TakeExpire() bool
	// Refusing reports whether a watch starting now is refused (503).
	Refusing() bool
}

// HandlerOptions configures a Handler. Zero values select the defaults.
type HandlerOptions struct {
	// PodSubresources serves pods/{name}/log, exec and attach (request unchanged); nil: 404.
	PodSubresources http.Handler
	// Faults receives the watch streams; nil: no tracking, no faults.
	Faults Faults
	// WebSocket limits for watch sockets.
	WebSocket wsx.Options
	// BookmarkInterval between BOOKMARKs of a watch with allowWatchBookmarks (default 60 s).
	BookmarkInterval time.Duration
	// WatchTimeout is the minimum server-side watch timeout; each watch without timeoutSeconds
	// ends after a random duration in [WatchTimeout, 2*WatchTimeout) (default 30 min).
	WatchTimeout time.Duration
	// Logger for request errors (default slog.Default()).
	Logger *slog.Logger
}

// Handler serves the Kubernetes REST API of a Store: discovery, /version, LIST, GET, WATCH
// (HTTP and WebSocket), POST, PUT, PATCH, DELETE.
type Handler struct {
	store *Store
	opts  HandlerOptions
}

// maxBody is the largest request body accepted, like the API server's 3 MiB.
const maxBody = 3 << 20

// NewHandler returns a Handler serving s.
func NewHandler(s *Store, o HandlerOptions) *Handler {
	if o.BookmarkInterval <= 0 {
		o.BookmarkInterval = time.Minute
	}
	if o.WatchTimeout <= 0 {
		o.WatchTimeout = 30 * time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Handler{store: s, opts: o}
}

// request is a parsed resource path.
type request struct {
	res           *Resource
	ns, name, sub string
	watch         bool // legacy /watch/ path prefix
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := strings.Trim(r.URL.Path, "/")
	segs := strings.Split(p, "/")
	switch {
	case p == "version":
		writeJSON(w, http.StatusOK, versionInfo())
	case p == "healthz" || p == "readyz" || p == "livez":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok")
	case p == "api" || p == "apis":
		writeJSON(w, http.StatusOK, h.discoveryRoot(p, r))
	case len(segs) >= 2 && segs[0] == "api" && segs[1] == "v1":
		h.serveGroup(w, r, "", segs[2:])
	case len(segs) == 2 && segs[0] == "apis":
		g, ok := h.group(segs[1])
		if !ok {
			writeError(w, notFound())
			return
		}
		g.Kind, g.APIVersion = "APIGroup", "v1"
		writeJSON(w, http.StatusOK, g)
	case len(segs) >= 3 && segs[0] == "apis":
		if g, ok := h.group(segs[1]); ok && g.PreferredVersion.Version == segs[2] {
			h.serveGroup(w, r, segs[1], segs[3:])
			return
		}
		writeError(w, notFound())
	default:
		writeError(w, notFound())
	}
}

func notFound() error {
	return &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: http.StatusNotFound,
		Reason: metav1.StatusReasonNotFound, Message: "the server could not find the requested resource", Details: &metav1.StatusDetails{}}}
}

func (h *Handler) serveGroup(w http.ResponseWriter, r *http.Request, group string, rest []string) {
	if len(rest) == 0 {
		writeJSON(w, http.StatusOK, h.resourceList(group))
		return
	}
	req, ok := h.parse(group, rest)
	if !ok {
		writeError(w, notFound())
		return
	}
	switch req.sub {
	case "":
	case "scale":
		if err := h.serveScale(w, r, req); err != nil {
			writeError(w, err)
		}
		return
	case "status":
	case "log", "exec", "attach":
		if req.res.Plural == Pods && h.opts.PodSubresources != nil {
			h.opts.PodSubresources.ServeHTTP(w, r)
			return
		}
		writeError(w, notFound())
		return
	default:
		writeError(w, notFound())
		return
	}
	var err error
	switch {
	case r.Method == http.MethodGet && (req.name == "" || req.watch || isTrue(r.URL.Query().Get("watch"))):
		err = h.serveListOrWatch(w, r, req)
	case r.Method == http.MethodGet:
		err = h.reply(w, http.StatusOK)(h.store.Get(req.res.Plural, req.ns, req.name))
	case r.Method == http.MethodPost && req.name == "" && req.sub == "":
		err = h.create(w, r, req)
	case r.Method == http.MethodPut && req.name != "":
		err = h.update(w, r, req)
	case r.Method == http.MethodPatch && req.name != "":
		err = h.patch(w, r, req)
	case r.Method == http.MethodDelete && req.name != "" && req.sub == "":
		err = h.delete(w, r, req)
	default:
		err = apierrors.NewMethodNotSupported(req.res.GroupResource(), r.Method)
	}
	if err != nil {
		writeError(w, err)
	}
}

// parse splits [watch/][namespaces/{ns}/]{resource}[/{name}[/{sub}]].
func (h *Handler) parse(group string, rest []string) (request, bool) {
	var req request
	if rest[0] == "watch" {
		req.watch, rest = true, rest[1:]
	}
	if len(rest) >= 3 && rest[0] == Namespaces {
		if r := h.store.Resource(rest[2]); r != nil && r.Namespaced {
			req.ns, rest = rest[1], rest[2:]
		}
	}
	if len(rest) == 0 || len(rest) > 3 {
		return req, false
	}
	req.res = h.store.Resource(rest[0])
	if req.res == nil || req.res.Group != group {
		return req, false
	}
	if len(rest) > 1 {
		req.name = rest[1]
	}
	if len(rest) > 2 {
		req.sub = rest[2]
	}
	if req.res.Namespaced && req.ns == "" && req.name != "" {
		return req, false
	}
	return req, true
}

func (h *Handler) serveListOrWatch(w http.ResponseWriter, r *http.Request, req request) error {
	o, err := ParseListOptions(req.res, req.ns, r.URL.Query())
	if err != nil {
		return err
	}
	if req.name != "" {
		o.Fields = fields.AndSelectors(o.Fields, fields.OneTermEqualSelector("metadata.name", req.name))
	}
	if o.Watch || req.watch {
		o.Watch = true
		h.serveWatch(w, r, req.res, o)
		return nil
	}
	l, err := h.store.List(req.res.Plural, o)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(l.AppendJSON(nil)) // a write error means the client is gone
	return nil
}

// AppendJSON appends the list as the API server encodes it: {kind: PodList, apiVersion,
// metadata: {resourceVersion, continue?, remainingItemCount?}, items}.
func (l *List) AppendJSON(b []byte) []byte {
	meta, _ := json.Marshal(metav1.ListMeta{ResourceVersion: l.ResourceVersion, Continue: l.Continue, RemainingItemCount: l.Remaining})
	b = fmt.Appendf(b, `{"kind":"%sList","apiVersion":%q,"metadata":%s,"items":[`, l.Resource.Kind, l.Resource.GroupVersion(), meta)
	for i, it := range l.Items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, it.JSON...)
	}
	return append(b, "]}\n"...)
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request, req request) error {
	obj, err := decodeBody(r, req.res)
	if err != nil {
		return err
	}
	return h.reply(w, http.StatusCreated)(h.store.Create(req.res.Plural, req.ns, obj))
}

func (h *Handler) update(w http.ResponseWriter, r *http.Request, req request) error {
	obj, err := decodeBody(r, req.res)
	if err != nil {
		return err
	}
	return h.reply(w, http.StatusOK)(h.store.Update(req.res.Plural, req.ns, req.name, obj))
}

func (h *Handler) patch(w http.ResponseWriter, r *http.Request, req request) error {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("read body: %v", err))
	}
	return h.reply(w, http.StatusOK)(h.store.Patch(req.res.Plural, req.ns, req.name, types.PatchType(ct), body))
}

func (h *Handler) delete(w http.ResponseWriter, r *http.Request, req request) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("read body: %v", err))
	}
	var opts metav1.DeleteOptions
	if len(strings.TrimSpace(string(body))) > 0 {
		if err := json.Unmarshal(body, &opts); err != nil {
			return apierrors.NewBadRequest(fmt.Sprintf("decode DeleteOptions: %v", err))
		}
	}
	return h.reply(w, http.StatusOK)(h.store.Delete(req.res.Plural, req.ns, req.name, opts.Preconditions))
}

// reply returns a function writing a store result with the given success code.
func (h *Handler) reply(w http.ResponseWriter, code int) func(*Stored, error) error {
	return func(st *Stored, err error) error {
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = w.Write(st.JSON) // a write error means the client is gone
		return nil
	}
}

// decodeBody reads a JSON object of type r, checking kind and apiVersion when present.
func decodeBody(req *http.Request, r *Resource) (Object, error) {
	if ct, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type")); ct != "" && ct != "application/json" {
		return nil, unsupportedMedia(types.PatchType(ct))
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, req.Body, maxBody))
	if err != nil {
		return nil, apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("read body: %v", err))
	}
	obj := r.New()
	if err := json.Unmarshal(body, obj); err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the object provided is unrecognized (must be of type %s): %v", r.Kind, err))
	}
	gvk := obj.GetObjectKind().GroupVersionKind()
	if gvk.Kind != "" && gvk.Kind != r.Kind {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the object provided is unrecognized (must be of type %s): kind %s", r.Kind, gvk.Kind))
	}
	if v := gvk.GroupVersion().String(); v != "" && gvk.Version != "" && v != r.GroupVersion() {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the API version in the data (%s) does not match the expected API version (%s)", v, r.GroupVersion()))
	}
	return obj, nil
}

// StatusOf returns err as a Status object with kind and apiVersion set (500 for non-API errors).
func StatusOf(err error) metav1.Status {
	var se apierrors.APIStatus
	var st metav1.Status
	if errors.As(err, &se) {
		st = se.Status()
	} else {
		st = apierrors.NewInternalError(err).ErrStatus
	}
	st.Kind, st.APIVersion = "Status", "v1"
	return st
}

func writeError(w http.ResponseWriter, err error) {
	st := StatusOf(err)
	writeJSON(w, int(st.Code), st)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	raw, err := json.Marshal(v)
	if err != nil {
		code, raw = http.StatusInternalServerError, []byte(strconv.Quote(err.Error()))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(append(raw, '\n')) // a write error means the client is gone
}
