//go:build js && wasm

package bridge

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hack-pad/safejs"

	"github.com/kubelive/kubelive/internal/cache"
	"github.com/kubelive/kubelive/internal/live"
)

// listsJS is the JS half of the lists (views, snapshots, listeners),
// evaluated with the shim.
//
//go:embed lists.js
var listsJS string

// view is the JS mirror of one cache query (its Data: the lists.js view
// object), shared by every watcher of the query; live.Views refcounts them.
type view = live.View[jsView]

// jsView is a lists.js view and whether it is raw: a raw view holds no
// object's JSON, only a handle per object version (its slot), so Go hands
// it slots and no JSON, and its JSON is read from the cache when a page
// needs it (rawObjects). Fixed when the view is made.
type jsView struct {
	obj safejs.Value
	raw bool
}

// listJob is watchList and watchObject: views of cache queries, which
// live.Views refcounts under its own lock (watcher ids are its own).
//
// spans, once set (rawLists or lazyLists), is never unset: every change
// handed to JS carries its objects' ends and their members' spans
// (live.EncodeItemsSpans), which views made after it use: a raw view keeps
// each object's JSON as bytes, a lazy view makes of it an object parsed one
// member at a time on first read (lists.js ignores them in a view made
// before, which parses the change whole).
type listJob struct {
	caller
	deps  Deps
	views *live.Views[jsView]
	// json and slots are the reused buffers of a crossing (the changed
	// objects' JSON, the slot lists' bytes): JS copies both before the call
	// returns, so one flush's buffers serve the next.
	json, slots live.Scratch
	spans       atomic.Bool
	rawMu       sync.Mutex
	raw         *rawScratch // rawObjects' slices, while no call holds them
}

// maxCrossingBuffer is the largest buffer listJob keeps for the next
// crossing (it is live heap, which the collector's goal grows with): a
// stream's delta, one frame's changed objects, is tens of KB; a bigger one
// (a relist, a first snapshot's chunks) gets buffers of its own.
const maxCrossingBuffer = 256 << 10

func newListJob(c caller, d Deps) *listJob {
	return &listJob{caller: c, deps: d, views: live.NewViews[jsView](func(k cache.Key) bool {
		_, ok := d.Cache.Get(k)
		return ok
	}), json: live.Scratch{Max: maxCrossingBuffer}, slots: live.Scratch{Max: maxCrossingBuffer}}
}

func (j *listJob) methods() map[string]method {
	return map[string]method{
		"watchList":   func(args []safejs.Value) any { return j.watchList(args, false) },
		"watchObject": func(args []safejs.Value) any { return j.watchList(args, true) },
		"unwatch":     j.unwatch,
		"getList":     j.getList,
		"listKey":     j.listKey,
		"rawLists":    j.rawLists,
		"rawObjects":  j.rawObjects,
		"lazyLists":   j.lazyLists,
	}
}

// rawLists() makes the views made from now on raw: each object a handle
// (lists.js) whose JSON the cache keeps and rawObjects reads, never parsed
// nor copied into JS until a page needs it: for the worker host, which
// forwards the objects to its pages as Go holds them. Idempotent.
func (j *listJob) rawLists([]safejs.Value) any {
	if _, err := j.shim.Call("listsRaw"); err != nil {
		return fmt.Sprintf("kubelive: raw lists: %v", err)
	}
	j.spans.Store(true)
	return ""
}

// lazyLists(lazy) makes the views made from now on (but raw ones) hold
// each object as lazy.make (a LazyObjects of js/src/lazy.js) makes it of
// the object's JSON and its members' spans: frozen, each member parsed on
// its first read; a member that does not parse becomes the lastError of
// the view's lists. For the page host. Returns "" or why not.
func (j *listJob) lazyLists(args []safejs.Value) any {
	if len(args) == 0 || args[0].Type() != safejs.TypeObject {
		return "kubelive: lazy lists: the argument must be a LazyObjects (js/src/lazy.js)"
	}
	if m, err := args[0].Get("make"); err != nil || m.Type() != safejs.TypeFunction {
		return "kubelive: lazy lists: the argument has no make method: it must be a LazyObjects (js/src/lazy.js)"
	}
	if _, err := j.shim.Call("listsLazy", args[0]); err != nil {
		return fmt.Sprintf("kubelive: lazy lists: %v", err)
	}
	j.spans.Store(true)
	return ""
}

// close makes later watches return 0 and drops later deltas.
func (j *listJob) close() { j.views.Close() }

