//go:build js && wasm

package bridge

import (
	"errors"
	"fmt"

	"github.com/hack-pad/safejs"

	"github.com/kubelive/kubelive/internal/registry"
	"github.com/kubelive/kubelive/internal/transport"
	"github.com/kubelive/kubelive/wasm/browser"
)

// socketJob is kl.subscribe: shared sockets of the registry, whose ids are
// the registry's own (the registry's lock guards them).
type socketJob struct {
	caller
	reg *registry.Registry
}

func (j *socketJob) methods() map[string]method {
	return map[string]method{"subscribe": j.subscribe, "unsubscribe": j.unsubscribe}
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

// subscribe(opts) -> id (0 when opts were rejected; opts.onError says why).
func (j *socketJob) subscribe(args []safejs.Value) any {
	if len(args) == 0 || args[0].Type() != safejs.TypeObject {
		return 0
	}
	o := args[0]
	cb := callbacks{shim: j.shim, onMessage: fn(o, "onMessage"), onError: fn(o, "onError"), onStatus: fn(o, "onStatus")}
	k, err := keyOf(o)
	if err == nil && cb.onMessage.IsUndefined() {
		err = errors.New("onMessage must be a function")
	}
	if err != nil {
		cb.error(fmt.Errorf("subscribe: %w", err))
		return 0
	}
	return float64(j.reg.Subscribe(k, cb.listener()))
}

// unsubscribe(id): idempotent.
func (j *socketJob) unsubscribe(args []safejs.Value) any {
	if len(args) == 0 {
		return nil
	}
	id, err := args[0].Float()
	if err != nil || id <= 0 {
		return nil
	}
	j.reg.Unsubscribe(uint64(id))
	return nil
}
