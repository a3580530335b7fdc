//go:build js && wasm

// Package bridge exports kubelive to JS: one object whose methods the js/
// facade wraps. Every exported method is a js.Func owned by the Bridge and
// released by Close. JS callbacks passed in (onMessage, onError, onStatus)
// are held as values, never wrapped in funcs, so a subscription costs no
// js.Func at all. Nothing here throws into JS: bad input goes to onError.
package bridge

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/hack-pad/safejs"

	"github.com/kubelive/kubelive/internal/backoff"
	"github.com/kubelive/kubelive/internal/cache"
	"github.com/kubelive/kubelive/internal/clock"
	"github.com/kubelive/kubelive/internal/endpoint"
	"github.com/kubelive/kubelive/internal/mux"
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
	MuxChoice *muxMode
	// Tracked dialers of list watches and streams, whose sockets stats() lists.
	Tracked []*trackedDialer
	// Timers, if set, counts the armed timers of the clock every part uses.
	Timers interface{ Armed() int }
	// Reach is the backend's reachability signal: retry() and the
	// browser's online/visibility events kick it (nil: none).
	Reach *backoff.Reach
	// Fetch makes the probes of failed stream dials (nil: no probe).
	Fetch *browser.Fetcher
}

// Bridge is the JS-facing API of one client.
type Bridge struct {
	shim  *browser.Shim
	funcs *browser.Funcs
	reg   *registry.Registry
	deps  Deps

	mu      sync.Mutex
	exports []safejs.Func // released by Close
	closed  bool
	// streams maps a stream id to its live stream. Invariant: an id leaves
	// the map when its stream is cancelled, by JS or by Close.
	streams    map[uint64]streamHandle
	nextStream uint64
	// views and watchers of live lists; see view.
	views       map[cache.Key]*view
	watchers    map[uint64]*view
	nextWatcher uint64
	cache       *cache.Cache
	live        *liveViews // watchView's views, made on first use (views.go)
	// muxSubs are kl.mux.subscribe subscriptions by id.
	muxSubs map[uint64]muxSub
	nextMux uint64
	// reachFn and reachStop are the browser reachability listener (see
	// listenReach); released by Close.
	reachFn   safejs.Func
	reachStop safejs.Value
}

// New returns a Bridge over d.
func New(d Deps) *Bridge {
	return &Bridge{shim: d.Shim, funcs: d.Funcs, reg: d.Registry, deps: d, cache: d.Cache,
		streams: map[uint64]streamHandle{}, views: map[cache.Key]*view{}, watchers: map[uint64]*view{},
		muxSubs: map[uint64]muxSub{}}
}

// Decoder returns the registry decoder for browser frames: JSON keys get
// JSON.parse (in JS, never in Go), binary keys a Uint8Array.
func Decoder(shim *browser.Shim) registry.Decoder {
	return func(k registry.Key, frames []transport.Frame) []registry.Message {
		out := make([]registry.Message, len(frames))
		for i, f := range frames {
			v, ok := f.Value.(safejs.Value)
			if !ok {
				out[i] = registry.Message{Err: fmt.Errorf("%w: frame of %d bytes has no payload", registry.ErrBadFrame, f.Size)}
				continue
			}
			method := "parse"
			if k.Binary {
				method = "u8"
			}
			r, err := shim.Call(method, v)
			if err != nil || (!k.Binary && shim.IsBad(r)) {
				out[i] = registry.Message{Err: registry.BadFrame(f.Size)}
				continue
			}
			out[i] = registry.Message{Value: r}
		}
		return out
	}
}