// watchList(query, onChange) -> id; watchObject(query, onChange) -> id.
func (j *listJob) watchList(args []safejs.Value, object bool) any {
	if len(args) < 2 || args[1].Type() != safejs.TypeFunction {
		return 0
	}
	q, err := j.queryOf(args[0], object)
	if err != nil {
		j.report(fn(args[0], "onError"), fmt.Errorf("watch: %w", err))
		return 0
	}
	key, err := q.Key()
	if err != nil {
		j.report(fn(args[0], "onError"), fmt.Errorf("watch: %w", err))
		return 0
	}
	onError := fn(args[0], "onError")
	id, v, start, err := j.views.Watch(key, object, func() (jsView, error) {
		obj, err := j.shim.Call("listsView", string(key), object)
		if err != nil {
			return jsView{}, err
		}
		raw, _ := obj.Get("raw")
		isRaw, _ := raw.Bool()
		return jsView{obj: obj, raw: isRaw}, nil
	})
	if errors.Is(err, live.ErrClosed) {
		return 0
	}
	if err != nil {
		j.report(onError, fmt.Errorf("watch: %w", err))
		return 0
	}
	if _, err := j.shim.Call("listsListen", v.Data.obj, float64(id), args[1], onError); err != nil {
		j.release(id)
		j.report(onError, fmt.Errorf("watch: %w", err))
		return 0
	}
	if start {
		snap, unsub, err := j.deps.Cache.Subscribe(q, func(d *cache.Delta) { j.applyDelta(v, d) })
		if err != nil {
			j.release(id)
			j.report(onError, fmt.Errorf("watch: %w", err))
			return 0
		}
		fresh, ok := j.views.Started(v, unsub, snap.Version)
		if !ok {
			unsub() // the view has its subscription, or the client closed
		} else if fresh {
			j.applySnapshot(v, snap)
		}
	}
	// The first snapshot (fresh, or the view's cached one) reaches the
	// listener on the next frame like every later one, never inside this
	// call; listsNotify skips listeners that already hold the current one.
	j.deps.Frames.Schedule(func() { _, _ = j.shim.Call("listsNotify", v.Data.obj) })
	return float64(id)
}

// unwatch(id): idempotent. The last watcher of a view ends its cache
// subscription (the cache stops the watches after its debounce and keeps
// the data for gcTime).
func (j *listJob) unwatch(args []safejs.Value) any {
	if len(args) == 0 {
		return nil
	}
	f, err := args[0].Float()
	if err != nil {
		return nil
	}
	j.release(uint64(f))
	return nil
}

// release drops watcher id (nothing if it is unknown) and its JS listener;
// the last watcher of a view ends its cache subscription.
func (j *listJob) release(id uint64) {
	v, unsub := j.views.Release(id)
	if v == nil {
		return
	}
	_, _ = j.shim.Call("listsUnlisten", v.Data.obj, float64(id))
	if unsub != nil {
		unsub()
	}
}

// getList(keyOrQuery) -> the current snapshot, or null.
func (j *listJob) getList(args []safejs.Value) any {
	if len(args) == 0 {
		return nil
	}
	key, ok := j.keyArg(args[0])
	if !ok {
		return nil
	}
	v := j.views.Get(key)
	if v == nil {
		return nil
	}
	snap, err := v.Data.obj.Get("snap")
	if err != nil {
		return nil
	}
	return snap
}

// listKey(query) -> the canonical key string ("" if the query is invalid).
func (j *listJob) listKey(args []safejs.Value) any {
	if len(args) == 0 {
		return ""
	}
	k, _ := j.keyArg(args[0])
	return string(k)
}

func (j *listJob) keyArg(a safejs.Value) (cache.Key, bool) {
	if a.Type() == safejs.TypeString {
		s, _ := a.String()
		return cache.Key(s), true
	}
	name, _ := optString(a, "name")
	q, err := j.queryOf(a, name != "")
	if err != nil {
		return "", false
	}
	k, err := q.Key()
	return k, err == nil
}

// applySnapshot hands a whole snapshot to the JS view without notifying its
// listeners (the caller schedules that).
func (j *listJob) applySnapshot(v *view, s *cache.Snapshot) {
	order := make([]cache.SlotID, len(s.Items))
	for i, it := range s.Items {
		order[i] = it.Slot
	}
	j.applyJS(v, s.Items, nil, order, nil, s.Lists, s.Version, s.UpdatedAt, true)
}

