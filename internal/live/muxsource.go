package live

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kubelive/kubelive/internal/cache"
	"github.com/kubelive/kubelive/internal/clock"
	"github.com/kubelive/kubelive/internal/kubeurl"
	"github.com/kubelive/kubelive/internal/mux"
	"github.com/kubelive/kubelive/internal/muxwire"
	"github.com/kubelive/kubelive/internal/reflector"
	"github.com/kubelive/kubelive/internal/transport"
)

// ConfirmTimeout bounds the wait for the server to confirm a multiplexed
// watch (STATUS connected or its first event) once the socket is open.
const ConfirmTimeout = 10 * time.Second

// ErrNotConfirmed ends a multiplexed watch the server never confirmed.
var ErrNotConfirmed = errors.New("the multiplexer did not confirm the watch")

// MuxSource serves the cache's lists with LIST over the Fetcher and every
// WATCH as a subscription of one multiplexed socket (a mux.Client), or, once
// the Mode gave up on the multiplexer, as a per-URL socket of its Source.
type MuxSource struct {
	src    *Source
	client *mux.Client
	clock  clock.Clock
	mode   *Mode
}

// NewMuxSource returns the MuxSource over client that falls back to src's
// per-URL sockets as mode decides (a nil mode never falls back).
func NewMuxSource(src *Source, client *mux.Client, clk clock.Clock, mode *Mode) *MuxSource {
	if clk == nil {
		clk = clock.Real{}
	}
	return &MuxSource{src: src, client: client, clock: clk, mode: mode}
}

// ListerWatcher implements cache.Source.
func (s *MuxSource) ListerWatcher(t cache.Target) reflector.ListerWatcher {
	return &muxListerWatcher{listerWatcher: s.src.listerWatcher(t), client: s.client, clock: s.clock, mode: s.mode}
}

type muxListerWatcher struct {
	*listerWatcher
	client *mux.Client
	clock  clock.Clock
	mode   *Mode
}

// Mode is the multiplexer choice of the lists. In 'auto' the multiplexer
// serves until it proves it cannot: before any watch was confirmed over it,
// a watch refused for authentication (Headlamp's multiplexer authenticates
// only with its cookie or a client certificate, never the token) or one
// not confirmed within ConfirmTimeout. From then on every list watch uses a
// per-URL socket, for good; why is kept for stats. Other multiplexed
// subscriptions (kl.mux.subscribe) follow the same choice. Its methods
// accept a nil receiver: no choice to make, the multiplexer always serves.
// Safe for concurrent use.
type Mode struct {
	auto   bool
	served atomic.Bool // a watch was confirmed over the multiplexer

	mu       sync.Mutex
	fallback string // why the lists left the multiplexer; "" while on it
}

// NewMode returns the choice of a client: auto is the 'auto' setting (the
// only one that ever falls back).
func NewMode(auto bool) *Mode { return &Mode{auto: auto} }

