//go:build js && wasm

package bridge

import (
	_ "embed"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hack-pad/safejs"

	"github.com/kubelive/kubelive/internal/cache"
	"github.com/kubelive/kubelive/internal/jsonw"
	"github.com/kubelive/kubelive/internal/live"
	liveview "github.com/kubelive/kubelive/internal/view"
)

// viewsJS is the JS half of the views (mirrors of the window, rows reused
// by slot), evaluated with the shim.
//
//go:embed views.js
var viewsJS string

// liveViews are the bridge's live views: one liveview.Group per cache entry,
// fed by one cache subscription (the same entry, LIST and watch a
// watchList of the query uses), and one watcher per watchView call.
// Invariant (guarded by mu): a group is in groups exactly while it has a
// watcher, and then holds its cache subscription.
type liveViews struct {
	mu       sync.Mutex
	groups   map[cache.Key]*viewGroup
	watchers map[uint64]*viewWatcher
	next     uint64
}

// viewGroup is the views of one cache entry. Its mu serialises the Group
// and every crossing that hands a snapshot to a JS mirror, so that each
// mirror takes its snapshots in the order its cursor made them. No JS
// callback runs under it (listeners run after, from viewsNotify).
type viewGroup struct {
	key   cache.Key
	mu    sync.Mutex
	g     *liveview.Group
	unsub func()
	// watchers of the group, guarded by liveViews.mu.
	watchers map[uint64]*viewWatcher
}

// viewWatcher is one watchView: its reader of a view and its JS mirror
// (shim.views: the window's rows, reused by slot, and the listener).
type viewWatcher struct {
	id  uint64
	grp *viewGroup
	h   *liveview.Handle
	key string // its view key (viewKey)
	js  safejs.Value
}

// viewJob is watchView and its companions: live views over the cache
// entries that lists use (queries are read as lists read them).
type viewJob struct {
	caller
	deps  Deps
	lists *listJob
	live  liveViews
}

func newViewJob(c caller, d Deps, lists *listJob) *viewJob {
	return &viewJob{caller: c, deps: d, lists: lists,
		live: liveViews{groups: map[cache.Key]*viewGroup{}, watchers: map[uint64]*viewWatcher{}}}
}

func (b *viewJob) methods() map[string]method {
	return map[string]method{
		"watchView":   b.watchView,
		"updateView":  b.updateView,
		"unwatchView": b.unwatchView,
		"getView":     b.getView,
		"viewKey":     b.viewKeyOf,
		"getObject":   b.getObject,
	}
}

func (b *viewJob) viewState() *liveViews { return &b.live }

// counts reports the live views: the cache entries that have views
// (groups), the distinct views over them (readers of one spec with other
// windows share one), and the watchView calls reading them.
func (lv *liveViews) counts() viewsJSON {
	lv.mu.Lock()
	groups := make([]*viewGroup, 0, len(lv.groups))
	for _, g := range lv.groups {
		groups = append(groups, g)
	}
	out := viewsJSON{Groups: len(lv.groups), Watchers: len(lv.watchers)}
	lv.mu.Unlock()
	for _, g := range groups {
		g.mu.Lock()
		if g.g != nil {
			n, _ := g.g.Views()
			out.Views += n
		}
		g.mu.Unlock()
	}
	return out
}

// viewQuery reads a view query: its watchList part, its view part
// (decoded by liveview.ParseSpec from one JSON string) and its key.
func (b *viewJob) viewQuery(o safejs.Value) (cache.Query, liveview.Spec, string, error) {
	q, err := b.lists.queryOf(o, false)
	if err != nil {
		return q, liveview.Spec{}, "", err
	}
	lk, err := q.Key()
	if err != nil {
		return q, liveview.Spec{}, "", err
	}
	text, err := stringify(o)
	if err != nil {
		return q, liveview.Spec{}, "", err
	}
	spec, err := liveview.ParseSpec(text)
	if err != nil {
		return q, liveview.Spec{}, "", err
	}
	return q, spec, viewKey(lk, spec), nil
}

