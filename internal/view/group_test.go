package view

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/cache"
)

// TestGroup opens readers of views of one entry: readers of one spec share
// a view whatever their windows, a new spec is derived from a live view,
// every view moves with each Delta, and the last reader drops a view.
func TestGroup(t *testing.T) {
	t.Parallel()
	f := newFeed(t)
	slots := map[string]cache.SlotID{}
	for i := range 10 {
		n := fmt.Sprintf("p%d", i)
		slots[n] = f.add(pod{ns: "ns", name: n, phase: []string{"Running", "Pending"}[i%2], restarts: []int{i}})
	}
	g := NewGroup(f.snapshot())
	q := func(text string, off int) Spec {
		return spec(t, fmt.Sprintf(`{"where":{"text":%q},"sort":[{"by":"r","desc":true}],"window":{"offset":%d,"limit":3},"columns":{"r":"status.containerStatuses[*].restartCount|sum"}}`, text, off))
	}
	top, err := g.Open(q("", 0))
	require.NoError(t, err)
	next, err := g.Open(q("", 3))
	require.NoError(t, err)
	views, handles := g.Views()
	assert.Equal(t, []int{1, 2}, []int{views, handles}, "two windows share one view")
	assert.Equal(t, []string{"ns/p9", "ns/p8", "ns/p7"}, names(top.Snapshot()))
	assert.Equal(t, []string{"ns/p6", "ns/p5", "ns/p4"}, names(next.Snapshot()))

	// A new filter is derived from the live view; it must equal a view made from scratch.
	narrow, err := g.Open(q("p1", 0))
	require.NoError(t, err)
	fresh := newView(t, `{"where":{"text":"p1"},"sort":[{"by":"r","desc":true}],"window":{"limit":3},"columns":{"r":"status.containerStatuses[*].restartCount|sum"}}`)
	fresh.Reset(f.snapshot())
	assert.Equal(t, names(fresh.Snapshot()), names(narrow.Snapshot()))
	assert.Equal(t, []string{"ns/p1"}, names(narrow.Snapshot()))

	// A view with other expressions reads the raw JSON again.
	byPhase, err := g.Open(spec(t, `{"where":{"fields":{"status.phase":"Pending"}},"window":{"limit":2}}`))
	require.NoError(t, err)
	assert.Equal(t, []string{"ns/p1", "ns/p3"}, names(byPhase.Snapshot()))

	// Every view moves with a Delta.
	f.set(slots["p0"], pod{ns: "ns", name: "p0", phase: "Pending", restarts: []int{100}})
	f.remove(slots["p1"])
	g.Apply(f.delta())
	s := top.Snapshot()
	assert.Equal(t, []string{"ns/p0", "ns/p9", "ns/p8"}, names(s))
	assert.Equal(t, []bool{true, false, false}, []bool{s.Rows[0].Fresh, s.Rows[1].Fresh, s.Rows[2].Fresh})
	assert.Equal(t, []string{"ns/p7", "ns/p6", "ns/p5"}, names(next.Snapshot()))
	assert.Empty(t, names(narrow.Snapshot()))
	assert.Equal(t, []string{"ns/p0", "ns/p3"}, names(byPhase.Snapshot()))
	assert.True(t, top.Snapshot().Same(), "nothing changed since the last snapshot")
	assert.Same(t, f.items[slots["p0"]], g.Object("", "uid-"+fmt.Sprint(slots["p0"])))
	assert.Nil(t, g.Object("", "uid-"+fmt.Sprint(slots["p1"])), "a removed object is gone")

	// Closing: idempotent; the last reader of a view drops it; the group reports when it is empty.
	assert.False(t, top.Close())
	assert.False(t, top.Close())
	views, handles = g.Views()
	assert.Equal(t, []int{3, 3}, []int{views, handles})
	assert.False(t, next.Close())
	assert.False(t, narrow.Close())
	views, _ = g.Views()
	assert.Equal(t, 1, views)
	assert.True(t, byPhase.Close())

	// With no view left, a new one is made from the objects the group holds.
	again, err := g.Open(q("", 0))
	require.NoError(t, err)
	assert.Equal(t, []string{"ns/p0", "ns/p9", "ns/p8"}, names(again.Snapshot()))

	_, err = g.Open(Spec{Where: Where{LabelSelector: "a in ("}})
	assert.ErrorIs(t, err, ErrQuery)
}