// Export builds the JS object {subscribe, unsubscribe, stats}; main adds close.
func (b *Bridge) Export() (safejs.Value, error) {
	obj, err := safejs.ValueOf(map[string]any{})
	if err != nil {
		return safejs.Value{}, err
	}
	methods := map[string]func(args []safejs.Value) any{
		"subscribe":      b.subscribe,
		"unsubscribe":    b.unsubscribe,
		"stats":          b.stats,
		"stream":         b.stream,
		"logs":           b.logs,
		"exec":           func(args []safejs.Value) any { return b.exec(args, false) },
		"attach":         func(args []safejs.Value) any { return b.exec(args, true) },
		"cancel":         b.cancel,
		"socket":         b.socket,
		"write":          b.write,
		"resize":         b.resize,
		"closeStdin":     b.closeStdin,
		"watchList":      func(args []safejs.Value) any { return b.watchList(args, false) },
		"watchObject":    func(args []safejs.Value) any { return b.watchList(args, true) },
		"unwatch":        b.unwatch,
		"getList":        b.getList,
		"listKey":        b.listKey,
		"muxSubscribe":   b.muxSubscribe,
		"muxUnsubscribe": b.muxUnsubscribe,
		"retry":          b.retry,
		"watchView":      b.watchView,
		"updateView":     b.updateView,
		"unwatchView":    b.unwatchView,
		"getView":        b.getView,
		"viewKey":        b.viewKeyOf,
		"getObject":      b.getObject,
	}
	for name, m := range methods {
		m := m
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
	streams := b.streams
	b.streams = map[uint64]streamHandle{}
	b.mu.Unlock()
	b.stopReach()
	for _, st := range streams {
		st.Cancel()
	}
	b.reg.Close()
	if b.cache != nil {
		b.cache.Close()
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

// subscribe(opts) -> id (0 when opts were rejected; opts.onError says why).
func (b *Bridge) subscribe(args []safejs.Value) any {
	if len(args) == 0 || args[0].Type() != safejs.TypeObject {
		return 0
	}
	o := args[0]
	cb := callbacks{shim: b.shim, onMessage: fn(o, "onMessage"), onError: fn(o, "onError"), onStatus: fn(o, "onStatus")}
	k, err := keyOf(o)
	if err == nil && cb.onMessage.IsUndefined() {
		err = errors.New("onMessage must be a function")
	}
	if err != nil {
		cb.error(fmt.Errorf("subscribe: %w", err))
		return 0
	}
	return float64(b.reg.Subscribe(k, cb.listener()))
}

// unsubscribe(id): idempotent.
func (b *Bridge) unsubscribe(args []safejs.Value) any {
	if len(args) == 0 {
		return nil
	}
	id, err := args[0].Float()
	if err != nil || id <= 0 {
		return nil
	}
	b.reg.Unsubscribe(uint64(id))
	return nil
}

type socketJSON struct {
	Key        keyJSON `json:"key"`
	State      string  `json:"state"`
	Listeners  int     `json:"listeners"`
	MessagesIn uint64  `json:"messagesIn"`
	BytesIn    uint64  `json:"bytesIn"`
	Reconnects int     `json:"reconnects"`
	LastError  string  `json:"lastError,omitempty"`
}

type keyJSON struct {
	Cluster   string   `json:"cluster"`
	URL       string   `json:"url"`
	Protocols []string `json:"protocols"`
	Type      string   `json:"type"`
}

type statsJSON struct {
	Sockets        []socketJSON         `json:"sockets"`
	BrowserSockets browser.SocketCounts `json:"browserSockets"`
	Funcs          int64                `json:"funcs"`
	Timers         int                  `json:"timers"`
	Streams        int                  `json:"streams"`
	Cache          cacheJSON            `json:"cache"`
	Multiplexer    muxJSON              `json:"multiplexer"`
}

type muxJSON struct {
	Mode       string `json:"mode"` // "mux" or "per-url"
	Reason     string `json:"reason"`
	Protocol   string `json:"protocol,omitempty"`
	State      string `json:"state,omitempty"`
	Keys       int    `json:"keys"`
	Listeners  int    `json:"listeners"`
	Reconnects int    `json:"reconnects"`
	FramesIn   uint64 `json:"framesIn"`
	MessagesIn uint64 `json:"messagesIn"`
	BytesIn    uint64 `json:"bytesIn"`
}

type cacheJSON struct {
	Entries  int `json:"entries"`
	Watching int `json:"watching"`
	Lists    int `json:"lists"`
	Resyncs  int `json:"resyncs"`
	Views    int `json:"views"`
	Watchers int `json:"watchers"`
}

// stats() -> a plain object, built as one JSON string (one crossing).
func (b *Bridge) stats([]safejs.Value) any {
	var st statsJSON
	st.Sockets = []socketJSON{}
	for _, s := range b.reg.Stats() {
		typ := "json"
		if s.Key.Binary {
			typ = "binary"
		}
		st.Sockets = append(st.Sockets, socketJSON{
			Key:   keyJSON{Cluster: s.Key.Cluster, URL: s.Key.Path, Protocols: append([]string{}, s.Key.ProtocolList()...), Type: typ},
			State: s.State.String(), Listeners: s.Listeners, MessagesIn: s.MessagesIn, BytesIn: s.BytesIn,
			Reconnects: s.Reconnects, LastError: s.LastError,
		})
	}
	st.BrowserSockets = b.shim.Counts()
	st.Funcs = b.funcs.Live()
	if b.deps.Timers != nil {
		st.Timers = b.deps.Timers.Armed()
	}
	b.mu.Lock()
	st.Streams = len(b.streams)
	st.Cache.Views, st.Cache.Watchers = len(b.views), len(b.watchers)
	b.mu.Unlock()
	for _, t := range b.deps.Tracked {
		st.Sockets = append(st.Sockets, t.sockets()...)
	}
	st.Multiplexer.Mode, st.Multiplexer.Reason = b.deps.MuxMode, b.deps.MuxReason
	if m := b.deps.Mux; m != nil {
		ms := m.Stats()
		st.Multiplexer = muxJSON{Mode: b.deps.MuxMode, Reason: b.deps.MuxReason, Protocol: ms.Protocol, State: ms.State.String(), Keys: ms.Keys,
			Listeners: ms.Listeners, Reconnects: ms.Reconnects, FramesIn: ms.FramesIn, MessagesIn: ms.MessagesIn, BytesIn: ms.BytesIn}
		if per, why := b.deps.MuxChoice.perURL(); per {
			st.Multiplexer.Mode, st.Multiplexer.Reason = "per-url", why
		}
		if ms.Keys > 0 { // the mux socket is one of the module's sockets
			st.Sockets = append(st.Sockets, socketJSON{
				Key:   keyJSON{URL: "wsMultiplexer", Protocols: []string{ms.Protocol}, Type: "mux"},
				State: ms.State.String(), Listeners: ms.Listeners, MessagesIn: ms.MessagesIn, BytesIn: ms.BytesIn, Reconnects: ms.Reconnects,
			})
		}
	}
	if b.cache != nil {
		cs := b.cache.Stats()
		st.Cache.Entries, st.Cache.Watching, st.Cache.Lists, st.Cache.Resyncs = cs.Entries, cs.Watching, cs.Lists, cs.Resyncs
	}
	text, err := json.Marshal(st)
	if err != nil {
		return nil
	}
	return parseJSON(string(text))
}

func parseJSON(text string) any {
	j, err := safejs.Global().Get("JSON")
	if err != nil {
		return nil
	}
	v, err := j.Call("parse", text)
	if err != nil {
		return nil
	}
	return v
}