// viewKey is the canonical key of a view query: its list key, its view
// spec and its window, as one JSON array.
func viewKey(lk cache.Key, s liveview.Spec) string {
	b := jsonw.String(append([]byte(nil), '['), string(lk))
	b = append(append(append(b, ','), liveview.SpecKey(s)...), ',')
	return string(append(s.Window.AppendJSON(b), ']'))
}

func stringify(o safejs.Value) (string, error) {
	j, err := safejs.Global().Get("JSON")
	if err != nil {
		return "", err
	}
	s, err := j.Call("stringify", o)
	if err != nil {
		return "", errors.New("the query is not serialisable as JSON")
	}
	return s.String()
}

// watchView(query, onChange) -> id (0 when the query was refused; its
// onError says why). onChange(snapshot) runs on a frame, at most once per
// flush of the cache, and only when the window, the counts or the status
// changed.
func (b *viewJob) watchView(args []safejs.Value) any {
	if len(args) < 2 || args[1].Type() != safejs.TypeFunction {
		return 0
	}
	onError := fn(args[0], "onError")
	q, spec, key, err := b.viewQuery(args[0])
	if err != nil {
		b.report(onError, fmt.Errorf("watchView: %w", err))
		return 0
	}
	lk, _ := q.Key()
	mirror, err := b.shim.Call("viewsMirror", key, args[1])
	if err != nil {
		b.report(onError, fmt.Errorf("watchView: %w", err))
		return 0
	}
	lv := b.viewState()
	lv.mu.Lock()
	grp := lv.groups[lk]
	if grp == nil {
		grp = &viewGroup{key: lk, watchers: map[uint64]*viewWatcher{}}
		grp.mu.Lock()
		snap, unsub, err := b.deps.Cache.Subscribe(q, func(d *cache.Delta) { b.applyViews(grp, d) })
		if err != nil {
			grp.mu.Unlock()
			lv.mu.Unlock()
			b.report(onError, fmt.Errorf("watchView: %w", err))
			return 0
		}
		grp.g, grp.unsub = liveview.NewGroup(snap), unsub
		grp.mu.Unlock()
		lv.groups[lk] = grp
	}
	grp.mu.Lock()
	h, err := grp.g.Open(spec)
	if err != nil { // ParseSpec checked the spec: not expected
		grp.mu.Unlock()
		lv.mu.Unlock()
		b.report(onError, fmt.Errorf("watchView: %w", err))
		return 0
	}
	lv.next++
	w := &viewWatcher{id: lv.next, grp: grp, h: h, key: key, js: mirror}
	grp.watchers[w.id], lv.watchers[w.id] = w, w
	lv.mu.Unlock()
	b.sendView(w)
	grp.mu.Unlock()
	b.deps.Frames.Schedule(func() { _, _ = b.shim.Call("viewsNotify", mirror) })
	return float64(w.id)
}

// sendView hands the watcher's snapshot to its mirror when it changed.
// Caller holds w.grp.mu.
func (b *viewJob) sendView(w *viewWatcher) bool {
	s := w.h.Snapshot()
	if s.Same() {
		return false
	}
	text := s.AppendJSON(nil, func(err error) any { return live.Describe(err) })
	_, err := b.shim.Call("viewsApply", w.js, string(text), live.MetaJSON(s.Lists, s.Version, time.Time{}))
	return err == nil
}

// applyViews moves a group by one cache Delta and notifies the watchers
// whose window, counts or status changed.
func (b *viewJob) applyViews(grp *viewGroup, d *cache.Delta) {
	lv := b.viewState()
	lv.mu.Lock()
	ws := make([]*viewWatcher, 0, len(grp.watchers))
	for _, w := range grp.watchers {
		ws = append(ws, w)
	}
	lv.mu.Unlock()
	grp.mu.Lock()
	if grp.g == nil {
		grp.mu.Unlock()
		return
	}
	grp.g.Apply(d)
	changed := ws[:0]
	for _, w := range ws {
		if b.sendView(w) {
			changed = append(changed, w)
		}
	}
	grp.mu.Unlock()
	for _, w := range changed {
		_, _ = b.shim.Call("viewsNotify", w.js)
	}
}

