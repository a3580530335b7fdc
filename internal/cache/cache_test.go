package cache

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/reflector"
	rt "github.com/kubelive/kubelive/internal/reflector/reflectortest"
	"github.com/kubelive/kubelive/internal/transport"
)

func TestKeyIsCanonical(t *testing.T) {
	t.Parallel()
	base := Query{Endpoint: pods, Lists: []ListRef{{"c1", "a"}, {"c2", "b"}},
		Params: []Param{{"labelSelector", "app=web"}, {"fieldSelector", "status.phase=Running"}}}
	cases := []struct {
		name string
		q    Query
		same bool
	}{
		{"lists in another order", Query{Endpoint: pods, Lists: []ListRef{{"c2", "b"}, {"c1", "a"}},
			Params: base.Params}, true},
		{"params in another order, a duplicate list, reflector params", Query{Endpoint: pods,
			Lists:  []ListRef{{"c2", "b"}, {"c1", "a"}, {"c2", "b"}},
			Params: []Param{{"resourceVersion", "99"}, {"fieldSelector", "status.phase=Running"}, {"watch", "1"}, {"labelSelector", "app=web"}}}, true},
		{"another selector", Query{Endpoint: pods, Lists: base.Lists, Params: []Param{{"labelSelector", "app=db"}}}, false},
		{"another cluster", Query{Endpoint: pods, Lists: []ListRef{{"c1", "a"}, {"c3", "b"}}, Params: base.Params}, false},
		{"ambiguous concatenation", Query{Endpoint: pods, Lists: []ListRef{{"c1a", ""}, {"c2", "b"}}, Params: base.Params}, false},
		{"another group", Query{Endpoint: Endpoint{Group: "metrics.k8s.io", Version: "v1", Resource: "pods"}, Lists: base.Lists, Params: base.Params}, false},
	}
	want, err := base.Key()
	require.NoError(t, err)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := tc.q.Key()
			require.NoError(t, err)
			assert.Equal(t, tc.same, got == want, "%s vs %s", got, want)
		})
	}
	all, _ := Query{Endpoint: pods, Lists: []ListRef{{"c1", "a"}, {"c1", ""}}}.Key()
	onlyAll, _ := Query{Endpoint: pods, Lists: []ListRef{{"c1", ""}}}.Key()
	assert.Equal(t, onlyAll, all, "an all-namespaces list absorbs the cluster's namespaced ones")
	_, err = Query{Endpoint: pods}.Key()
	assert.ErrorIs(t, err, ErrNoLists)
}

func TestListThenEvents(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	q := query(ListRef{"c1", ""})
	snap, rec, _ := h.subscribe(q)
	assert.Equal(t, uint64(0), snap.Version)
	assert.Empty(t, snap.Items)
	assert.Equal(t, reflector.PhaseLoading, snap.Lists[0].Phase)

	w := live(t, h.lw("c1", ""), "10", pod("b", "x", "1"), pod("a", "z", "2"), pod("a", "y", "3"))
	h.phase(q, 0, reflector.PhaseLive)
	d := rec.all()[len(rec.all())-1]
	s1, _ := h.c.Get(d.Key)
	assert.Equal(t, []string{"a/y@c1", "a/z@c1", "b/x@c1"}, names(s1.Items), "ordered by namespace, then name")
	assert.Equal(t, d.Order, []SlotID{s1.Items[0].Slot, s1.Items[1].Slot, s1.Items[2].Slot})
	assert.Equal(t, "10", s1.Lists[0].ResourceVersion)

	cases := []struct {
		name    string
		push    func()
		rv      string
		changed []string
		removed int
		order   bool
	}{
		{"modified", func() { w.Modify(pod("a", "y", "11")) }, "11", []string{"a/y@c1"}, 0, false},
		{"added", func() { w.Add(pod("a", "a", "12")) }, "12", []string{"a/a@c1"}, 0, true},
		{"deleted", func() { w.Delete(pod("b", "x", "13")) }, "13", []string{}, 1, true},
		{"opaque rv", func() { w.Modify(pod("a", "z", "etcd/Qx==")) }, "etcd/Qx==", []string{"a/z@c1"}, 0, false},
	}
	for _, tc := range cases { // sequential: each step builds on the last
		before := len(rec.all())
		tc.push()
		h.settle(q, 0, tc.rv)
		ds := rec.all()[before:]
		require.Len(t, ds, 1, tc.name)
		assert.Equal(t, tc.changed, names(ds[0].Changed), tc.name)
		assert.Len(t, ds[0].Removed, tc.removed, tc.name)
		assert.Equal(t, tc.order, ds[0].Order != nil || ds[0].Splices != nil, tc.name)
		assert.Equal(t, ds[0].From+1, ds[0].Version, tc.name)
	}

	// A duplicate (same uid and resourceVersion) changes nothing.
	before, v := len(rec.all()), h.mustGet(q).Version
	w.Modify(pod("a", "z", "etcd/Qx=="))
	w.Bookmark("20")
	h.settle(q, 0, "20")
	for _, d := range rec.all()[before:] {
		assert.Empty(t, d.Changed, "a duplicate is not a change")
	}
	assert.LessOrEqual(t, h.mustGet(q).Version, v+1)
}

