// Package podio serves the streaming subresources of pods the way a real API
// server and kubelet do: logs (plain HTTP and WebSocket with the
// binary.k8s.io / base64.binary.k8s.io subprotocols) and exec / attach over
// WebSocket with the channel protocols (channel.k8s.io, base64.channel.k8s.io,
// v4.channel.k8s.io, v4.base64.channel.k8s.io, v5.channel.k8s.io) into each
// container's /bin/sh: a POSIX shell interpreter (mvdan.cc/sh/v3) over a fake
// filesystem and built-in programs, which never reaches the host.
//
// The package owns no pods: it asks a Pods implementation which containers
// exist, and keeps their output in a LogBook.
package podio

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/coder/websocket"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/kubelive/kubelive/internal/clock"
)

// ErrPodNotFound and ErrContainerNotFound are returned (wrapped) by a Pods
// implementation to say which part of a ContainerRef is unknown. A missing
// container is a 400 as on the API server ("container x is not valid for pod
// y"); an error carrying an API Status (k8s.io/apimachinery/pkg/api/errors)
// is answered with that Status; any other error is a 404 for the pod.
var (
	ErrPodNotFound       = errors.New("pod not found")
	ErrContainerNotFound = errors.New("container not found")
)

// ContainerRef names one container of one pod.
type ContainerRef struct{ Namespace, Pod, Container string }

// String returns "namespace/pod/container".
func (r ContainerRef) String() string { return r.Namespace + "/" + r.Pod + "/" + r.Container }

// Pods is the view of the cluster podio needs.
type Pods interface {
	// Container resolves the container of a pod: "" means the pod's first
	// container; an error if the pod or container does not exist.
	Container(namespace, pod, container string) (string, error)
	// Running lists every container of every Running pod.
	Running() []ContainerRef
}

// Restarts is implemented by a Pods whose containers restart: the previous
// instance of a container that restarted has a log (previous=true).
type Restarts interface {
	// Restarts returns how many times the container restarted (0 if unknown).
	Restarts(namespace, pod, container string) int
}

// PodsFunc adapts functions to Pods and Restarts.
type PodsFunc struct {
	ContainerFunc func(namespace, pod, container string) (string, error)
	RunningFunc   func() []ContainerRef
	// RestartsFunc, when set, answers Restarts; 0 otherwise.
	RestartsFunc func(namespace, pod, container string) int
}

// Restarts calls RestartsFunc, or returns 0 when it is unset.
func (f PodsFunc) Restarts(namespace, pod, container string) int {
	if f.RestartsFunc == nil {
		return 0
	}
	return f.RestartsFunc(namespace, pod, container)
}

// Container calls ContainerFunc.
func (f PodsFunc) Container(namespace, pod, container string) (string, error) {
	return f.ContainerFunc(namespace, pod, container)
}

// Running calls RunningFunc, or returns nil when it is unset.
func (f PodsFunc) Running() []ContainerRef {
	if f.RunningFunc == nil {
		return nil
	}
	return f.RunningFunc()
}

// Tracker registers live streams so fault injection can drop them. Track is
// called once per served stream; cancel ends that stream abruptly (the socket
// is closed without a close frame, as if the network dropped it); the
// returned untrack is called exactly once when the stream ends by itself.
type Tracker interface {
	Track(path string, cancel func()) (untrack func())
}

// Options configures a Handler. The zero value of every field but Pods is usable.
type Options struct {
	Pods Pods
	// Logs holds container output; a fresh LogBook on the real clock when nil.
	Logs *LogBook
	// Tracker, when set, sees every log, exec and attach stream.
	Tracker Tracker
	// Clock is used for sinceSeconds and log timestamps; the real clock when nil.
	Clock clock.Clock
	// Chunking is how log bytes are cut into WebSocket frames (and HTTP
	// flushes) unless a request overrides it with the non-standard query
	// parameter "chunking": ChunkStream (default), ChunkLines or ChunkSplit.
	Chunking Chunking
	// Seed makes ChunkSplit's cuts reproducible.
	Seed uint64
	// AcceptOptions are passed to websocket.Accept (origin checks); the
	// subprotocol list is always chosen by podio.
	AcceptOptions websocket.AcceptOptions
	// Env is the environment of every container's shell, beside HOSTNAME.
	Env []string
}

