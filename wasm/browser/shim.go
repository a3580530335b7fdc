//go:build js && wasm

// Package browser adapts the browser to kubelive's interfaces, through
// safejs: a transport.Dialer over the browser WebSocket (frames batched in
// JS, so that a burst costs one JS->Go call), a live.Fetcher over fetch, a
// cache.Scheduler over animation frames, and the JS shim every call into
// the page goes through, which never throws into Go. Every js.Func it makes
// is counted (Funcs) and released by its one owner.
package browser

import (
	_ "embed"
	"fmt"
	"sync/atomic"

	"github.com/hack-pad/safejs"
)

//go:embed shim.js
var shimSource string

// Shim is the JS half of the adapter (shim.js), evaluated once per client.
type Shim struct {
	v   safejs.Value
	bad safejs.Value
}

// NewShim evaluates shim.js, then each of parts (the JS halves of the jobs
// built on the shim, e.g. the bridge's lists.js), in one function scope in
// which shim is the object they add their methods to.
func NewShim(parts ...string) (*Shim, error) {
	fnCtor, err := safejs.Global().Get("Function")
	if err != nil {
		return nil, fmt.Errorf("shim: %w", err)
	}
	src := shimSource
	for _, p := range parts {
		src += "\n" + p
	}
	factory, err := fnCtor.New(src + "\nreturn shim;\n")
	if err != nil {
		return nil, fmt.Errorf("shim: compile: %w", err)
	}
	v, err := factory.Invoke()
	if err != nil {
		return nil, fmt.Errorf("shim: init: %w", err)
	}
	bad, err := v.Get("BAD")
	if err != nil {
		return nil, fmt.Errorf("shim: %w", err)
	}
	return &Shim{v: v, bad: bad}, nil
}

// UsePrefetched makes the shim's GETs take their answers from p (an object
// with take(url) -> Promise<{status, bytes, err}> | null) when it has one:
// the LISTs a worker host started before the module was ready. A p that is
// not an object changes nothing.
func (s *Shim) UsePrefetched(p safejs.Value) error {
	if p.Type() != safejs.TypeObject {
		return nil
	}
	if err := s.v.Set("prefetched", p); err != nil {
		return fmt.Errorf("shim: prefetched: %w", err)
	}
	return nil
}

// Value is the shim object, for the bridge's helpers.
func (s *Shim) Value() safejs.Value { return s.v }

// Call calls a shim method.
func (s *Shim) Call(method string, args ...any) (safejs.Value, error) {
	return s.v.Call(method, args...)
}

// IsBad reports whether v is the shim's marker for a frame that did not parse.
func (s *Shim) IsBad(v safejs.Value) bool { return v.Equal(s.bad) }

// SocketCounts are the shim's counters.
type SocketCounts struct {
	Created int `json:"created"` // browser WebSockets ever created
	Live    int `json:"live"`    // whose close event has not fired yet
	Wakes   int `json:"wakes"`   // JS->Go wake-ups: one per burst of frames
}

// Counts returns the shim's counters.
func (s *Shim) Counts() SocketCounts {
	get := func(name string) int {
		v, err := s.v.Get(name)
		if err != nil {
			return 0
		}
		n, _ := v.Int()
		return n
	}
	return SocketCounts{Created: get("created"), Live: get("live"), Wakes: get("wakes")}
}

// Funcs owns the js.Funcs of one client and counts the live ones, so tests
// can prove that every func made is released.
type Funcs struct{ live atomic.Int64 }

// FuncOf wraps fn in a counted js.Func. Release it with Release.
func (f *Funcs) FuncOf(fn func(this safejs.Value, args []safejs.Value) any) (safejs.Func, error) {
	jf, err := safejs.FuncOf(fn)
	if err != nil {
		return safejs.Func{}, err
	}
	f.live.Add(1)
	return jf, nil
}

// Release releases a func made by FuncOf. Call it exactly once per func.
func (f *Funcs) Release(jf safejs.Func) {
	jf.Release()
	f.live.Add(-1)
}

// Live returns the number of funcs made and not yet released.
func (f *Funcs) Live() int64 { return f.live.Load() }