// sendChunks hands items to the JS view in crossings of about
// live.SnapshotChunk bytes of JSON each, reusing one buffer, so that a big
// list (a first LIST, a relist) never exists twice in Go.
func (j *listJob) sendChunks(v *view, items []*cache.Item, reset bool) bool {
	buf := j.json.Take(live.SnapshotChunk)
	defer func() { j.json.Give(buf) }()
	start := 0
	for _, end := range live.Chunks(items) {
		var slots []cache.SlotID
		var ends []uint32
		buf, slots, ends = j.encode(buf[:0], items[start:end])
		sb := j.slots.Take(4 * (len(slots) + len(ends)))
		var slotBytes, endBytes any
		sb, slotBytes = slotArg(j, sb, slots)
		sb, endBytes = slotArg(j, sb, ends)
		if _, err := j.shim.Call("listsAdd", v.Data.obj, j.scratchBytes(buf), slotBytes, reset, endBytes); err != nil {
			j.slots.Give(sb)
			return false
		}
		j.slots.Give(sb)
		reset = false
		start = end
	}
	return true
}

func (j *listJob) applyDelta(v *view, d *cache.Delta) {
	if !j.views.Delta(v, d.Version) {
		return
	}
	if j.applyJS(v, d.Changed, d.Removed, d.Order, d.Splices, d.Lists, d.Version, d.UpdatedAt, false) {
		_, _ = j.shim.Call("listsNotify", v.Data.obj)
	}
}

// applyJS hands one change to the JS view in a few crossings, whatever
// the number of objects: the changed objects as one JSON array, each with
// its cluster (one JSON.parse in JS, no per-object work after it), slots
// as bytes, the order whole or as splices (live.SpliceWords). It notifies
// no listener; it reports whether the view took the change.
func (j *listJob) applyJS(v *view, items []*cache.Item, removed, order []cache.SlotID, splices []cache.Splice, lists []cache.ListStatus, version uint64, at time.Time, full bool) bool {
	var buf []byte
	var slots []cache.SlotID
	var ends []uint32
	size := 2
	for _, it := range items {
		// the object, a comma, and its "cluster" member
		size += it.Len() + len(it.Cluster) + 16
	}
	switch {
	case v.Data.raw:
		// slots only: a raw view's objects are read from the cache when needed
		slots = make([]cache.SlotID, len(items))
		for i, it := range items {
			slots[i] = it.Slot
		}
	case size > live.SnapshotChunk:
		if !j.sendChunks(v, items, full) {
			return false
		}
		full = false
	case len(items) > 0:
		buf, slots, ends = j.encode(j.json.Take(size), items)
		defer func() { j.json.Give(buf) }()
	}
	meta := live.MetaJSON(lists, version, at)
	// the slot lists and the objects' ends in one reused buffer, each
	// copied into a Uint8Array of its own (null for a nil list) before the call
	words := live.SpliceWords(splices)
	sb := j.slots.Take(4 * (len(slots) + len(removed) + len(order) + len(ends) + len(words)))
	defer func() { j.slots.Give(sb) }()
	var args [5]any
	sb, args[0] = slotArg(j, sb, slots)
	sb, args[1] = slotArg(j, sb, removed)
	sb, args[2] = slotArg(j, sb, order)
	sb, args[3] = slotArg(j, sb, ends)
	sb, args[4] = slotArg(j, sb, words)
	took, err := j.shim.Call("listsApply", v.Data.obj, j.scratchBytes(buf), args[0], args[1], args[2], meta, full, args[3], args[4])
	ok, _ := took.Bool()
	return err == nil && ok
}

// rawObjects(key, slots, positions) -> [bytes, index, bytes, index, ...],
// or a string saying why not: the JSON of the objects that slots
// (little-endian uint32s) hold at the last flush of the query key, in
// order, each with its cluster member, in chunks of about
// live.SnapshotChunk bytes (so that a first snapshot of a big list never
// grows Go's memory by its size: one buffer serves every chunk), each chunk
// its objects end to end and an index (uint32s) cutting them as
// live.EncodeObjects does (per object its start and end in that chunk, and
// the count and words of its members' spans). positions, the same way, say
// where each slot stands in the view's order (a hint: a wrong one costs a
// walk of the order). One crossing per list and batch, whatever the number
// of objects; the reply is the caller's (new arrays).
func (j *listJob) rawObjects(args []safejs.Value) any {
	if len(args) < 3 || args[0].Type() != safejs.TypeString {
		return "kubelive: raw objects: the arguments must be a list key, its slots and their positions"
	}
	key, _ := args[0].String()
	r := j.takeRaw()
	defer j.giveRaw(r)
	var err error
	if r.slots, r.in, err = u32Into(r.slots[:0], r.in, args[1]); err != nil {
		return fmt.Sprintf("kubelive: raw objects: the slots: %v", err)
	}
	if r.pos, r.in, err = u32Into(r.pos[:0], r.in, args[2]); err != nil {
		return fmt.Sprintf("kubelive: raw objects: the positions: %v", err)
	}
	if r.items, err = j.deps.Cache.Committed(r.items[:0], cache.Key(key), r.slots, r.pos); err != nil {
		return fmt.Sprintf("kubelive: raw objects: %v", err)
	}
	size := 0
	for _, it := range r.items {
		size += it.Len() + len(it.Cluster) + 16
	}
	buf := j.json.Take(min(size, live.SnapshotChunk+live.SnapshotChunk/8))
	sb := j.slots.Take(0)
	defer func() { j.json.Give(buf); j.slots.Give(sb) }()
	out := []any{}
	start := 0
	for _, end := range live.Chunks(r.items) {
		buf, r.index = live.EncodeObjects(buf[:0], r.index[:0], r.items[start:end])
		sb = live.AppendSlotBytes(sb[:0], r.index)
		out = append(out, j.bytes(buf), j.bytes(sb))
		start = end
	}
	return out
}

