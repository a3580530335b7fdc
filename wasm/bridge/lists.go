//go:build js && wasm

package bridge

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hack-pad/safejs"

	"github.com/kubelive/kubelive/internal/cache"
	"github.com/kubelive/kubelive/internal/probe"
)

// view is the JS mirror of one cache query, shared by every watcher of the
// query. Invariant (guarded by Bridge.mu): a view with watchers > 0 has a
// live cache subscription (unsub != nil); a view with no watchers keeps its
// JS data, so getList and a quick re-watch serve it at once.
type view struct {
	key      cache.Key
	js       safejs.Value
	object   bool
	watchers int
	unsub    func()
	version  uint64 // the version the JS view shows
}

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
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return 0
	}
	v := b.views[key]
	if v == nil {
		js, err := b.shim.Call("listsView", string(key), object)
		if err != nil {
			b.mu.Unlock()
			b.report(onError, fmt.Errorf("watch: %w", err))
			return 0
		}
		v = &view{key: key, js: js, object: object}
		b.views[key] = v
	}
	v.watchers++
	b.nextWatcher++
	id := b.nextWatcher
	b.watchers[id] = v
	start := v.unsub == nil
	b.mu.Unlock()
	if _, err := b.shim.Call("listsListen", v.js, float64(id), args[1]); err != nil {
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
		b.mu.Lock()
		v.unsub = unsub
		fresh := snap.Version != v.version || v.version == 0
		v.version = snap.Version
		b.mu.Unlock()
		if fresh {
			b.applySnapshot(v, snap)
		}
	}
	// The first snapshot (fresh, or the view's cached one) reaches the
	// listener on the next frame like every later one, never inside this
	// call; listsNotify skips listeners that already hold the current one.
	b.deps.Frames.Schedule(func() { _, _ = b.shim.Call("listsNotify", v.js) })
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
	b.mu.Lock()
	v := b.watchers[id]
	if v == nil {
		b.mu.Unlock()
		return
	}
	delete(b.watchers, id)
	v.watchers--
	var unsub func()
	if v.watchers == 0 {
		unsub, v.unsub = v.unsub, nil
	}
	b.sweepViewsLocked()
	b.mu.Unlock()
	_, _ = b.shim.Call("listsUnlisten", v.js, float64(id))
	if unsub != nil {
		unsub()
	}
}

