//go:build js && wasm

// Package bridge exports kubelive to JS: one object whose methods the js/
// facade wraps, grouped by job (shared sockets, lists, streams, the
// multiplexer), each job with its own ids and its own lock. Every exported
// method is a js.Func owned by the Bridge and released by Close. JS
// callbacks passed in (onMessage, onError, onStatus) are held as values,
// never wrapped in funcs, so a subscription costs no js.Func at all.
// Nothing here throws into JS: bad input goes to onError. Only marshalling
// lives here; what the jobs do is internal/ (registry, cache, stream, mux,
// live).
package bridge

import (
	"fmt"
	"sync"

	"github.com/hack-pad/safejs"

	"github.com/kubelive/kubelive/internal/backoff"
	"github.com/kubelive/kubelive/internal/cache"
	"github.com/kubelive/kubelive/internal/clock"
	"github.com/kubelive/kubelive/internal/endpoint"
	"github.com/kubelive/kubelive/internal/gomem"
	"github.com/kubelive/kubelive/internal/live"
	"github.com/kubelive/kubelive/internal/mux"
	"github.com/kubelive/kubelive/internal/persist"
	"github.com/kubelive/kubelive/internal/registry"
	"github.com/kubelive/kubelive/internal/transport"
	"github.com/kubelive/kubelive/wasm/browser"
)

// Deps are the parts a Bridge drives, built by Start.
type Deps struct {
	Shim     *browser.Shim
	Funcs    *browser.Funcs
	Registry *registry.Registry // built with Decoder(Shim) and the browser Dialer
	Endpoint endpoint.Endpoint
	Dialer   transport.Dialer
	Clock    clock.Clock
	Cache    *cache.Cache
	Frames   *browser.FrameScheduler
	Mux      *mux.Client // nil in per-URL mode
	MuxMode  string      // "mux" or "per-url"
	// MuxReason says why MuxMode was chosen; MuxChoice, if set, tells
	// whether (and why) 'auto' left the multiplexer since.
	MuxReason string
	MuxChoice *live.Mode
	// Tracked dialers of list watches and streams, whose sockets stats() lists.
	Tracked []*live.TrackedDialer
	// Timers, if set, counts the armed timers of the clock every part uses.
	Timers interface{ Armed() int }
	// Reach is the backend's reachability signal: retry() and the
	// browser's online/visibility events kick it (nil: none).
	Reach *backoff.Reach
	// Fetch makes the probes of failed stream dials (nil: no probe).
	Fetch live.Fetcher
	// Warm is the persisted cache (nil: load() did not ask for persist).
	Warm *persist.Warm
	// Handoff takes the lists a worker host's pages held over from a worker
	// that died (nil: handOver refuses).
	Handoff *persist.Handoff
}

// method is one exported method: the JS arguments in, the JS result out.
type method func(args []safejs.Value) any

// job is one group of exported methods with its own state.
type job interface {
	methods() map[string]method
}

// Bridge is the JS-facing API of one client.
type Bridge struct {
	caller
	funcs *browser.Funcs
	deps  Deps

	sockets *socketJob
	lists   *listJob
	streams *streamJob
	mux     *muxJob
	views   *viewJob
	persist *persistJob
	goMem   *gomem.Reader // the Go heap and collector counters of stats()

	mu      sync.Mutex
	exports []safejs.Func // released by Close
	closed  bool
	// reachFn and reachStop are the browser reachability listener (see
	// listenReach); released by Close.
	reachFn   safejs.Func
	reachStop safejs.Value
}

// New returns a Bridge over d.
func New(d Deps) *Bridge {
	c := caller{shim: d.Shim}
	b := &Bridge{caller: c, funcs: d.Funcs, deps: d, goMem: gomem.NewReader(),
		sockets: &socketJob{caller: c, reg: d.Registry},
		lists:   newListJob(c, d),
		streams: &streamJob{caller: c, deps: d, handles: live.NewHandles[streamHandle]()},
		mux:     &muxJob{caller: c, deps: d, subs: live.NewHandles[muxSub]()},
		persist: &persistJob{caller: c, deps: d, warm: d.Warm},
	}
	b.views = newViewJob(c, d, b.lists)
	return b
}

// jobs are the groups of methods Export registers: a new job adds itself here.
func (b *Bridge) jobs() []job {
	return []job{b.sockets, b.lists, b.streams, b.mux, b.views, b.persist, b}
}

func (b *Bridge) methods() map[string]method {
	return map[string]method{"stats": b.stats, "retry": b.retry}
}

// Export builds the JS object of every job's methods; main adds close.
func (b *Bridge) Export() (safejs.Value, error) {
	obj, err := safejs.ValueOf(map[string]any{})
	if err != nil {
		return safejs.Value{}, err
	}
	seen := map[string]bool{}
	for _, j := range b.jobs() {
		for name, m := range j.methods() {
			if seen[name] {
				b.Close()
				return safejs.Value{}, fmt.Errorf("export %s: two jobs export it", name)
			}
			seen[name] = true
			fn, err := b.funcs.FuncOf(func(_ safejs.Value, args []safejs.Value) any { return m(args) })
			if err != nil {
				b.Close()
				return safejs.Value{}, fmt.Errorf("export %s: %w", name, err)
			}
			b.mu.Lock()
			b.exports = append(b.exports, fn)
			b.mu.Unlock()
			if err := obj.Set(name, fn.Value()); err != nil {
				b.Close()
				return safejs.Value{}, fmt.Errorf("export %s: %w", name, err)
			}
		}
	}
	return obj, nil
}

// Close ends every subscription and releases the exported funcs; idempotent.
func (b *Bridge) Close() {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.closed = true
	fns := b.exports
	b.exports = nil
	b.mu.Unlock()
	b.lists.close()
	b.stopReach()
	b.persist.close(b.funcs.Release)
	b.streams.close()
	b.deps.Registry.Close()
	if b.deps.Cache != nil {
		b.deps.Cache.Close()
	}
	if b.deps.Frames != nil {
		b.deps.Frames.Close()
	}
	if b.deps.Mux != nil {
		b.deps.Mux.Close()
	}
	for _, fn := range fns {
		b.funcs.Release(fn)
	}
}
