//go:build js && wasm

package bridge

import (
	"github.com/hack-pad/safejs"

	"github.com/kubelive/kubelive/internal/probe"
	"github.com/kubelive/kubelive/wasm/browser"
)

// caller crosses into JS for every job of the bridge: calls that never
// throw into Go, the Error values callbacks get, byte copies and JSON
// parsed in JS.
type caller struct{ shim *browser.Shim }

// callJS calls a JS function (if it is one) with args, returning what it
// threw ("" if nothing). It never throws into Go.
func (c caller) callJS(f safejs.Value, args ...any) string {
	if f.Type() != safejs.TypeFunction {
		return ""
	}
	callArgs := append([]any{f}, args...)
	r, err := c.shim.Call("call", callArgs...)
	if err != nil {
		return err.Error()
	}
	if r.IsNull() {
		return ""
	}
	msg, _ := r.String()
	return msg
}

// jsError makes the Error a JS callback gets: a sentence a person
// understands as its message, with the raw HTTP code and reason in fields
// (probe.Describe).
func (c caller) jsError(err error) any {
	p := probe.Describe(err)
	e, cerr := c.shim.Call("error", p.Message, p.Code, p.Reason)
	if cerr != nil {
		return nil
	}
	return e
}

// report hands err to the onError callback, if it is one.
func (c caller) report(onErr safejs.Value, err error) {
	c.callJS(onErr, c.jsError(err))
}

// bytes copies p into a new Uint8Array (null for nil).
func (c caller) bytes(p []byte) any { return c.copyOut("u8new", p) }

// scratchBytes copies p into the shim's reused Uint8Array (null for nil):
// what it returns is valid until the next scratchBytes, so only for an
// argument the JS callee consumes before it returns, and at most one per call.
func (c caller) scratchBytes(p []byte) any { return c.copyOut("u8scratch", p) }

// copyOut copies p into the Uint8Array the shim's function alloc returns for its length.
func (c caller) copyOut(alloc string, p []byte) any {
	if p == nil {
		return nil
	}
	u8, err := c.shim.Call(alloc, len(p))
	if err != nil {
		return nil
	}
	if _, err := safejs.CopyBytesToJS(u8, p); err != nil {
		return nil
	}
	return u8
}

// parseJSON parses text with the page's JSON.parse (nil if it fails).
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
