//go:build js && wasm

package browser

import (
	"context"
	"fmt"

	"github.com/hack-pad/safejs"

	"github.com/kubelive/kubelive/internal/endpoint"
)

// Fetcher makes GET requests with the browser's fetch.
type Fetcher struct {
	Shim  *Shim
	Funcs *Funcs
}

type fetchResult struct {
	status int
	body   []byte
	err    string
}

// Get fetches url with the token (if any) as a bearer Authorization header
// and returns the status and body. If ctx ends first the request is aborted
// and ctx.Err() returned. Its one-shot js.Func is released once fetch has
// settled, whichever way.
func (f *Fetcher) Get(ctx context.Context, url string, token endpoint.Secret) (int, []byte, error) {
	return f.get(ctx, url, token, false)
}

// Probe is Get for a probe after a failed WebSocket dial: the request
// carries this page's origin in probe.Header, so that the server answers
// with the verdict an upgrade from it gets.
func (f *Fetcher) Probe(ctx context.Context, url string, token endpoint.Secret) (int, []byte, error) {
	return f.get(ctx, url, token, true)
}

func (f *Fetcher) get(ctx context.Context, url string, token endpoint.Secret, probe bool) (int, []byte, error) {
	done := make(chan fetchResult, 1)
	var fn safejs.Func
	fn, err := f.Funcs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		r := fetchResult{}
		if len(args) == 3 {
			r.status, _ = args[0].Int()
			if args[1].Type() == safejs.TypeObject {
				n, _ := args[1].Length()
				r.body = make([]byte, n)
				_, _ = safejs.CopyBytesToGo(r.body, args[1])
			}
			r.err, _ = args[2].String()
		}
		done <- r // buffered: never blocks
		return nil
	})
	if err != nil {
		return 0, nil, fmt.Errorf("fetch: %w", err)
	}
	ctl, err := f.Shim.Call("get", url, string(token), fn.Value(), probe)
	if err != nil {
		f.Funcs.Release(fn)
		return 0, nil, fmt.Errorf("fetch: %w", err)
	}
	select {
	case r := <-done:
		f.Funcs.Release(fn)
		if r.err != "" {
			return 0, nil, fmt.Errorf("fetch: %s", r.err)
		}
		return r.status, r.body, nil
	case <-ctx.Done():
		_, _ = f.Shim.Call("abort", ctl)
		go func() { // fetch settles (as aborted) and calls fn once more
			<-done
			f.Funcs.Release(fn)
		}()
		return 0, nil, ctx.Err()
	}
}