// rawScratch is what rawObjects works in, kept from one call to the next:
// in a stream the worker asks for a few objects per list about 60 times a
// second, and fresh slices each time (the span index alone is ~380 bytes an
// object) were a tenth of the bytes its Go heap took per event.
type rawScratch struct {
	in    []byte         // a Uint8Array argument's bytes
	slots []cache.SlotID // the slots asked for
	pos   []uint32       // their positions in the view's order
	items []*cache.Item  // the items at those slots; cleared when given back
	index []uint32       // live.EncodeObjects' index of one chunk
}

// maxRawScratch is the most elements a rawScratch slice keeps between calls
// (a first snapshot of a big list takes more, once).
const maxRawScratch = 64 << 10

// takeRaw returns the kept rawScratch, or a new one when none is (a call
// while another holds it, which a JS callback running Go never makes).
func (j *listJob) takeRaw() *rawScratch {
	j.rawMu.Lock()
	defer j.rawMu.Unlock()
	r := j.raw
	j.raw = nil
	if r == nil {
		r = &rawScratch{}
	}
	return r
}

// giveRaw keeps r for the next call, without the items (a kept pointer
// would keep an object version the cache let go of) and without a slice
// grown past maxRawScratch.
func (j *listJob) giveRaw(r *rawScratch) {
	clear(r.items[:cap(r.items)])
	r.in, r.slots, r.pos = kept(r.in), kept(r.slots), kept(r.pos)
	r.items, r.index = kept(r.items), kept(r.index)
	j.rawMu.Lock()
	j.raw = r
	j.rawMu.Unlock()
}

// kept is s emptied for the next call, or nil when it grew past maxRawScratch.
func kept[T any](s []T) []T {
	if cap(s) > maxRawScratch {
		return nil
	}
	return s[:0]
}

// u32Into appends to dst the little-endian uint32s of a Uint8Array, read
// through in (grown as needed), and returns both.
func u32Into[T ~uint32](dst []T, in []byte, v safejs.Value) ([]T, []byte, error) {
	n, err := v.Length()
	if err != nil || n%4 != 0 {
		return dst, in, errors.New("not a Uint8Array of uint32s")
	}
	in = slices.Grow(in[:0], n)[:n]
	if _, err := safejs.CopyBytesToGo(in, v); err != nil {
		return dst, in, errors.New("not a Uint8Array of uint32s")
	}
	dst = slices.Grow(dst, n/4)
	for i := 0; i < n; i += 4 {
		dst = append(dst, T(binary.LittleEndian.Uint32(in[i:])))
	}
	return dst, in, nil
}

// slotArg appends s to sb as live.SlotBytes encodes it and returns the
// longer sb with a Uint8Array copy of what it appended (null for a nil s).
func slotArg[T ~uint32](j *listJob, sb []byte, s []T) ([]byte, any) {
	if s == nil {
		return sb, nil
	}
	start := len(sb)
	sb = live.AppendSlotBytes(sb, s)
	if sb == nil { // an empty s is an empty array, not null
		sb = []byte{}
	}
	return sb, j.bytes(sb[start:])
}

// encode is live.EncodeItems, with the objects' ends and their members'
// spans (live.EncodeItemsSpans) once rawLists or lazyLists was called.
func (j *listJob) encode(buf []byte, items []*cache.Item) ([]byte, []cache.SlotID, []uint32) {
	if j.spans.Load() {
		return live.EncodeItemsSpans(buf, items)
	}
	buf, slots := live.EncodeItems(buf, items)
	return buf, slots, nil
}