// updateView(id, query) -> "" or why the query was refused: a new where,
// sort, window, columns or countBy for a live view, evaluated from the
// objects it holds (no new LIST or watch). The lists and endpoint must stay
// the same.
func (b *viewJob) updateView(args []safejs.Value) any {
	if len(args) < 2 {
		return "updateView: (id, query) expected"
	}
	id, err := args[0].Float()
	if err != nil {
		return "updateView: the id is not a number"
	}
	lv := b.viewState()
	lv.mu.Lock()
	w := lv.watchers[uint64(id)]
	lv.mu.Unlock()
	if w == nil {
		return "updateView: the view is not watched any more"
	}
	q, spec, key, err := b.viewQuery(args[1])
	if err != nil {
		return fmt.Sprintf("updateView: %v", err)
	}
	if lk, _ := q.Key(); lk != w.grp.key {
		return "updateView: the lists or the endpoint changed: watch a new view for them"
	}
	w.grp.mu.Lock()
	if err := w.h.Update(spec); err != nil {
		w.grp.mu.Unlock()
		return fmt.Sprintf("updateView: %v", err)
	}
	w.key = key
	_, _ = b.shim.Call("viewsRekey", w.js, key)
	b.sendView(w)
	w.grp.mu.Unlock()
	b.deps.Frames.Schedule(func() { _, _ = b.shim.Call("viewsNotify", w.js) })
	return ""
}

// unwatchView(id): idempotent. The last watcher of a group ends its cache
// subscription (the cache keeps the data for gcTime, as for watchList).
func (b *viewJob) unwatchView(args []safejs.Value) any {
	if len(args) == 0 {
		return nil
	}
	id, err := args[0].Float()
	if err != nil {
		return nil
	}
	lv := b.viewState()
	lv.mu.Lock()
	w := lv.watchers[uint64(id)]
	if w == nil {
		lv.mu.Unlock()
		return nil
	}
	delete(lv.watchers, w.id)
	delete(w.grp.watchers, w.id)
	var unsub func()
	if len(w.grp.watchers) == 0 {
		delete(lv.groups, w.grp.key)
		unsub = w.grp.unsub
	}
	lv.mu.Unlock()
	w.grp.mu.Lock()
	w.h.Close()
	if unsub != nil {
		w.grp.g = nil // a Delta still in flight finds no group
	}
	w.grp.mu.Unlock()
	_, _ = b.shim.Call("viewsClose", w.js)
	if unsub != nil {
		unsub()
	}
	return nil
}

// getView(key) -> the last snapshot of a watched view of that key, or null.
func (b *viewJob) getView(args []safejs.Value) any {
	if len(args) == 0 {
		return nil
	}
	key, err := args[0].String()
	if err != nil {
		return nil
	}
	lv := b.viewState()
	lv.mu.Lock()
	defer lv.mu.Unlock()
	for _, w := range lv.watchers {
		if w.key == key {
			if snap, err := w.js.Get("snap"); err == nil {
				return snap
			}
		}
	}
	return nil
}

// viewKeyOf(query) -> the canonical key of a view query ("" if invalid).
func (b *viewJob) viewKeyOf(args []safejs.Value) any {
	if len(args) == 0 {
		return ""
	}
	_, _, key, err := b.viewQuery(args[0])
	if err != nil {
		return ""
	}
	return key
}

// getObject(id, cluster, uid) -> the whole object of a watched view,
// parsed in JS only now, or null.
func (b *viewJob) getObject(args []safejs.Value) any {
	if len(args) < 3 {
		return nil
	}
	id, err := args[0].Float()
	if err != nil {
		return nil
	}
	cluster, _ := args[1].String()
	uid, _ := args[2].String()
	lv := b.viewState()
	lv.mu.Lock()
	w := lv.watchers[uint64(id)]
	lv.mu.Unlock()
	if w == nil {
		return nil
	}
	w.grp.mu.Lock()
	var it *cache.Item
	if w.grp.g != nil {
		it = w.grp.g.Object(cluster, uid)
	}
	w.grp.mu.Unlock()
	if it == nil {
		return nil
	}
	obj, err := b.shim.Call("viewsObject", string(it.JSON()), it.Cluster)
	if err != nil {
		return nil
	}
	return obj
}