func (h *harness) mustGet(q Query) *Snapshot {
	key, _ := q.Key()
	s, ok := h.c.Get(key)
	require.True(h.t, ok)
	return s
}

func TestCoalescing(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	q := query(ListRef{"c1", "ns"})
	_, rec, _ := h.subscribe(q)
	w := live(t, h.lw("c1", "ns"), "10", pod("ns", "keep", "1"), pod("ns", "gone", "2"), pod("ns", "mod", "3"))
	h.phase(q, 0, reflector.PhaseLive)
	start := len(rec.all())
	w.Push(
		rt.Event("MODIFIED", pod("ns", "mod", "11")),
		rt.Event("ADDED", pod("ns", "new", "12")),
		rt.Event("MODIFIED", pod("ns", "mod", "13")),
		rt.Event("DELETED", pod("ns", "gone", "14")),
		rt.Event("ADDED", pod("ns", "brief", "15")),
		rt.Event("DELETED", pod("ns", "brief", "16")),
		rt.Event("DELETED", pod("ns", "keep", "17")),
		rt.Event("MODIFIED", pod("ns", "keep", "18")), // a delete dominates
	)
	h.settle(q, 0, "18")
	ds := rec.all()[start:]
	require.Len(t, ds, 1, "one notification per flush")
	d := ds[0]
	assert.ElementsMatch(t, []string{"ns/mod@c1", "ns/new@c1"}, names(d.Changed))
	for _, it := range d.Changed {
		if it.Name == "mod" {
			assert.Equal(t, "13", it.ResourceVersion, "the last state wins")
		}
	}
	assert.Len(t, d.Removed, 2)
	assert.Equal(t, []string{"ns/mod@c1", "ns/new@c1"}, names(h.mustGet(q).Items))
}

func TestRelistByDiffKeepsIdentity(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		relistFails bool
	}{{"410 then relist", false}, {"410 on the relist too", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, nil)
			q := query(ListRef{"c1", "ns"})
			_, rec, _ := h.subscribe(q)
			lw := h.lw("c1", "ns")
			w := live(t, lw, "10", pod("ns", "a", "1"), pod("ns", "b", "2"), pod("ns", "c", "3"))
			h.phase(q, 0, reflector.PhaseLive)
			before := h.mustGet(q)
			w.Error(410, "Expired")
			lc := lw.NextList(t)
			assert.Equal(t, "10", lc.Opts.ResourceVersion, "relist at the last RV")
			if tc.relistFails {
				lc.Fail(rt.APIError(410, "Expired"))
				lc = lw.NextList(t)
				assert.Empty(t, lc.Opts.ResourceVersion, "then with the RV unset")
			}
			n := len(rec.all())
			lc.Reply(rt.ListBody("30", pod("ns", "a", "1"), pod("ns", "b", "25"), pod("ns", "d", "26")))
			assert.Equal(t, "30", lw.NextWatch(t).Opts.ResourceVersion, "watch from the new list RV")
			h.settle(q, 0, "30")
			after := h.mustGet(q)
			require.Equal(t, []string{"ns/a@c1", "ns/b@c1", "ns/d@c1"}, names(after.Items))
			assert.Same(t, before.Items[0], after.Items[0], "unchanged a keeps its identity")
			assert.Equal(t, before.Items[1].Slot, after.Items[1].Slot, "changed b keeps its slot")
			assert.NotSame(t, before.Items[1], after.Items[1])
			d := rec.all()[n]
			assert.ElementsMatch(t, []string{"ns/b@c1", "ns/d@c1"}, names(d.Changed))
			assert.Equal(t, []SlotID{before.Items[2].Slot}, d.Removed)
		})
	}
}