// PerURL reports whether the lists left the multiplexer, and why.
func (m *Mode) PerURL() (bool, string) {
	if m == nil {
		return false, ""
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.fallback != "", m.fallback
}

// Confirmed records a watch the multiplexer served: from now on 'auto'
// keeps it whatever fails.
func (m *Mode) Confirmed() {
	if m != nil && !m.served.Load() {
		m.served.Store(true)
	}
}

// Failed records a watch that the multiplexer could not serve and reports
// whether the lists now use per-URL sockets.
func (m *Mode) Failed(err error) bool {
	if m == nil {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fallback != "" {
		return true
	}
	if !m.auto || m.served.Load() || !(refused(err) || errors.Is(err, ErrNotConfirmed)) {
		return false
	}
	m.fallback = "auto: the multiplexer could not serve a watch (" + err.Error() + ")"
	return true
}

// refused tells an upstream authentication refusal, as Headlamp's and
// kubelive's servers word it.
func refused(err error) bool {
	msg := strings.ToLower(err.Error())
	for _, s := range []string{"bad handshake", "401", "403", "unauthorized", "forbidden"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// Watch watches over the multiplexer, or over a per-URL socket once the
// mode fell back (the failure that made it fall back is retried at once).
func (l *muxListerWatcher) Watch(ctx context.Context, o reflector.WatchOptions) (reflector.Watch, error) {
	if per, _ := l.mode.PerURL(); per {
		return l.listerWatcher.Watch(ctx, o)
	}
	w, err := l.muxWatch(ctx, o)
	if err != nil && l.mode.Failed(err) {
		return l.listerWatcher.Watch(ctx, o)
	}
	return w, err
}

// muxWatch subscribes to the watch on the multiplexer and returns once the
// socket is open and the server confirmed the watch (until then the list
// stays "reconnecting", as it would while a per-URL socket dials; a watch
// not confirmed within ConfirmTimeout fails with ErrNotConfirmed). A watch
// that delivered frames is returned even if it already ended, so that no
// event is lost (a resume from an expired resourceVersion gets its 410 as an
// ERROR event just before STATUS closed). The socket's own reconnects end the watch
// (the Reflector then resumes from its last resourceVersion with a new
// subscription), so a resume never relies on a query that the multiplexer
// replays from memory. Such an end is marked reflector.ErrTransportReconnects:
// the Reflector resubscribes at once and the subscription waits for the
// socket, whose backoff is the only one.
func (l *muxListerWatcher) muxWatch(ctx context.Context, o reflector.WatchOptions) (reflector.Watch, error) {
	full := kubeurl.Watch(l.res, l.t.Namespace, o, l.extra)
	path, query, _ := strings.Cut(full, "?")
	key, err := muxwire.NewKey(l.t.Cluster, "/"+path, query)
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", full, err)
	}
	w := &muxWatch{client: l.client, wake: make(chan struct{}, 1)}
	id, err := l.client.Subscribe(key, mux.Listener{
		OnData: func(f transport.Frame) error {
			w.push(f.Data) // copied: the frame's memory is the client's
			return nil
		},
		OnError: func(err error) {
			// A failure of the socket comes as a status too, which decides
			// (the watch waits for the redial); only the server's ERRORs and
			// a failed listener end the watch here. Ending it on a dial error
			// too made the outcome depend on whether Subscribe had returned.
			if errors.Is(err, mux.ErrServer) || errors.Is(err, mux.ErrListenerFailed) {
				w.end(fmt.Errorf("watch %s: %w", full, err))
			}
		},
		OnStatus: func(s mux.Status) {
			if s.Server == "" {
				w.socket(s.State == mux.StateOpen, s.Seq)
			} else if s.Server == muxwire.StateConnected {
				w.confirm()
			}
			if s.Server == "" && s.State == mux.StateReconnecting && s.Err != "" {
				w.dialFailed(s.Err)
			}
			if s.Server == "" && s.State == mux.StateClosed {
				// The client gave up (a permanent failure): a failure of this
				// watch, retried with the list's backoff; a new Subscribe
				// redials. (Never the state at Subscribe, which starts the
				// client again; it may come before Subscribe returned.)
				w.end(fmt.Errorf("watch %s: multiplexer socket closed: %s", full, s.Err))
				return
			}
			if !w.started() {
				return // the state at Subscribe, not a change
			}
			switch {
			case s.Server == muxwire.StateClosed || s.Server == muxwire.StateError:
				if s.Err == "" { // the server's timeout: a clean end
					w.end(&transport.CloseError{Code: transport.CloseNormal, Reason: "upstream watch ended"})
				} else {
					w.end(fmt.Errorf("watch %s: upstream watch ended: %s", full, s.Err))
				}
			case s.Server == "" && s.State == mux.StateReconnecting:
				w.end(fmt.Errorf("watch %s: %w: %w", full, reflector.ErrTransportReconnects,
					&transport.CloseError{Code: transport.CloseAbnormal, Reason: "multiplexer socket dropped"}))
			}
		},
	})
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", full, err)
	}
	w.mu.Lock()
	w.id, w.live = id, true
	w.mu.Unlock()
	var deadline <-chan time.Time // armed while the socket is open and the watch unconfirmed
	var timer clock.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		w.mu.Lock()
		queued := len(w.ends) > 0
		if !queued && errors.Is(w.err, reflector.ErrTransportReconnects) {
			w.err = nil // the socket dropped again before it opened: keep waiting
		}
		open, confirmed, werr, why := w.open, w.confirmed, w.err, w.why
		w.why = ""
		w.mu.Unlock()
		switch { // the confirmation deadline runs while the socket is open
		case open && timer == nil:
			timer = l.clock.NewTimer(ConfirmTimeout)
			deadline = timer.C()
		case !open && timer != nil:
			timer.Stop()
			timer, deadline = nil, nil
		}
		switch {
		case queued:
			// The server served the watch, and may have ended it already (an
			// ERROR event such as 410 Expired, then STATUS closed, in one
			// batch): its frames reach the Reflector before why it ended.
			l.mode.Confirmed()
			return w, nil
		case werr != nil:
			w.Close()
			return nil, werr
		case open && confirmed:
			l.mode.Confirmed()
			return w, nil
		case why != "" && o.Waiting != nil:
			// The socket failed to dial: say so now, and why (one probe per
			// failed dial: the socket redials on its own backoff, so a probe
			// that got no answer is tried again at the next failure).
			err := fmt.Errorf("watch %s: %w: multiplexer socket: %s", full, reflector.ErrWatchRefused, why)
			o.Waiting(err) // at once; the probe may take a moment
			if perr := l.probeList(ctx, o); perr != nil {
				err = fmt.Errorf("%w; the server answered: %w", err, perr)
				if reflector.TooLargeResourceVersion(perr) {
					// The server is behind the resume point: the Reflector
					// relists now, rather than wait to be told so.
					w.Close()
					return nil, err
				}
				o.Waiting(err)
			}
			continue
		}
		select {
		case <-w.wake:
		case <-deadline:
			w.Close()
			return nil, fmt.Errorf("watch %s: %w within %s", full, ErrNotConfirmed, ConfirmTimeout)
		case <-ctx.Done():
			w.Close()
			return nil, ctx.Err()
		}
	}
}

// maxQueueSlab is the largest frame buffer a muxWatch keeps for reuse: a
// burst bigger than that (a relist's worth of events) is not pinned.
const maxQueueSlab = 4 << 20

// muxWatch queues one subscription's frames for the Reflector.
//
// The frames are copied into one of two buffers that take turns: fill
// gathers what push copies (frame i is fill[ends[i-1]:ends[i]]); Next hands
// fill's frames over and keeps the buffer as lent, whose memory the
// Reflector reads until its next Next (the Watch contract), when lent
// becomes the next fill. So a stream allocates no buffer per frame, and no
// byte Next returned is written before the next Next.
type muxWatch struct {
	client *mux.Client
	wake   chan struct{}

	mu        sync.Mutex
	id        mux.ID
	live      bool     // Subscribe returned: statuses from now on are changes
	open      bool     // the socket is open
	seq       uint64   // the mux.Status.Seq that set open
	confirmed bool     // the server confirmed the watch
	fill      []byte   // the frames not yet taken by Next, back to back
	ends      []int    // where each of them ends in fill
	lent      []byte   // the buffer of the frames Next returned last
	frames    [][]byte // Next's last result, reused by the next one
	err       error    // why the watch ended; set once
	why       string   // why the socket's last dial failed, not yet reported
	closed    bool
}

func (w *muxWatch) started() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.live
}

