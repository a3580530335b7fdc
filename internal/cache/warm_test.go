package cache

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/reflector"
	rt "github.com/kubelive/kubelive/internal/reflector/reflectortest"
	"github.com/kubelive/kubelive/internal/wire"
)

// fakeWarm is a Warm holding seeds in memory and recording Changed calls.
type fakeWarm struct {
	mu      sync.Mutex
	seeds   map[ListRef]seedData
	changed []func() ([]wire.Item, string)
}

type seedData struct {
	items []wire.Item
	rv    string
	at    time.Time
}

func (f *fakeWarm) Seed(_ Key, _ Query, ref ListRef) ([]wire.Item, string, time.Time, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.seeds[ref]
	return s.items, s.rv, s.at, ok
}

func (f *fakeWarm) Changed(_ Key, _ Query, _ ListRef, export func() ([]wire.Item, string)) {
	f.mu.Lock()
	f.changed = append(f.changed, export)
	f.mu.Unlock()
}

func (f *fakeWarm) lastExport() ([]wire.Item, string, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.changed) == 0 {
		return nil, "", 0
	}
	items, rv := f.changed[len(f.changed)-1]()
	return items, rv, len(f.changed)
}

func items(objs ...rt.Obj) []wire.Item {
	out := make([]wire.Item, len(objs))
	for i, o := range objs {
		out[i] = wire.Item{UID: o.UID, Namespace: o.Namespace, Name: o.Name, ResourceVersion: o.RV, Raw: []byte(o.JSON()), Owned: true}
	}
	return out
}

func warmHarness(t *testing.T, w *fakeWarm) *harness {
	return newHarness(t, func(c *Config) { c.Warm = w })
}

// seeded is a harness whose list c1/ns has a seed of objs at rv, and its query.
func seeded(t *testing.T, rv string, objs ...rt.Obj) (*harness, Query) {
	w := &fakeWarm{seeds: map[ListRef]seedData{{"c1", "ns"}: {items(objs...), rv, time.Now()}}}
	return warmHarness(t, w), query(ListRef{"c1", "ns"})
}

func TestWarmSeedIsTheFirstSnapshotStaleUntilConfirmed(t *testing.T) {
	t.Parallel()
	savedAt := time.Date(2025, 12, 31, 23, 0, 0, 0, time.UTC)
	w := &fakeWarm{seeds: map[ListRef]seedData{{"c1", "ns"}: {items(pod("ns", "b", "2"), pod("ns", "a", "1")), "10", savedAt}}}
	h := warmHarness(t, w)
	q := query(ListRef{"c1", "ns"})
	snap, rec, _ := h.subscribe(q)
	require.Equal(t, []string{"ns/a@c1", "ns/b@c1"}, names(snap.Items), "the seed, sorted, before any request")
	require.Len(t, snap.Lists, 1)
	assert.Equal(t, reflector.PhaseStale, snap.Lists[0].Phase)
	assert.True(t, snap.Lists[0].LastEvent.Equal(savedAt), "the age of the data is its save time")

	lw := h.lw("c1", "ns")
	wc := lw.NextWatch(t)
	assert.Equal(t, "10", wc.Opts.ResourceVersion, "the watch resumes from the persisted resourceVersion")
	assert.Zero(t, lw.Pending(), "and nothing is listed")
	wa := wc.Accept()
	e := h.entry(q)
	require.Eventually(t, func() bool {
		e.mu.Lock()
		defer e.mu.Unlock()
		return e.lists[0].refl.Status().Phase == reflector.PhaseLive
	}, rt.Deadline, time.Millisecond, "the watch never opened")
	h.sched.run()
	s := h.mustGet(q)
	assert.Equal(t, reflector.PhaseStale, s.Lists[0].Phase, "an open watch alone does not confirm the seed")

	wa.Modify(pod("ns", "a", "11"))
	h.settle(q, 0, "11")
	s = h.mustGet(q)
	assert.Equal(t, reflector.PhaseLive, s.Lists[0].Phase, "live once the server sent an event")
	assert.Same(t, snap.Items[1], s.Items[1], "an unchanged seeded object keeps its identity")
	assert.NotEmpty(t, rec.all())

	exported, rv, n := w.lastExport()
	require.NotZero(t, n, "the change is told to Warm")
	assert.Equal(t, "11", rv)
	assert.Len(t, exported, 2)
}