func TestMultiClusterMerge(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	q := query(ListRef{"c2", "web"}, ListRef{"c1", "web"}, ListRef{"c1", "db"})
	snap, _, _ := h.subscribe(q)
	require.Len(t, snap.Lists, 3)
	assert.Equal(t, []ListRef{{"c1", "db"}, {"c1", "web"}, {"c2", "web"}},
		[]ListRef{snap.Lists[0].ListRef, snap.Lists[1].ListRef, snap.Lists[2].ListRef}, "lists in key order")
	live(t, h.lw("c2", "web"), "7", pod("web", "b", "1"), pod("web", "a", "2"))
	live(t, h.lw("c1", "web"), "100", pod("web", "a", "5"))
	h.lw("c1", "db").NextList(t).Fail(rt.APIError(404, "NotFound"))
	h.phase(q, 0, reflector.PhaseError)
	h.phase(q, 2, reflector.PhaseLive)
	h.phase(q, 1, reflector.PhaseLive)
	s := h.mustGet(q)
	assert.Equal(t, []string{"web/a@c1", "web/a@c2", "web/b@c2"}, names(s.Items), "namespace, name, then cluster")
	assert.Equal(t, reflector.PhaseError, s.Lists[0].Phase)
	assert.True(t, reflector.Permanent(s.Lists[0].Err))
	assert.Equal(t, "100", s.Lists[1].ResourceVersion)
	assert.Equal(t, "7", s.Lists[2].ResourceVersion)
}

func TestOverflowResyncs(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) { c.MaxPending = 3 })
	q := query(ListRef{"c1", "ns"})
	_, rec, _ := h.subscribe(q)
	w := live(t, h.lw("c1", "ns"), "1", pod("ns", "a", "1"))
	h.phase(q, 0, reflector.PhaseLive)
	n := len(rec.all())
	var frames [][]byte
	for i, name := range []string{"b", "c", "d", "e", "f"} {
		frames = append(frames, rt.Event("ADDED", pod("ns", name, string(rune('2'+i)))))
	}
	frames = append(frames, rt.Event("DELETED", pod("ns", "a", "9")))
	w.Push(frames...)
	h.settle(q, 0, "9")
	ds := rec.all()[n:]
	require.Len(t, ds, 1)
	assert.Len(t, ds[0].Changed, 5, "nothing is lost past the bound")
	assert.Len(t, ds[0].Removed, 1)
	assert.Equal(t, []string{"ns/b@c1", "ns/c@c1", "ns/d@c1", "ns/e@c1", "ns/f@c1"}, names(h.mustGet(q).Items))
	assert.Equal(t, 1, h.c.Stats().Resyncs)
}

func TestListenersIsolated(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	q := query(ListRef{"c1", "ns"})
	_, _, err := h.c.Subscribe(q, func(*Delta) { panic("boom") })
	require.NoError(t, err)
	_, rec, unsub := h.subscribe(q)
	live(t, h.lw("c1", "ns"), "1", pod("ns", "a", "1"))
	h.phase(q, 0, reflector.PhaseLive)
	assert.NotEmpty(t, rec.all(), "the other listener still runs")
	assert.Equal(t, "boom", <-h.panics)
	unsub()
	unsub() // idempotent
	assert.Equal(t, 1, h.entry(q).subscribers)
}

