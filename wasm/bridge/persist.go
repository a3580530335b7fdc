//go:build js && wasm

package bridge

import (
	"errors"
	"fmt"
	"time"

	"github.com/hack-pad/safejs"

	"github.com/kubelive/kubelive/internal/persist"
	"github.com/kubelive/kubelive/wasm/browser"
)

// persistJob is kl.clearPersisted and kl.flushPersisted, the write of
// every pending list when the page hides, and kl.handOver, by which a worker
// host gives a client the lists a joining page held in the worker before. Both methods return a Promise and
// never block the event loop: IndexedDB answers on it.
type persistJob struct {
	caller
	deps Deps
	warm *persist.Warm // nil when load() did not ask for persist

	hideFn   safejs.Func  // owned here, released by close
	hideStop safejs.Value // the shim's function that stops listening
	hasHide  bool
}

func (j *persistJob) methods() map[string]method {
	return map[string]method{
		"clearPersisted": func([]safejs.Value) any { return j.later(func() error { return j.warm.Clear() }) },
		"flushPersisted": func([]safejs.Value) any { return j.later(func() error { j.warm.Flush(); return nil }) },
		"handOver":       j.handOver,
	}
}

// handOver(lists, savedAtMs) adds the lists a page held when its worker
// died (the JSON persist.Handoff reads) to those this client resumes
// from; it returns null, or an Error saying why nothing was taken over.
func (j *persistJob) handOver(args []safejs.Value) any {
	if len(args) < 2 || args[0].Type() != safejs.TypeString || args[1].Type() != safejs.TypeNumber {
		return j.jsError(errors.New("handOver takes the lists as a JSON string and the time they were saved (ms since the epoch)"))
	}
	if j.deps.Handoff == nil {
		return j.jsError(errors.New("handOver: this client takes no lists over"))
	}
	data, _ := args[0].String()
	at, _ := args[1].Float()
	if err := j.deps.Handoff.Add([]byte(data), time.UnixMilli(int64(at))); err != nil {
		return j.jsError(err)
	}
	return nil
}

// later runs f on a goroutine and returns a Promise of its outcome; without
// persist it resolves at once.
func (j *persistJob) later(f func() error) any {
	d, err := j.shim.Call("deferred")
	if err != nil {
		return nil
	}
	p, _ := d.Get("promise")
	if j.warm == nil {
		_, _ = d.Call("resolve", false)
		return p
	}
	go func() {
		if err := f(); err != nil {
			_, _ = d.Call("reject", j.jsError(err))
			return
		}
		_, _ = d.Call("resolve", true)
	}()
	return p
}

// listenHide writes every pending list when the page hides.
func (j *persistJob) listenHide(funcs *browser.Funcs) error {
	if j.warm == nil {
		return nil
	}
	fn, err := funcs.FuncOf(func(safejs.Value, []safejs.Value) any {
		go j.warm.Flush() // never block the event loop
		return nil
	})
	if err != nil {
		return err
	}
	stop, err := j.shim.Call("listenHide", fn.Value())
	if err != nil {
		funcs.Release(fn)
		return fmt.Errorf("listen for the page hiding: %w", err)
	}
	j.hideFn, j.hideStop, j.hasHide = fn, stop, true
	return nil
}

// close stops listening and the writer; what is pending is dropped (the
// page's last hide wrote it). It runs on the event loop (api.close), where
// waiting for an IndexedDB write in flight would never end: the writer
// stops on its own goroutine.
func (j *persistJob) close(release func(safejs.Func)) {
	if j.hasHide {
		_, _ = j.hideStop.Invoke()
		release(j.hideFn)
		j.hasHide = false
	}
	if j.warm != nil {
		go j.warm.Close()
	}
}