func TestWarmSeedConfirmedByABookmark(t *testing.T) {
	t.Parallel()
	h, q := seeded(t, "10", pod("ns", "a", "1"))
	h.subscribe(q)
	wa := h.lw("c1", "ns").NextWatch(t).Accept()
	wa.Bookmark("12")
	h.settle(q, 0, "12")
	h.phase(q, 0, reflector.PhaseLive)
	assert.Equal(t, reflector.PhaseLive, h.mustGet(q).Lists[0].Phase)
}

func TestWarmSeedExpiredRelistsByDiff(t *testing.T) {
	t.Parallel()
	h, q := seeded(t, "10", pod("ns", "a", "1"), pod("ns", "b", "2"), pod("ns", "c", "3"))
	before, rec, _ := h.subscribe(q)
	lw := h.lw("c1", "ns")
	lw.NextWatch(t).Accept().Error(410, "Expired")
	h.sched.run()
	assert.Equal(t, reflector.PhaseStale, h.mustGet(q).Lists[0].Phase, "a refused resume is not live")
	lc := lw.NextList(t)
	n := len(rec.all())
	lc.Reply(rt.ListBody("30", pod("ns", "a", "1"), pod("ns", "b", "25")))
	lw.NextWatch(t).Accept().Bookmark("31")
	h.settle(q, 0, "31")
	h.phase(q, 0, reflector.PhaseLive)
	after := h.mustGet(q)
	require.Equal(t, []string{"ns/a@c1", "ns/b@c1"}, names(after.Items))
	assert.Same(t, before.Items[0], after.Items[0], "unchanged a keeps its identity across the relist")
	assert.Equal(t, before.Items[1].Slot, after.Items[1].Slot)
	d := rec.all()[n]
	assert.Equal(t, []SlotID{before.Items[2].Slot}, d.Removed, "c, gone at the server, is removed")
}

func TestWarmErrorShowsAsError(t *testing.T) {
	t.Parallel()
	h, q := seeded(t, "10", pod("ns", "a", "1"))
	h.subscribe(q)
	h.lw("c1", "ns").NextWatch(t).Fail(rt.APIError(403, "Forbidden"))
	h.phase(q, 0, reflector.PhaseError)
	assert.Equal(t, reflector.PhaseError, h.mustGet(q).Lists[0].Phase)
}

func TestWithoutSeedAListStartsCold(t *testing.T) {
	t.Parallel()
	w := &fakeWarm{seeds: map[ListRef]seedData{}}
	h := warmHarness(t, w)
	q := query(ListRef{"c1", "ns"})
	snap, _, _ := h.subscribe(q)
	assert.Empty(t, snap.Items)
	assert.Equal(t, reflector.PhaseLoading, snap.Lists[0].Phase)
	live(t, h.lw("c1", "ns"), "5", pod("ns", "a", "1"))
	h.settle(q, 0, "5")
	exported, rv, n := w.lastExport()
	require.NotZero(t, n)
	assert.Equal(t, "5", rv)
	assert.Len(t, exported, 1)
}

// A list is exported in the entry's order (namespace, name), only its own
// objects, with those added since the last flush after them: the seed a
// later start reads is already sorted.
func TestWarmExportIsSorted(t *testing.T) {
	t.Parallel()
	h := warmHarness(t, &fakeWarm{})
	q := query(ListRef{"c1", "ns"}, ListRef{"c2", "ns"})
	h.subscribe(q)
	var objs []rt.Obj
	var want []string
	for i := 29; i >= 0; i-- {
		objs = append(objs, pod("ns", fmt.Sprintf("p%02d", i), "1"))
		want = append([]string{fmt.Sprintf("p%02d", i)}, want...)
	}
	w1 := live(t, h.lw("c1", "ns"), "10", objs...)
	live(t, h.lw("c2", "ns"), "20", pod("ns", "p15", "1"), pod("ns", "a", "2"))
	h.settle(q, 0, "10")
	h.settle(q, 1, "20")
	w1.Add(pod("ns", "aaa", "11")) // not flushed yet
	e := h.received(q, 0, "11")
	items, rv := e.lists[0].export()
	assert.Equal(t, "11", rv)
	got := []string{}
	for _, it := range items {
		got = append(got, it.Name)
	}
	assert.Equal(t, append(want, "aaa"), got)
}
