// Package reflectortest provides a scriptable fake reflector.ListerWatcher
// and a recording Store. Every List and Watch call waits until the test
// answers it, so a test controls exactly what the server says and when.
package reflectortest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/reflector"
	"github.com/kubelive/kubelive/internal/wire"
)

// Deadline bounds every wait of this package (a hung test fails, not hangs).
const Deadline = 5 * time.Second

// LW is a fake ListerWatcher.
type LW struct {
	lists   chan *ListCall
	watches chan *WatchCall
}

// New returns an LW.
func New() *LW {
	return &LW{lists: make(chan *ListCall, 64), watches: make(chan *WatchCall, 64)}
}

type result struct {
	body  []byte
	watch *Watch
	err   error
}

// ListCall is one List call waiting for Reply or Fail.
type ListCall struct {
	Opts  reflector.ListOptions
	reply chan result
}

// Reply answers with body.
func (c *ListCall) Reply(body []byte) { c.reply <- result{body: body} }

// Fail answers with err.
func (c *ListCall) Fail(err error) { c.reply <- result{err: err} }

// WatchCall is one Watch call waiting for Accept or Fail.
type WatchCall struct {
	Opts  reflector.WatchOptions
	reply chan result
	ctx   context.Context
}

// Canceled is closed once the caller gave up the call (its context ended).
func (c *WatchCall) Canceled() <-chan struct{} { return c.ctx.Done() }

// Accept opens the watch and returns it for the test to drive.
func (c *WatchCall) Accept() *Watch {
	w := &Watch{wake: make(chan struct{}, 1), closed: make(chan struct{})}
	c.reply <- result{watch: w}
	return w
}

// Fail refuses the watch with err.
func (c *WatchCall) Fail(err error) { c.reply <- result{err: err} }

