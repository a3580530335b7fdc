package cache

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/reflector"
	rt "github.com/kubelive/kubelive/internal/reflector/reflectortest"
)

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
