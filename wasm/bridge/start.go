//go:build js && wasm

package bridge

import (
	"strings"
	"time"

	"github.com/hack-pad/safejs"

	"github.com/kubelive/kubelive/internal/backoff"
	"github.com/kubelive/kubelive/internal/cache"
	"github.com/kubelive/kubelive/internal/clock"
	"github.com/kubelive/kubelive/internal/endpoint"
	"github.com/kubelive/kubelive/internal/live"
	"github.com/kubelive/kubelive/internal/persist"
	"github.com/kubelive/kubelive/internal/registry"
	"github.com/kubelive/kubelive/internal/transport"
	"github.com/kubelive/kubelive/internal/wire"
	"github.com/kubelive/kubelive/wasm/browser"
)

// Config is what load() passes in.
type Config struct {
	BaseURL string
	Token   endpoint.Secret
	UserID  string
	// Multiplexer is "auto" (default: the mux when the backend has one),
	// "on", "json" (the mux, offering only Headlamp's JSON framing) or "off"
	// (per-URL sockets).
	Multiplexer string
	// MaxFrame caps one frame received on any socket, in bytes (0:
	// browser.DefaultMaxFrame, 16 MiB; < 0: no cap). A bigger frame closes
	// its socket with 1009 and a message saying so; what it carried is
	// fetched again by the resume or relist that follows.
	MaxFrame int
	// StaleAfter marks a live list stale when nothing confirmed it for
	// this long (0: cache.DefaultStaleAfter).
	StaleAfter time.Duration
	// KeepManagedFields keeps metadata.managedFields in listed objects
	// (cut by default).
	KeepManagedFields bool
	// Persist keeps each list in IndexedDB (persist.Warm) and starts later
	// loads from it; PersistExclude names resources never kept (Secrets
	// never are).
	Persist        bool
	PersistExclude []string
	// Handoff is the JSON of the lists a worker host's page held when the
	// worker before this one died, as they were at HandoffAt (persist.Handoff):
	// those lists resume from their resourceVersions instead of listing.
	Handoff   string
	HandoffAt time.Time
	// Prefetched, when an object, holds the LISTs a worker host fetched
	// while this module compiled (js/src/prefetch.js): each GET asks its
	// take(url) first and uses the answer it returns, once; undefined: none.
	Prefetched safejs.Value
	// Warn hears what the page should know but is no error of a call (a
	// persisted snapshot that was ignored); nil: console.warn.
	Warn func(msg string)
}

// listPageSize pages LISTs (limit/continue, as client-go's pager does with
// the same 500): only one page body is in the wasm heap at a time, whose
// memory keeps its high-water mark for good.
const listPageSize = 500

// maxHandshakes bounds the page's WebSocket handshakes in flight at once (see
// transport.LimitDialer): with four pending, Chromium delays the next by at
// most ~1 ms (before failures weigh in) instead of seconds.
const maxHandshakes = 4

