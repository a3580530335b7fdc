// Package faults tracks the long-lived sockets and streams of the server and injects faults
// into them for tests: drop, pause, malformed frame, forced 410 on the next resume, new
// watches refused for a while.
package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Kinds of tracked streams.
const (
	KindWebSocket = "websocket" // a watch over WebSocket
	KindHTTP      = "http"      // a chunked HTTP watch
	KindStream    = "stream"    // anything registered with Track (logs, exec, attach, ...)
)

type stream struct {
	path, kind string
	cancel     func()
	inject     func([]byte) // nil for Track
}

// Injector tracks streams and holds the fault state. The zero value is not usable; use New.
type Injector struct {
	mu      sync.Mutex
	next    uint64
	streams map[uint64]*stream
	paused  chan struct{} // non-nil while paused; closed on resume
	pauseID uint64        // identifies the timer allowed to end the current pause
	expire  int           // number of watch resumes still to fail with 410
	refuse  time.Time     // new watches are refused until then
}

// New returns an Injector with nothing tracked and no fault armed.
func New() *Injector { return &Injector{streams: map[uint64]*stream{}} }

// Track registers a stream (log, exec, attach, ...) so that Drop reaches it: cancel must end
// it. The returned untrack must be called when the stream ends; it is idempotent.
func (i *Injector) Track(path string, cancel func()) (untrack func()) {
	return i.TrackWatch(path, KindStream, cancel, nil)
}

// TrackWatch registers a watch stream of the given kind. inject, when set, writes one raw
// frame to the stream without blocking (used by Malformed).
func (i *Injector) TrackWatch(path, kind string, cancel func(), inject func(frame []byte)) (untrack func()) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.next++
	id := i.next
	i.streams[id] = &stream{path: path, kind: kind, cancel: cancel, inject: inject}
	return func() {
		i.mu.Lock()
		delete(i.streams, id)
		i.mu.Unlock()
	}
}

func (i *Injector) matching(sub string) []*stream {
	i.mu.Lock()
	defer i.mu.Unlock()
	var out []*stream
	for _, s := range i.streams {
		if strings.Contains(s.path, sub) {
			out = append(out, s)
		}
	}
	return out
}

// Drop cancels every tracked stream whose path contains sub ("" matches all) and returns how
// many it cancelled.
func (i *Injector) Drop(sub string) int {
	ss := i.matching(sub)
	for _, s := range ss {
		s.cancel()
	}
	return len(ss)
}

// Malformed sends the frame `{not json` to every watch whose path contains sub.
func (i *Injector) Malformed(sub string) int {
	return i.Inject(sub, []byte("{not json"))
}

// Inject sends one raw frame (a newline is added) to every watch whose path
// contains sub and returns how many got it: bad input of any shape, for tests.
func (i *Injector) Inject(sub string, frame []byte) int {
	if len(frame) == 0 || frame[len(frame)-1] != '\n' {
		frame = append(append([]byte(nil), frame...), '\n')
	}
	n := 0
	for _, s := range i.matching(sub) {
		if s.inject != nil {
			s.inject(frame)
			n++
		}
	}
	return n
}

// MaxOversize caps Oversize's frames.
const MaxOversize = 256 << 20

// Oversize sends to every watch whose path contains sub a well-formed MODIFIED
// event of size bytes (an object whose annotation pads it), to test the
// clients' frame caps, and returns how many got it.
func (i *Injector) Oversize(sub string, size int) int {
	head := []byte(`{"type":"MODIFIED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"oversize","namespace":"oversize","uid":"oversize","resourceVersion":"1","annotations":{"pad":"`)
	tail := []byte(`"}}}}`)
	n := max(size-len(head)-len(tail)-1, 0)
	frame := make([]byte, 0, len(head)+n+len(tail)+1)
	frame = append(frame, head...)
	frame = append(frame, bytes.Repeat([]byte{'x'}, n)...)
	frame = append(append(frame, tail...), '\n')
	return i.Inject(sub, frame)
}

// Pause holds the delivery of watch events (see Hold) for d; a pause during a pause extends it.
func (i *Injector) Pause(d time.Duration) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.paused == nil {
		i.paused = make(chan struct{})
	}
	i.pauseID++
	id := i.pauseID
	time.AfterFunc(d, func() {
		i.mu.Lock()
		defer i.mu.Unlock()
		if i.pauseID == id && i.paused != nil {
			close(i.paused)
			i.paused = nil
		}
	})
}