// socket records whether the socket is open, unless a newer state (a higher
// seq) was already recorded, and wakes a waiting Watch.
func (w *muxWatch) socket(open bool, seq uint64) {
	w.mu.Lock()
	if seq >= w.seq {
		w.open, w.seq = open, seq
	}
	w.mu.Unlock()
	w.signal()
}

// confirm records the server's confirmation and wakes a waiting Watch.
func (w *muxWatch) confirm() {
	w.mu.Lock()
	w.confirmed = true
	w.mu.Unlock()
	w.signal()
}

// dialFailed records why the socket failed to dial and wakes a waiting Watch.
func (w *muxWatch) dialFailed(why string) {
	w.mu.Lock()
	w.why = why
	w.mu.Unlock()
	w.signal()
}

// push queues a copy of b (b may be reused once push returns).
func (w *muxWatch) push(b []byte) {
	w.mu.Lock()
	if w.err == nil {
		w.fill = append(w.fill, b...)
		w.ends = append(w.ends, len(w.fill))
	}
	w.mu.Unlock()
	w.signal()
}

func (w *muxWatch) end(err error) {
	w.mu.Lock()
	if w.err == nil {
		w.err = err
	}
	w.mu.Unlock()
	w.signal()
}

func (w *muxWatch) signal() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Next returns the queued frames, or why the watch ended once they are all
// taken. The frames it returns are valid until its next call.
func (w *muxWatch) Next(ctx context.Context) ([][]byte, error) {
	for {
		w.mu.Lock()
		if len(w.ends) > 0 {
			q := w.take()
			w.mu.Unlock()
			return q, nil
		}
		err := w.err
		w.mu.Unlock()
		if err != nil {
			return nil, err
		}
		select {
		case <-w.wake:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// take moves the queued frames to lent and returns them; the buffer lent
// before (the Reflector is done with it: it called Next) becomes fill.
// Called with w.mu held and frames queued.
func (w *muxWatch) take() [][]byte {
	prev := w.lent
	if cap(prev) > maxQueueSlab {
		prev = nil
	}
	w.lent, w.fill = w.fill, prev[:0]
	q := w.frames[:0]
	start := 0
	for _, end := range w.ends {
		q = append(q, w.lent[start:end:end])
		start = end
	}
	w.ends = w.ends[:0]
	if cap(q) > maxQueueSlab/64 {
		w.frames = nil
	} else {
		w.frames = q
	}
	return q
}

// Close unsubscribes (the client sends CLOSE after its debounce).
func (w *muxWatch) Close() {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return
	}
	w.closed = true
	id := w.id
	w.mu.Unlock()
	w.client.Unsubscribe(id)
}