// Start builds one client (shim, funcs, registry, bridge) and exports its
// API. Close the Bridge to end it.
func Start(cfg Config) (*Bridge, safejs.Value, error) {
	ep, err := endpoint.New(cfg.BaseURL, cfg.Token, cfg.UserID)
	if err != nil {
		return nil, safejs.Value{}, err
	}
	shim, err := browser.NewShim(listsJS, viewsJS, browser.IDBSource)
	if err != nil {
		return nil, safejs.Value{}, err
	}
	if err := shim.UsePrefetched(cfg.Prefetched); err != nil {
		return nil, safejs.Value{}, err
	}
	funcs := &browser.Funcs{}
	clk := &clock.Counting{Clock: clock.Real{}} // every timer of this client, counted in stats()
	reach := &backoff.Reach{Clock: clk}
	// Every WebSocket of the page shares one handshake limit: the browser delays
	// each new socket exponentially in the handshakes pending at once.
	dialer := live.NewReachDialer(transport.LimitDialer(&browser.Dialer{Shim: shim, Funcs: funcs, MaxFrame: cfg.MaxFrame}, maxHandshakes), reach, ep.Base)
	reg := registry.New(registry.Options{
		Clock:    clk,
		Dialer:   dialer,
		Endpoint: ep,
		Decode:   Decoder(shim),
		Payload:  transport.PayloadOpaque,
		Reach:    reach,
	})
	frames, err := browser.NewFrameScheduler(shim, funcs)
	if err != nil {
		reg.Close()
		return nil, safejs.Value{}, err
	}
	watches := live.NewTrackedDialer(dialer, ep.Base, "watch")
	streams := live.NewTrackedDialer(dialer, ep.Base, "stream")
	// An answer after a request got none (a restart) releases the retries
	// waiting for the backend, as a socket that opens does.
	fetch := live.NewReachFetcher(&browser.Fetcher{Shim: shim, Funcs: funcs}, reach, strings.TrimSuffix(ep.HTTPURL("", ""), "/"))
	src := live.NewSource(ep, fetch, watches)
	var lists cache.Source = src
	choice, err := live.Choose(live.ChooseOptions{Setting: cfg.Multiplexer, Dialer: dialer, Fetch: fetch,
		Endpoint: ep, UserID: cfg.UserID, Clock: clk, Reach: reach})
	if err != nil {
		reg.Close()
		frames.Close()
		return nil, safejs.Value{}, err
	}
	lm := live.NewMode(live.Auto(cfg.Multiplexer))
	if choice.Client != nil {
		lists = live.NewMuxSource(src, choice.Client, clk, lm)
	}
	var warm *persist.Warm
	if cfg.Persist {
		if warm, err = openWarm(cfg, shim, funcs, clk); err != nil {
			reg.Close()
			frames.Close()
			return nil, safejs.Value{}, err
		}
	}
	var cw cache.Warm
	if warm != nil {
		cw = warm
	}
	// Every client can take lists over: the first page of a replaced worker
	// hands its lists over here, the pages that join later through handOver.
	handoff := persist.NewHandoff(cw, wire.Options{KeepManagedFields: cfg.KeepManagedFields})
	if cfg.Handoff != "" {
		if err := handoff.Add([]byte(cfg.Handoff), cfg.HandoffAt); err != nil {
			// Only the resume is lost: the lists are listed again.
			warnOf(cfg)("kubelive: the lists of the worker before were not taken over: " + err.Error())
		}
	}
	cw = handoff
	c := cache.New(cache.Config{
		Warm:       cw,
		Source:     lists,
		Clock:      clk,
		Scheduler:  frames,
		PageSize:   listPageSize,
		StaleAfter: cfg.StaleAfter,
		Wire:       wire.Options{KeepManagedFields: cfg.KeepManagedFields},
		Reach:      reach,
	})
	b := New(Deps{Shim: shim, Funcs: funcs, Registry: reg, Endpoint: ep, Dialer: streams, Clock: clk,
		Cache: c, Frames: frames, Mux: choice.Client, MuxMode: choice.Mode, MuxReason: choice.Reason, MuxChoice: lm, Tracked: []*live.TrackedDialer{watches, streams}, Timers: clk,
		Reach: reach, Fetch: fetch, Warm: warm, Handoff: handoff})
	api, err := b.Export()
	if err != nil {
		return nil, safejs.Value{}, err
	}
	if err := b.listenReach(); err != nil {
		b.Close()
		return nil, safejs.Value{}, err
	}
	if err := b.persist.listenHide(funcs); err != nil {
		b.Close()
		return nil, safejs.Value{}, err
	}
	return b, api, nil
}

// Funcs returns the number of live js.Funcs of this client.
func (b *Bridge) Funcs() int64 { return b.funcs.Live() }

// openWarm opens the persisted cache of cfg's identity. A context without
// IndexedDB (or one that refuses it, e.g. a private window) only loses the
// warm start: it is warned about, and the client runs without it.
func openWarm(cfg Config, shim *browser.Shim, funcs *browser.Funcs, clk clock.Clock) (*persist.Warm, error) {
	if _, err := persist.NewPolicy(cfg.PersistExclude); err != nil {
		return nil, err // a mistake of the app's: load() says so
	}
	warn := warnOf(cfg)
	idb, err := browser.OpenIDB(shim, funcs)
	if err != nil {
		warn("kubelive: persist is off: " + err.Error())
		return nil, nil
	}
	w, err := persist.Open(idb, persist.Options{BaseURL: cfg.BaseURL, Token: string(cfg.Token), UserID: cfg.UserID,
		Exclude: cfg.PersistExclude, Clock: clk, Warn: warn, Random: browser.RandomBytes})
	if err != nil {
		warn("kubelive: persist is off: " + err.Error())
		return nil, nil
	}
	return w, nil
}

// warnOf returns cfg.Warn, or console.warn when it is nil.
func warnOf(cfg Config) func(string) {
	if cfg.Warn != nil {
		return cfg.Warn
	}
	return func(msg string) {
		if c, err := safejs.Global().Get("console"); err == nil {
			_, _ = c.Call("warn", msg)
		}
	}
}