// TestHandleUpdate changes a reader's spec: its window alone, its filter in
// place when it is alone on its view, or by moving to another view when it
// shares its view; the other readers see no change.
func TestHandleUpdate(t *testing.T) {
	t.Parallel()
	f := newFeed(t)
	for i := range 6 {
		f.add(pod{ns: "ns", name: fmt.Sprintf("p%d", i), restarts: []int{i}})
	}
	g := NewGroup(f.snapshot())
	q := func(text string, off int) Spec {
		return spec(t, fmt.Sprintf(`{"where":{"text":%q},"window":{"offset":%d,"limit":2}}`, text, off))
	}
	a, err := g.Open(q("", 0))
	require.NoError(t, err)
	before := a.m.v
	require.NoError(t, a.Update(q("", 2)))
	assert.Equal(t, []string{"ns/p2", "ns/p3"}, names(a.Snapshot()))
	require.NoError(t, a.Update(q("p4", 0)))
	assert.Same(t, before, a.m.v, "alone on its view, the handle changes it in place")
	assert.Equal(t, []string{"ns/p4"}, names(a.Snapshot()))

	b, err := g.Open(q("p4", 0))
	require.NoError(t, err)
	require.NoError(t, b.Update(q("p5", 0)))
	assert.NotSame(t, a.m.v, b.m.v, "a shared view is left alone")
	assert.Equal(t, []string{"ns/p4"}, names(a.Snapshot()))
	assert.Equal(t, []string{"ns/p5"}, names(b.Snapshot()))
	views, handles := g.Views()
	assert.Equal(t, []int{2, 2}, []int{views, handles})

	require.NoError(t, b.Update(q("p4", 1)), "onto the other reader's view")
	views, handles = g.Views()
	assert.Equal(t, []int{1, 2}, []int{views, handles})
	assert.Empty(t, names(b.Snapshot()))
	assert.Equal(t, 1, b.Snapshot().Total)

	assert.ErrorIs(t, a.Update(Spec{Where: Where{LabelSelector: "a in ("}}), ErrQuery)
	assert.Equal(t, []string{"ns/p4"}, names(a.Snapshot()), "a refused spec leaves the handle as it was")
	a.Close()
	assert.Error(t, a.Update(q("", 0)))
}

// TestGroupObject finds objects by cluster and uid after random adds,
// updates and deletes: every object the group holds, and none it dropped.
func TestGroupObject(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 8))
	f := newFeed(t)
	for range 20 {
		f.add(randomPod(r))
	}
	g := NewGroup(f.snapshot())
	gone := map[objectKey]bool{}
	for step := range 200 {
		slots := slices.Sorted(maps.Keys(f.items))
		switch k := r.IntN(3); {
		case k == 0 || len(slots) == 0:
			f.add(randomPod(r))
		case k == 1:
			f.set(slots[r.IntN(len(slots))], randomPod(r))
		default:
			s := slots[r.IntN(len(slots))]
			gone[keyOf(f.items[s])] = true
			f.remove(s)
		}
		g.Apply(f.delta())
		for _, it := range f.items {
			require.Same(t, it, g.Object(it.Cluster, it.UID), "step %d", step)
		}
		for k := range gone {
			require.Nil(t, g.Object(k.cluster, k.uid), "step %d: a deleted object", step)
		}
		require.Nil(t, g.Object("", "no-such-uid"))
	}
}
