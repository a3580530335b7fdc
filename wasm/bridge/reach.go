//go:build js && wasm

package bridge

import (
	"fmt"

	"github.com/hack-pad/safejs"
)

// listenReach kicks every waiting retry when the browser may reach the
// server again: back online, the page visible again or resumed after a
// freeze. Its js.Func is released by stopReach (Close).
func (b *Bridge) listenReach() error {
	if b.deps.Reach == nil {
		return nil
	}
	f, err := b.funcs.FuncOf(func(safejs.Value, []safejs.Value) any {
		go b.deps.Reach.KickAll() // never block a JS callback
		return nil
	})
	if err != nil {
		return fmt.Errorf("reachability listener: %w", err)
	}
	stop, err := b.shim.Call("listenReach", f.Value())
	if err != nil {
		b.funcs.Release(f)
		return fmt.Errorf("reachability listener: %w", err)
	}
	b.mu.Lock()
	b.reachFn, b.reachStop = f, stop
	b.mu.Unlock()
	return nil
}

// stopReach removes the listeners and releases their func; idempotent.
func (b *Bridge) stopReach() {
	b.mu.Lock()
	f, stop := b.reachFn, b.reachStop
	b.reachFn, b.reachStop = safejs.Func{}, safejs.Value{}
	b.mu.Unlock()
	if stop.Type() == safejs.TypeFunction {
		_, _ = stop.Invoke()
		b.funcs.Release(f)
	}
}

// retry(): the user asked to retry now: every waiting retry goes (jittered
// over backoff.KickWindow).
func (b *Bridge) retry([]safejs.Value) any {
	if b.deps.Reach != nil {
		b.deps.Reach.KickAll()
	}
	return nil
}
