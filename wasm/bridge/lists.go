//go:build js && wasm

package bridge

import (
	"errors"
	"fmt"
	"time"

	"github.com/hack-pad/safejs"

	"github.com/kubelive/kubelive/internal/cache"
	"github.com/kubelive/kubelive/internal/live"
)

// view is the JS mirror of one cache query (its Data: the lists.js view
// object), shared by every watcher of the query; live.Views refcounts them.
type view = live.View[safejs.Value]

// watchList(query, onChange) -> id; watchObject(query, onChange) -> id.
func (b *Bridge) watchList(args []safejs.Value, object bool) any {
	if len(args) < 2 || args[1].Type() != safejs.TypeFunction {
		return 0
	}
	q, err := b.queryOf(args[0], object)
	if err != nil {
		b.report(fn(args[0], "onError"), fmt.Errorf("watch: %w", err))
		return 0
	}
	key, err := q.Key()
	if err != nil {
		b.report(fn(args[0], "onError"), fmt.Errorf("watch: %w", err))
		return 0
	}
	onError := fn(args[0], "onError")
	id, v, start, err := b.views.Watch(key, object, func() (safejs.Value, error) {
		return b.shim.Call("listsView", string(key), object)
	})
	if errors.Is(err, live.ErrClosed) {
		return 0
	}
	if err != nil {
		b.report(onError, fmt.Errorf("watch: %w", err))
		return 0
	}
	if _, err := b.shim.Call("listsListen", v.Data, float64(id), args[1]); err != nil {
		b.release(id)
		b.report(onError, fmt.Errorf("watch: %w", err))
		return 0
	}
	if start {
		snap, unsub, err := b.cache.Subscribe(q, func(d *cache.Delta) { b.applyDelta(v, d) })
		if err != nil {
			b.release(id)
			b.report(onError, fmt.Errorf("watch: %w", err))
			return 0
		}
		fresh, ok := b.views.Started(v, unsub, snap.Version)
		if !ok {
			unsub() // the view has its subscription, or the client closed
		} else if fresh {
			b.applySnapshot(v, snap)
		}
	}
	// The first snapshot (fresh, or the view's cached one) reaches the
	// listener on the next frame like every later one, never inside this
	// call; listsNotify skips listeners that already hold the current one.
	b.deps.Frames.Schedule(func() { _, _ = b.shim.Call("listsNotify", v.Data) })
	return float64(id)
}

// unwatch(id): idempotent. The last watcher of a view ends its cache
// subscription (the cache stops the watches after its debounce and keeps
// the data for gcTime).
func (b *Bridge) unwatch(args []safejs.Value) any {
	if len(args) == 0 {
		return nil
	}
	f, err := args[0].Float()
	if err != nil {
		return nil
	}
	b.release(uint64(f))
	return nil
}

// release drops watcher id (nothing if it is unknown) and its JS listener;
// the last watcher of a view ends its cache subscription.
func (b *Bridge) release(id uint64) {
	v, unsub := b.views.Release(id)
	if v == nil {
		return
	}
	_, _ = b.shim.Call("listsUnlisten", v.Data, float64(id))
	if unsub != nil {
		unsub()
	}
}

// getList(keyOrQuery) -> the current snapshot, or null.
func (b *Bridge) getList(args []safejs.Value) any {
	if len(args) == 0 {
		return nil
	}
	key, ok := b.keyArg(args[0])
	if !ok {
		return nil
	}
	v := b.views.Get(key)
	if v == nil {
		return nil
	}
	snap, err := v.Data.Get("snap")
	if err != nil {
		return nil
	}
	return snap
}

// listKey(query) -> the canonical key string ("" if the query is invalid).
func (b *Bridge) listKey(args []safejs.Value) any {
	if len(args) == 0 {
		return ""
	}
	k, _ := b.keyArg(args[0])
	return string(k)
}

func (b *Bridge) keyArg(a safejs.Value) (cache.Key, bool) {
	if a.Type() == safejs.TypeString {
		s, _ := a.String()
		return cache.Key(s), true
	}
	name, _ := optString(a, "name")
	q, err := b.queryOf(a, name != "")
	if err != nil {
		return "", false
	}
	k, err := q.Key()
	return k, err == nil
}

// applySnapshot hands a whole snapshot to the JS view without notifying its
// listeners (the caller schedules that).
func (b *Bridge) applySnapshot(v *view, s *cache.Snapshot) {
	order := make([]cache.SlotID, len(s.Items))
	for i, it := range s.Items {
		order[i] = it.Slot
	}
	b.applyJS(v, s.Items, nil, order, s.Lists, s.Version, s.UpdatedAt, true)
}

// sendChunks hands items to the JS view in crossings of about
// live.SnapshotChunk bytes of JSON each, reusing one buffer, so that a big
// list (a first LIST, a relist) never exists twice in Go.
func (b *Bridge) sendChunks(v *view, items []*cache.Item, reset bool) bool {
	var buf []byte
	start := 0
	for _, end := range live.Chunks(items) {
		var slots []cache.SlotID
		var clusters []any
		buf, slots, clusters = live.EncodeItems(buf[:0], items[start:end])
		if _, err := b.shim.Call("listsAdd", v.Data, b.bytes(buf), b.bytes(live.SlotBytes(slots)), clusters, reset); err != nil {
			return false
		}
		reset = false
		start = end
	}
	return true
}

func (b *Bridge) applyDelta(v *view, d *cache.Delta) {
	if !b.views.Delta(v, d.Version) {
		return
	}
	if b.applyJS(v, d.Changed, d.Removed, d.Order, d.Lists, d.Version, d.UpdatedAt, false) {
		_, _ = b.shim.Call("listsNotify", v.Data)
	}
}

// applyJS hands one change to the JS view in a few crossings: the changed
// objects as one JSON array (one JSON.parse in JS), slots as bytes. It
// notifies no listener; it reports whether the view took the change.
func (b *Bridge) applyJS(v *view, items []*cache.Item, removed, order []cache.SlotID, lists []cache.ListStatus, version uint64, at time.Time, full bool) bool {
	var buf []byte
	var slots []cache.SlotID
	clusters := []any{}
	size := 2
	for _, it := range items {
		size += len(it.Raw) + 1
	}
	switch {
	case size > live.SnapshotChunk:
		if !b.sendChunks(v, items, full) {
			return false
		}
		full = false
	case len(items) > 0:
		buf, slots, clusters = live.EncodeItems(make([]byte, 0, size), items)
	}
	meta := live.MetaJSON(lists, version, at)
	snap, err := b.shim.Call("listsApply", v.Data, b.bytes(buf), b.bytes(live.SlotBytes(slots)), clusters,
		b.bytes(live.SlotBytes(removed)), b.bytes(live.SlotBytes(order)), meta, full)
	return err == nil && !snap.IsUndefined()
}

// bytes copies p into a new Uint8Array (null for nil).
func (b *Bridge) bytes(p []byte) any {
	if p == nil {
		return nil
	}
	u8, err := b.shim.Call("u8new", len(p))
	if err != nil {
		return nil
	}
	if _, err := safejs.CopyBytesToJS(u8, p); err != nil {
		return nil
	}
	return u8
}