func TestWatchObjectDeleted(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	q := Query{Endpoint: pods, Lists: []ListRef{{"c1", "ns"}}, Name: "web"}
	_, _, err := h.c.WatchObject(Query{Endpoint: pods, Lists: []ListRef{{"c1", "a"}, {"c1", "b"}}, Name: "x"}, nil)
	assert.ErrorIs(t, err, ErrObjectQuery)
	_, _, _ = h.subscribe(q)
	lw := h.lw("c1", "ns")
	lc := lw.NextList(t)
	assert.Equal(t, "web", lc.Opts.Name)
	lc.Reply([]byte(pod("ns", "web", "5").JSON()))
	wc := lw.NextWatch(t)
	assert.Equal(t, "metadata.name=web", wc.Opts.FieldSelector)
	assert.Equal(t, "5", wc.Opts.ResourceVersion)
	w := wc.Accept()
	h.settle(q, 0, "5")
	require.NotNil(t, h.mustGet(q).Object())
	w.Delete(pod("ns", "web", "6"))
	h.settle(q, 0, "6")
	s := h.mustGet(q)
	assert.Nil(t, s.Object(), "DELETED makes it nil")
	assert.True(t, s.Lists[0].Deleted)
	assert.NoError(t, s.Lists[0].Err, "never an error object")
	assert.Equal(t, reflector.PhaseLive, s.Lists[0].Phase)
}

func TestReconnectResumes(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	q := query(ListRef{"c1", "ns"})
	h.subscribe(q)
	lw := h.lw("c1", "ns")
	w := live(t, lw, "1")
	w.Add(pod("ns", "a", "2"))
	w.Bookmark("3")
	w.End(&transport.CloseError{Code: transport.CloseNormal})
	assert.Equal(t, "3", lw.NextWatch(t).Opts.ResourceVersion)
	assert.Zero(t, lw.Pending())
}

func TestStaleAt(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		st   reflector.Status
		want time.Time
	}{
		{"after the last event", reflector.Status{Phase: reflector.PhaseLive, Since: t0, LastEvent: t0.Add(time.Minute)}, t0.Add(6 * time.Minute)},
		{"live recently, no event yet: the resume confirmed it", reflector.Status{Phase: reflector.PhaseLive, Since: t0.Add(time.Minute), LastEvent: t0}, t0.Add(6 * time.Minute)},
		{"not live: never stale", reflector.Status{Phase: reflector.PhaseReconnecting, Since: t0}, time.Time{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, staleAt(tc.st, 5*time.Minute))
		})
	}
}

// A paged first list shows its first page at the next flush, loading and
// with no resume point (never live, never persisted); the last page's
// flush adds the rest and keeps the first page's objects as they were.
func TestFirstPageIsShownLoading(t *testing.T) {
	t.Parallel()
	w := &fakeWarm{}
	h := newHarness(t, func(c *Config) { c.PageSize = 2; c.Warm = w })
	q := query(ListRef{"c1", "ns"})
	_, rec, _ := h.subscribe(q)
	lw := h.lw("c1", "ns")
	lw.NextList(t).Reply(rt.PageBody("9", "tok", pod("ns", "b", "2"), pod("ns", "a", "1")))
	lc2 := lw.NextList(t)
	e := h.entry(q)
	require.Eventually(t, func() bool {
		e.mu.Lock()
		defer e.mu.Unlock()
		return len(e.lists[0].recs) == 2
	}, rt.Deadline, time.Millisecond, "the first page never reached the cache")
	h.sched.run()
	ds := rec.all()
	require.NotEmpty(t, ds)
	first := ds[len(ds)-1]
	assert.Equal(t, []string{"ns/a@c1", "ns/b@c1"}, names(snapOf(e).Items), "the first page, sorted")
	require.Len(t, first.Lists, 1)
	assert.Equal(t, reflector.PhaseLoading, first.Lists[0].Phase, "a partial list is not live")
	assert.Empty(t, first.Lists[0].ResourceVersion, "nor resumable")
	_, _, n := w.lastExport()
	assert.Zero(t, n, "a partial list is never persisted")
	byName := map[string]*Item{}
	for _, it := range snapOf(e).Items {
		byName[it.Name] = it
	}

	lc2.Reply(rt.ListBody("9", pod("ns", "c", "3")))
	h.settle(q, 0, "9")
	snap := snapOf(e)
	assert.Equal(t, []string{"ns/a@c1", "ns/b@c1", "ns/c@c1"}, names(snap.Items))
	last := rec.all()[len(rec.all())-1]
	assert.Equal(t, []string{"ns/c@c1"}, names(last.Changed), "only the later page's objects are new")
	assert.Same(t, byName["a"], snap.Items[0], "the first page's objects keep their identity")
	assert.Equal(t, reflector.PhaseLoading, last.Lists[0].Phase, "listed, no watch open yet")
	items, rv, _ := w.lastExport()
	assert.Equal(t, "9", rv)
	assert.Len(t, items, 3, "the complete list is what is persisted")

	wc := lw.NextWatch(t)
	assert.Equal(t, "9", wc.Opts.ResourceVersion)
	wc.Accept().Bookmark("9")
	h.phase(q, 0, reflector.PhaseLive)
}