// List implements reflector.ListerWatcher.
func (l *LW) List(ctx context.Context, opts reflector.ListOptions) ([]byte, error) {
	c := &ListCall{Opts: opts, reply: make(chan result, 1)}
	l.lists <- c
	select {
	case r := <-c.reply:
		return r.body, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Watch implements reflector.ListerWatcher.
func (l *LW) Watch(ctx context.Context, opts reflector.WatchOptions) (reflector.Watch, error) {
	c := &WatchCall{Opts: opts, reply: make(chan result, 1), ctx: ctx}
	l.watches <- c
	select {
	case r := <-c.reply:
		if r.err != nil {
			return nil, r.err
		}
		return r.watch, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// NextList waits for the next List call.
func (l *LW) NextList(t testing.TB) *ListCall {
	t.Helper()
	select {
	case c := <-l.lists:
		return c
	case <-time.After(Deadline):
		t.Fatal("no List call")
		return nil
	}
}

// NextWatch waits for the next Watch call.
func (l *LW) NextWatch(t testing.TB) *WatchCall {
	t.Helper()
	select {
	case c := <-l.watches:
		return c
	case <-time.After(Deadline):
		t.Fatal("no Watch call")
		return nil
	}
}

// Pending returns the number of calls not yet taken.
func (l *LW) Pending() int { return len(l.lists) + len(l.watches) }

// PendingLists returns the number of List calls not yet taken. Unlike
// Pending, it ignores a Watch the Reflector may already have made.
func (l *LW) PendingLists() int { return len(l.lists) }

// Watch is a fake reflector.Watch.
type Watch struct {
	mu     sync.Mutex
	frames [][]byte
	lend   bool     // Next overwrites the frames it returned last (Lend)
	lent   [][]byte // the frames the last Next returned, when lending
	end    error
	wake   chan struct{}
	closed chan struct{}
	once   sync.Once
}

// Lend makes every later Next overwrite the frames the Next before it
// returned, as a Conn dialed with transport's Borrow reuses its buffer: a
// consumer that kept a frame past the next Next sees it garbled.
func (w *Watch) Lend() {
	w.mu.Lock()
	w.lend = true
	w.mu.Unlock()
}

// Drained waits until Next has taken every pushed frame.
func (w *Watch) Drained(t testing.TB) {
	t.Helper()
	require.Eventually(t, func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		return len(w.frames) == 0
	}, Deadline, time.Millisecond, "the pushed frames were never taken")
}

// Push makes raw frames arrive, as one batch.
func (w *Watch) Push(frames ...[]byte) {
	w.mu.Lock()
	w.frames = append(w.frames, frames...)
	w.mu.Unlock()
	w.signal()
}

// Add, Modify and Delete push one event for o.
func (w *Watch) Add(o Obj)    { w.Push(Event(wire.Added, o)) }
func (w *Watch) Modify(o Obj) { w.Push(Event(wire.Modified, o)) }
func (w *Watch) Delete(o Obj) { w.Push(Event(wire.Deleted, o)) }

// Bookmark pushes a BOOKMARK at rv.
func (w *Watch) Bookmark(rv string) { w.Push(BookmarkEvent(rv, false)) }

// Error pushes an ERROR event carrying a Status.
func (w *Watch) Error(code int, reason string) { w.Push(ErrorEvent(code, reason)) }

// End makes the server end the watch with err (after the queued frames).
func (w *Watch) End(err error) {
	w.mu.Lock()
	w.end = err
	w.mu.Unlock()
	w.signal()
}

func (w *Watch) signal() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Next implements reflector.Watch.
func (w *Watch) Next(ctx context.Context) ([][]byte, error) {
	w.mu.Lock()
	for _, f := range w.lent {
		for i := range f {
			f[i] = 'x'
		}
	}
	w.lent = nil
	w.mu.Unlock()
	for {
		w.mu.Lock()
		if len(w.frames) > 0 {
			f := w.frames
			w.frames = nil
			if w.lend {
				w.lent = f
			}
			w.mu.Unlock()
			return f, nil
		}
		if w.end != nil {
			err := w.end
			w.mu.Unlock()
			return nil, err
		}
		w.mu.Unlock()
		select {
		case <-w.wake:
		case <-w.closed:
			return nil, fmt.Errorf("reflectortest: watch closed by client")
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Close implements reflector.Watch.
func (w *Watch) Close() { w.once.Do(func() { close(w.closed) }) }

// WaitClosed fails the test unless the client closes the watch in time.
func (w *Watch) WaitClosed(t testing.TB) {
	t.Helper()
	select {
	case <-w.closed:
	case <-time.After(Deadline):
		t.Fatal("watch not closed")
	}
}

// Obj describes a test object.
type Obj struct {
	UID, Namespace, Name, RV string
	Data                     string // an extra field, to tell versions apart
}

// JSON returns the object as the API server would send it.
func (o Obj) JSON() string {
	ns := ""
	if o.Namespace != "" {
		ns = fmt.Sprintf(`"namespace":%q,`, o.Namespace)
	}
	return fmt.Sprintf(`{"kind":"Pod","apiVersion":"v1","metadata":{"name":%q,%s"uid":%q,"resourceVersion":%q},"data":%q}`,
		o.Name, ns, o.UID, o.RV, o.Data)
}

// Event returns a watch event frame.
func Event(typ string, o Obj) []byte {
	return []byte(`{"type":"` + typ + `","object":` + o.JSON() + "}\n")
}

// BookmarkEvent returns a BOOKMARK frame, marking the end of the initial
// events when initialEnd is set.
func BookmarkEvent(rv string, initialEnd bool) []byte {
	ann := ""
	if initialEnd {
		ann = `,"annotations":{"k8s.io/initial-events-end":"true"}`
	}
	return []byte(`{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"` + rv + `"` + ann + `}}}`)
}

// StatusJSON returns a Status body.
func StatusJSON(code int, reason string) string {
	return fmt.Sprintf(`{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"%s (test)","reason":%q,"code":%d}`,
		strings.ToLower(reason), reason, code)
}

// ErrorEvent returns an ERROR frame carrying a Status.
func ErrorEvent(code int, reason string) []byte {
	return []byte(`{"type":"ERROR","object":` + StatusJSON(code, reason) + "}\n")
}

// ListBody returns a LIST body at rv holding objs.
func ListBody(rv string, objs ...Obj) []byte {
	parts := make([]string, len(objs))
	for i, o := range objs {
		parts[i] = o.JSON()
	}
	return []byte(`{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"` + rv + `"},"items":[` + strings.Join(parts, ",") + "]}")
}

// PageBody is a LIST page at rv whose metadata carries the continue token
// cont: more pages follow.
func PageBody(rv, cont string, objs ...Obj) []byte {
	parts := make([]string, len(objs))
	for i, o := range objs {
		parts[i] = o.JSON()
	}
	return []byte(`{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"` + rv + `","continue":"` + cont + `"},"items":[` + strings.Join(parts, ",") + "]}")
}

// APIError returns the error a ListerWatcher reports for an HTTP status.
func APIError(code int, reason string) error {
	return &reflector.APIError{Code: code, Status: &wire.Status{Code: code, Reason: reason}}
}

// Closed is closed when the client closes the watch.
func (w *Watch) Closed() <-chan struct{} { return w.closed }