// Refuse makes every watch that starts within d fail (Refusing); a refusal during a refusal
// extends it. What is open is not touched: Drop cuts it.
func (i *Injector) Refuse(d time.Duration) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if until := time.Now().Add(d); until.After(i.refuse) {
		i.refuse = until
	}
}

// Refusing reports whether a watch starting now is to be refused.
func (i *Injector) Refusing() bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	return time.Now().Before(i.refuse)
}

// Hold blocks while delivery is paused. It returns ctx's error if ctx ends first.
func (i *Injector) Hold(ctx context.Context) error {
	i.mu.Lock()
	ch := i.paused
	i.mu.Unlock()
	if ch == nil {
		return nil
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ExpireNext arms one forced 410: the next watch that resumes from a non-zero resourceVersion
// gets the Expired ERROR event. Calls accumulate.
func (i *Injector) ExpireNext() {
	i.mu.Lock()
	i.expire++
	i.mu.Unlock()
}

// TakeExpire consumes one armed forced 410, reporting whether there was one.
func (i *Injector) TakeExpire() bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.expire == 0 {
		return false
	}
	i.expire--
	return true
}

// State is the JSON of GET /admin/state.
type State struct {
	Open       map[string]int `json:"open"` // by kind
	Total      int            `json:"total"`
	Paused     bool           `json:"paused"`
	ExpireNext int            `json:"expireNext"`
	Refusing   bool           `json:"refusing"`
}

// State counts the tracked streams by kind.
func (i *Injector) State() State {
	i.mu.Lock()
	defer i.mu.Unlock()
	st := State{Open: map[string]int{KindWebSocket: 0, KindHTTP: 0, KindStream: 0}, Total: len(i.streams),
		Paused: i.paused != nil, ExpireNext: i.expire, Refusing: time.Now().Before(i.refuse)}
	for _, s := range i.streams {
		st.Open[s.kind]++
	}
	return st
}

// Handler serves the admin endpoint under /admin/: POST drop?path=, pause?ms=, refuse?ms=,
// malformed?path=, inject?path= (the body is the frame), oversize?path=&bytes=, expire-next
// and GET state.
func (i *Injector) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /admin/drop", func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusOK, map[string]int{"dropped": i.Drop(r.URL.Query().Get("path"))})
	})
	mux.HandleFunc("POST /admin/malformed", func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusOK, map[string]int{"sent": i.Malformed(r.URL.Query().Get("path"))})
	})
	mux.HandleFunc("POST /admin/inject", func(w http.ResponseWriter, r *http.Request) {
		frame, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil || len(frame) == 0 {
			reply(w, http.StatusBadRequest, map[string]string{"error": "the body is the frame to inject"})
			return
		}
		reply(w, http.StatusOK, map[string]int{"sent": i.Inject(r.URL.Query().Get("path"), frame)})
	})
	mux.HandleFunc("POST /admin/oversize", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.URL.Query().Get("bytes"))
		if err != nil || n <= 0 || n > MaxOversize {
			reply(w, http.StatusBadRequest, map[string]string{"error": "bytes must be an integer in [1, 268435456]"})
			return
		}
		reply(w, http.StatusOK, map[string]int{"sent": i.Oversize(r.URL.Query().Get("path"), n)})
	})
	mux.HandleFunc("POST /admin/pause", forMs(i.Pause, "pausedMs"))
	mux.HandleFunc("POST /admin/refuse", forMs(i.Refuse, "refusingMs"))
	mux.HandleFunc("POST /admin/expire-next", func(w http.ResponseWriter, _ *http.Request) {
		i.ExpireNext()
		reply(w, http.StatusOK, map[string]int{"expireNext": i.State().ExpireNext})
	})
	mux.HandleFunc("GET /admin/state", func(w http.ResponseWriter, _ *http.Request) {
		reply(w, http.StatusOK, i.State())
	})
	return mux
}

// forMs serves a fault armed for ?ms= milliseconds (a positive integer), answering {name: ms}.
func forMs(arm func(time.Duration), name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ms, err := strconv.Atoi(r.URL.Query().Get("ms"))
		if err != nil || ms <= 0 {
			reply(w, http.StatusBadRequest, map[string]string{"error": "ms must be a positive integer"})
			return
		}
		arm(time.Duration(ms) * time.Millisecond)
		reply(w, http.StatusOK, map[string]int{name: ms})
	}
}

func reply(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v) // the client may be gone; nothing to do then
}