// A list that holds a resume point ignores a partial page: only Replace
// changes a complete list.
func TestPartialIgnoredByACompleteList(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	q := query(ListRef{"c1", "ns"})
	h.subscribe(q)
	live(t, h.lw("c1", "ns"), "10", pod("ns", "a", "1"))
	h.settle(q, 0, "10")
	e := h.entry(q)
	e.mu.Lock()
	gen := e.lists[0].gen
	e.mu.Unlock()
	store{l: e.lists[0], gen: gen}.Partial(items(pod("ns", "z", "5")))
	h.sched.run()
	assert.Equal(t, []string{"ns/a@c1"}, names(snapOf(e).Items))
}

// snapOf is the entry's snapshot at its current version.
func snapOf(e *entry) *Snapshot {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.snapshot()
}

// Committed reads the items of the last flush by slot: at the positions
// given when they are right, by a walk of the order when not, and never an
// event that no flush has committed yet.
func TestCommittedReadsTheLastFlushBySlot(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	q := query(ListRef{"c1", "ns"})
	h.subscribe(q)
	w := live(t, h.lw("c1", "ns"), "10", pod("ns", "a", "1"), pod("ns", "b", "2"), pod("ns", "c", "3"))
	h.phase(q, 0, reflector.PhaseLive)
	key, err := q.Key()
	require.NoError(t, err)
	snap := h.mustGet(q)
	require.Len(t, snap.Items, 3)
	a, b, c := snap.Items[0], snap.Items[1], snap.Items[2]

	cases := []struct {
		name  string
		slots []SlotID
		pos   []uint32
		want  []*Item
		err   string
	}{
		{"at their positions", []SlotID{c.Slot, a.Slot}, []uint32{2, 0}, []*Item{c, a}, ""},
		{"positions wrong or missing: found by the walk", []SlotID{a.Slot, b.Slot, c.Slot}, []uint32{2, 7}, []*Item{a, b, c}, ""},
		{"one slot twice", []SlotID{b.Slot, b.Slot}, nil, []*Item{b, b}, ""},
		{"none", nil, nil, nil, ""},
		{"a slot no flush holds", []SlotID{a.Slot, 99}, []uint32{0, 0}, nil, "1 of the 2 objects asked for are not in the last flush"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			keep := []*Item{c}
			got, err := h.c.Committed(keep, key, tc.slots, tc.pos)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				assert.Equal(t, []*Item{c}, got, "nothing of a failed call is appended")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, append([]*Item{c}, tc.want...), got, "appended after what dst held")
		})
	}

	// An event not flushed yet is not read; once flushed, it is.
	w.Modify(pod("ns", "b", "11"))
	h.received(q, 0, "11")
	got, err := h.c.Committed(nil, key, []SlotID{b.Slot}, []uint32{1})
	require.NoError(t, err)
	assert.Same(t, b, got[0], "the state before the flush")
	h.sched.run()
	got, err = h.c.Committed(nil, key, []SlotID{b.Slot}, []uint32{1})
	require.NoError(t, err)
	assert.Equal(t, "11", got[0].ResourceVersion, "the flushed state")

	_, err = h.c.Committed(nil, "no such key", []SlotID{a.Slot}, nil)
	assert.ErrorContains(t, err, "no data for")
}
