//go:build js && wasm

package bridge

import (
	"errors"

	"github.com/hack-pad/safejs"

	"github.com/kubelive/kubelive/internal/registry"
	"github.com/kubelive/kubelive/wasm/browser"
)

// callbacks are one subscriber's JS functions, called through the shim so a
// throw comes back as a value instead of unwinding into Go.
type callbacks struct {
	shim                         *browser.Shim
	onMessage, onError, onStatus safejs.Value
}

func (c callbacks) listener() registry.Listener {
	return registry.Listener{OnMessage: c.message, OnError: c.error, OnStatus: c.status}
}

func (c callbacks) message(v any) error {
	r, err := c.shim.Call("call", c.onMessage, v)
	if err != nil {
		return err
	}
	if r.IsNull() {
		return nil
	}
	msg, _ := r.String()
	return errors.New(msg)
}

func (c callbacks) error(err error) {
	if c.onError.IsUndefined() {
		return
	}
	e, cerr := c.shim.Call("error", err.Error())
	if cerr != nil {
		return
	}
	_, _ = c.shim.Call("call", c.onError, e)
}

func (c callbacks) status(s registry.Status) {
	if c.onStatus.IsUndefined() {
		return
	}
	msg := ""
	if s.Err != nil {
		msg = s.Err.Error()
	}
	v, err := c.shim.Call("status", s.State.String(), msg)
	if err != nil {
		return
	}
	_, _ = c.shim.Call("call", c.onStatus, v)
}