// Handler serves /api/v1/namespaces/{ns}/pods/{name}/{log|exec|attach}.
// It is safe for concurrent use.
type Handler struct {
	opts Options
	logs *LogBook

	mu sync.Mutex
	// attached holds one interactive shell per container for attach; an
	// entry is removed when its shell exits. Guarded by mu.
	attached map[ContainerRef]*attachSession
	// streams counts the open exec and attach streams per "namespace/pod". Guarded by mu.
	streams map[string]int
}

// InUse reports whether a client has an exec or attach stream open to the
// pod. It is the embedded cluster's embedded.PodsInUse: churn never deletes
// a pod under an open terminal.
func (h *Handler) InUse(namespace, pod string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.streams[namespace+"/"+pod] > 0
}

// using counts one open stream to a pod until the returned function is called.
func (h *Handler) using(namespace, pod string) (done func()) {
	k := namespace + "/" + pod
	h.mu.Lock()
	h.streams[k]++
	h.mu.Unlock()
	return func() {
		h.mu.Lock()
		if h.streams[k]--; h.streams[k] <= 0 {
			delete(h.streams, k)
		}
		h.mu.Unlock()
	}
}

// NewHandler returns a Handler for opts. opts.Pods must be set.
func NewHandler(opts Options) *Handler {
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.Logs == nil {
		opts.Logs = NewLogBook(opts.Clock, 0)
	}
	return &Handler{opts: opts, logs: opts.Logs, attached: map[ContainerRef]*attachSession{}, streams: map[string]int{}}
}

// Logs returns the LogBook the handler serves from.
func (h *Handler) Logs() *LogBook { return h.logs }

// ServeHTTP routes by the last path segment. Paths are as the API server
// sees them, e.g. /api/v1/namespaces/default/pods/web-1/log.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ns, pod, sub, ok := splitPodPath(r.URL.Path)
	if !ok {
		writeStatus(w, notFound("", r.URL.Path))
		return
	}
	switch sub {
	case "log":
		if r.Method != http.MethodGet {
			writeStatus(w, methodNotAllowed(r.Method))
			return
		}
		h.serveLog(w, r, ns, pod)
	case "exec", "attach":
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			writeStatus(w, methodNotAllowed(r.Method))
			return
		}
		h.serveStream(w, r, ns, pod, sub == "attach")
	default:
		writeStatus(w, notFound("pods/"+sub, pod))
	}
}

// splitPodPath parses /api/v1/namespaces/{ns}/pods/{name}/{sub}.
func splitPodPath(p string) (ns, pod, sub string, ok bool) {
	parts := strings.Split(strings.Trim(p, "/"), "/")
	if len(parts) != 7 || parts[0] != "api" || parts[1] != "v1" || parts[2] != "namespaces" || parts[4] != "pods" {
		return "", "", "", false
	}
	if parts[3] == "" || parts[5] == "" {
		return "", "", "", false
	}
	return parts[3], parts[5], parts[6], true
}

// resolve returns the container a request names, or the Status to answer.
func (h *Handler) resolve(ns, pod, container string) (ContainerRef, *apiStatus) {
	c, err := h.opts.Pods.Container(ns, pod, container)
	switch {
	case err == nil:
		return ContainerRef{Namespace: ns, Pod: pod, Container: c}, nil
	case errors.Is(err, ErrContainerNotFound):
		// The API server answers 400 for a container that is not in the pod.
		return ContainerRef{}, badRequest(fmt.Sprintf("container %s is not valid for pod %s", container, pod))
	}
	var as apierrors.APIStatus
	if errors.As(err, &as) && as.Status().Code != 0 {
		st := as.Status()
		return ContainerRef{}, &st
	}
	return ContainerRef{}, notFound("pods", pod)
}

// track registers a stream with the Tracker, if any, and returns its untrack.
func (h *Handler) track(path string, cancel func()) func() {
	if h.opts.Tracker == nil {
		return func() {}
	}
	return h.opts.Tracker.Track(path, cancel)
}