// sweepViewsLocked drops idle views whose data the cache no longer holds.
func (b *Bridge) sweepViewsLocked() {
	for k, v := range b.views {
		if v.watchers == 0 {
			if _, ok := b.cache.Get(k); !ok {
				delete(b.views, k)
			}
		}
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
	b.mu.Lock()
	v := b.views[key]
	b.mu.Unlock()
	if v == nil {
		return nil
	}
	snap, err := v.js.Get("snap")
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

// snapshotChunk bounds the JSON of one crossing when a whole snapshot is
// handed over: Go never holds a second copy of a big list.
const snapshotChunk = 1 << 20

// applySnapshot hands a whole snapshot to the JS view without notifying its
// listeners (the caller schedules that).
func (b *Bridge) applySnapshot(v *view, s *cache.Snapshot) {
	order := make([]cache.SlotID, len(s.Items))
	for i, it := range s.Items {
		order[i] = it.Slot
	}
	b.applyJS(v, s.Items, nil, order, s.Lists, s.Version, s.UpdatedAt, true)
}

// sendChunks hands items to the JS view in crossings of about snapshotChunk
// bytes of JSON each, reusing one buffer, so that a big list (a first LIST,
// a relist) never exists twice in Go.
func (b *Bridge) sendChunks(v *view, items []*cache.Item, reset bool) bool {
	var buf []byte
	for start := 0; start < len(items); {
		end, size := start, 0
		for end < len(items) && (end == start || size+len(items[end].Raw) <= snapshotChunk) {
			size += len(items[end].Raw) + 1
			end++
		}
		var slots []cache.SlotID
		var clusters []any
		buf, slots, clusters = encodeItems(buf[:0], items[start:end])
		if _, err := b.shim.Call("listsAdd", v.js, b.bytes(buf), b.bytes(slotBytes(slots)), clusters, reset); err != nil {
			return false
		}
		reset = false
		start = end
	}
	return true
}

// encodeItems appends the JSON array of the items' objects to buf and
// returns their slots and clusters.
func encodeItems(buf []byte, items []*cache.Item) ([]byte, []cache.SlotID, []any) {
	slots := make([]cache.SlotID, len(items))
	clusters := make([]any, len(items))
	buf = append(buf, '[')
	for i, it := range items {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, it.Raw...)
		slots[i] = it.Slot
		clusters[i] = it.Cluster
	}
	return append(buf, ']'), slots, clusters
}

func (b *Bridge) applyDelta(v *view, d *cache.Delta) {
	b.mu.Lock()
	live := v.unsub != nil && !b.closed
	if live {
		v.version = d.Version
	}
	b.mu.Unlock()
	if !live {
		return
	}
	if b.applyJS(v, d.Changed, d.Removed, d.Order, d.Lists, d.Version, d.UpdatedAt, false) {
		_, _ = b.shim.Call("listsNotify", v.js)
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
	case size > snapshotChunk:
		if !b.sendChunks(v, items, full) {
			return false
		}
		full = false
	case len(items) > 0:
		buf, slots, clusters = encodeItems(make([]byte, 0, size), items)
	}
	meta := metaJSON(lists, version, at)
	snap, err := b.shim.Call("listsApply", v.js, b.bytes(buf), b.bytes(slotBytes(slots)), clusters,
		b.bytes(slotBytes(removed)), b.bytes(slotBytes(order)), meta, full)
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

func slotBytes(s []cache.SlotID) []byte {
	if s == nil {
		return nil
	}
	out := make([]byte, 4*len(s))
	for i, x := range s {
		binary.LittleEndian.PutUint32(out[4*i:], uint32(x))
	}
	return out
}

type listMeta struct {
	Cluster         string     `json:"cluster"`
	Namespace       string     `json:"namespace"`
	Status          string     `json:"status"`
	Since           int64      `json:"since,omitempty"`     // ms since the epoch
	LastEvent       int64      `json:"lastEvent,omitempty"` // ms since the epoch
	ResourceVersion string     `json:"resourceVersion"`
	Error           *errorJSON `json:"error,omitempty"`
	LastError       *errorJSON `json:"lastError,omitempty"`
	LastErrorAt     int64      `json:"lastErrorAt,omitempty"` // ms since the epoch
	Deleted         bool       `json:"deleted,omitempty"`
}

// errorJSON is an error as a snapshot carries it: a sentence, and the raw
// HTTP code and reason when there are any (probe.Describe).
type errorJSON struct {
	Message string `json:"message"`
	Code    int    `json:"code,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

func describe(err error) *errorJSON {
	if err == nil {
		return nil
	}
	p := probe.Describe(err)
	return &errorJSON{Message: p.Message, Code: p.Code, Reason: p.Reason}
}

// metaJSON is the lists' part of a snapshot. Each list's status is the
// cache's (staleness included: the cache's timer decides it).
func metaJSON(lists []cache.ListStatus, version uint64, at time.Time) string {
	out := struct {
		Version   uint64     `json:"version"`
		UpdatedAt int64      `json:"updatedAt"`
		Lists     []listMeta `json:"lists"`
	}{Version: version, UpdatedAt: ms(at), Lists: make([]listMeta, len(lists))}
	for i, l := range lists {
		m := listMeta{Cluster: l.Cluster, Namespace: l.Namespace, Status: l.Phase.String(), Since: ms(l.Since),
			LastEvent: ms(l.LastEvent), ResourceVersion: l.ResourceVersion, Deleted: l.Deleted,
			Error: describe(l.Err), LastError: describe(l.LastErr)}
		if l.LastErr != nil {
			m.LastErrorAt = ms(l.LastErrAt)
		}
		out.Lists[i] = m
	}
	text, err := json.Marshal(out)
	if err != nil {
		return `{"version":0,"updatedAt":0,"lists":[]}`
	}
	return string(text)
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}
