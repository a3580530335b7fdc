//go:build js && wasm

package bridge

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hack-pad/safejs"

	"github.com/kubelive/kubelive/internal/live"
	"github.com/kubelive/kubelive/internal/mux"
	"github.com/kubelive/kubelive/internal/muxwire"
	"github.com/kubelive/kubelive/internal/registry"
	"github.com/kubelive/kubelive/internal/transport"
)

// muxSub is one kl.mux.subscribe: a multiplexer subscription, or in per-URL
// mode a shared socket of the registry with the same API.
type muxSub struct {
	mux mux.ID
	reg uint64
}

// muxJob is kl.mux.subscribe: its subscriptions by id (live.Handles,
// under its own lock).
type muxJob struct {
	caller
	deps Deps
	subs *live.Handles[muxSub]
}

func (j *muxJob) methods() map[string]method {
	return map[string]method{"muxSubscribe": j.muxSubscribe, "muxUnsubscribe": j.muxUnsubscribe}
}

// muxSubscribe(cluster, path, query, onMessage, onError) -> id. Headlamp's
// WebSocketManager.subscribe: each watch event arrives parsed (JSON.parse in
// JS); server ERRORs, bad frames and throwing listeners go to onError.
func (j *muxJob) muxSubscribe(args []safejs.Value) any {
	str := func(i int) string {
		if len(args) > i && args[i].Type() == safejs.TypeString {
			s, _ := args[i].String()
			return s
		}
		return ""
	}
	var onMessage, onError safejs.Value = safejs.Undefined(), safejs.Undefined()
	if len(args) > 3 && args[3].Type() == safejs.TypeFunction {
		onMessage = args[3]
	}
	if len(args) > 4 && args[4].Type() == safejs.TypeFunction {
		onError = args[4]
	}
	cluster, path, query := str(0), str(1), str(2)
	if onMessage.IsUndefined() {
		j.report(onError, errors.New("mux.subscribe: onMessage must be a function"))
		return 0
	}
	var sub muxSub
	per, _ := j.deps.MuxChoice.PerURL()
	if m := j.deps.Mux; m != nil && !per {
		key, err := muxwire.NewKey(cluster, path, query)
		if err != nil {
			j.report(onError, fmt.Errorf("mux.subscribe: %w", err))
			return 0
		}
		id, err := m.Subscribe(key, mux.Listener{
			OnData: func(f transport.Frame) error {
				j.deps.MuxChoice.Confirmed()
				v, err := j.shim.Call("parseBytes", j.bytes(f.Data), f.Binary)
				if err != nil || j.shim.IsBad(v) {
					return fmt.Errorf("%w: %d bytes are not valid JSON", registry.ErrBadFrame, len(f.Data))
				}
				if msg := j.callJS(onMessage, v); msg != "" {
					return errors.New(msg)
				}
				return nil
			},
			OnError: func(err error) {
				// A backend ERROR also passes its own text, which the JS
				// facade turns into Headlamp's ERROR event when the caller
				// gave no onError.
				var se *mux.ServerError
				if errors.As(err, &se) {
					j.deps.MuxChoice.Failed(err) // in 'auto', later subscriptions may go per-URL
					j.callJS(onError, j.jsError(err), se.Message)
					return
				}
				j.report(onError, err)
			},
		})
		if err != nil {
			j.report(onError, fmt.Errorf("mux.subscribe: %w", err))
			return 0
		}
		sub.mux = id
	} else {
		url := strings.TrimLeft(path, "/")
		if query != "" {
			url += "?" + query
		}
		k, err := registry.NewKey(cluster, url, nil, false)
		if err != nil {
			j.report(onError, fmt.Errorf("mux.subscribe: %w", err))
			return 0
		}
		cb := callbacks{shim: j.shim, onMessage: onMessage, onError: onError, onStatus: safejs.Undefined()}
		sub.reg = j.deps.Registry.Subscribe(k, cb.listener())
	}
	id, ok := j.subs.Add(sub)
	if !ok {
		j.end(sub)
		return 0
	}
	return float64(id)
}

// end ends one subscription, on whichever side it lives.
func (j *muxJob) end(sub muxSub) {
	if sub.reg != 0 {
		j.deps.Registry.Unsubscribe(sub.reg)
	} else if j.deps.Mux != nil {
		j.deps.Mux.Unsubscribe(sub.mux)
	}
}

// muxUnsubscribe(id): idempotent.
func (j *muxJob) muxUnsubscribe(args []safejs.Value) any {
	if len(args) == 0 {
		return nil
	}
	f, err := args[0].Float()
	if err != nil {
		return nil
	}
	if sub, ok := j.subs.Remove(uint64(f)); ok {
		j.end(sub)
	}
	return nil
}
