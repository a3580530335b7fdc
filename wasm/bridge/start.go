//go:build js && wasm

package bridge

import (
	"github.com/hack-pad/safejs"

	"github.com/kubelive/kubelive/internal/cache"
	"github.com/kubelive/kubelive/internal/clock"
	"github.com/kubelive/kubelive/internal/endpoint"
	"github.com/kubelive/kubelive/internal/registry"
	"github.com/kubelive/kubelive/internal/transport"
	"github.com/kubelive/kubelive/wasm/browser"
)

// Config is what load() passes in.
type Config struct {
	BaseURL string
	Token   endpoint.Secret
	UserID  string
}

// Start builds one client (shim, funcs, registry, bridge) and exports its
// API. Close the Bridge to end it.
func Start(cfg Config) (*Bridge, safejs.Value, error) {
	ep, err := endpoint.New(cfg.BaseURL, cfg.Token, cfg.UserID)
	if err != nil {
		return nil, safejs.Value{}, err
	}
	shim, err := browser.NewShim()
	if err != nil {
		return nil, safejs.Value{}, err
	}
	funcs := &browser.Funcs{}
	dialer := &browser.Dialer{Shim: shim, Funcs: funcs}
	reg := registry.New(registry.Options{
		Dialer:   dialer,
		Endpoint: ep,
		Decode:   Decoder(shim),
		Payload:  transport.PayloadOpaque,
	})
	frames, err := browser.NewFrameScheduler(shim, funcs)
	if err != nil {
		reg.Close()
		return nil, safejs.Value{}, err
	}
	c := cache.New(cache.Config{
		Source:    &source{ep: ep, fetch: &browser.Fetcher{Shim: shim, Funcs: funcs}, dialer: dialer},
		Clock:     clock.Real{},
		Scheduler: frames,
	})
	b := New(Deps{Shim: shim, Funcs: funcs, Registry: reg, Endpoint: ep, Dialer: dialer, Clock: clock.Real{}, Cache: c, Frames: frames})
	api, err := b.Export()
	if err != nil {
		return nil, safejs.Value{}, err
	}
	return b, api, nil
}

// Funcs returns the number of live js.Funcs of this client.
func (b *Bridge) Funcs() int64 { return b.funcs.Live() }
