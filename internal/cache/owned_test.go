package cache

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/reflector"
	rt "github.com/kubelive/kubelive/internal/reflector/reflectortest"
	"github.com/kubelive/kubelive/internal/wire"
)

// liveStore is a harness with one live, empty list of cluster c1 (query q)
// and that list's Store, to call directly.
func liveStore(t *testing.T) (*harness, Query, *list, store) {
	t.Helper()
	h := newHarness(t, nil)
	q := query(ListRef{"c1", ""})
	_, _, _ = h.subscribe(q)
	live(t, h.lw("c1", ""), "1")
	h.phase(q, 0, reflector.PhaseLive)
	e := h.entry(q)
	l := e.lists[0]
	e.mu.Lock()
	defer e.mu.Unlock()
	return h, q, l, store{l: l, gen: l.gen}
}

// TestUpsertKeepsItsOwnCopy: every object, Owned or not, is kept packed in
// the cache's own memory, so that its snapshot keeps its exact bytes when
// the buffer it came from is written again.
func TestUpsertKeepsItsOwnCopy(t *testing.T) {
	t.Parallel()
	h, q, _, s := liveStore(t)

	shared := []byte(`{"metadata":{"uid":"u1","resourceVersion":"2"}}`)
	s.Upsert(wire.Item{UID: "u1", Namespace: "n", Name: "a", ResourceVersion: "2", Raw: shared})
	owned := []byte(`{"metadata":{"uid":"u2","resourceVersion":"3"}}`)
	s.Upsert(wire.Item{UID: "u2", Namespace: "n", Name: "b", ResourceVersion: "3", Raw: owned, Owned: true})
	h.sched.run()
	snap := h.mustGet(q)
	require.Len(t, snap.Items, 2)

	copy(shared, `{"metadata":{"uid":"XX","resourceVersion":"9"}}`) // the buffer is reused for a later frame
	copy(owned, `{"metadata":{"uid":"YY","resourceVersion":"9"}}`)
	assert.Equal(t, `{"metadata":{"uid":"u1","resourceVersion":"2"}}`, string(snap.Items[0].JSON()), "a shared buffer's object is copied")
	assert.Equal(t, `{"metadata":{"uid":"u2","resourceVersion":"3"}}`, string(snap.Items[1].JSON()), "an Owned object is packed: its bytes are the cache's own")
	assert.Nil(t, snap.Items[0].Raw, "the cache keeps the packed form only")
}

// TestSnapshotKeepsItsBytesPastBorrowedFrames: a snapshot taken after an
// event keeps that object's bytes when later events reuse the frame's
// memory (a watch socket dialed with transport's Borrow).
func TestSnapshotKeepsItsBytesPastBorrowedFrames(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	q := query(ListRef{"c1", ""})
	_, _, _ = h.subscribe(q)
	w := live(t, h.lw("c1", ""), "10", pod("a", "x", "1"), pod("a", "y", "2"))
	h.phase(q, 0, reflector.PhaseLive)
	w.Lend()
	w.Modify(pod("a", "x", "11"))
	h.settle(q, 0, "11")
	kept := h.mustGet(q)
	for i, rv := range []string{"12", "13", "14"} { // each Next garbles the frames of the one before
		w.Modify(pod("a", "y", rv))
		h.settle(q, 0, rv)
		require.JSONEq(t, pod("a", "x", "11").JSON(), string(kept.Items[0].JSON()), "after %d more events", i+1)
	}
}

// TestPagedRelistKeepsTheHeldObjects: the cache says which objects it holds
// (uid and resourceVersion, deleted ones not), and a paged relist, whose
// Reflector hands those over without bytes, keeps them as they were.
func TestPagedRelistKeepsTheHeldObjects(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) { c.PageSize = 2 })
	q := query(ListRef{"c1", "ns"})
	_, _, _ = h.subscribe(q)
	lw := h.lw("c1", "ns")
	w := live(t, lw, "10", pod("ns", "a", "1"), pod("ns", "b", "2"), pod("ns", "c", "3"))
	h.phase(q, 0, reflector.PhaseLive)
	w.Delete(pod("ns", "c", "11"))
	h.settle(q, 0, "11")
	before := h.mustGet(q)
	e := h.entry(q)
	e.mu.Lock()
	s := store{l: e.lists[0], gen: e.lists[0].gen}
	e.mu.Unlock()
	assert.True(t, s.Holds("uid-ns-a", "1"))
	assert.False(t, s.Holds("uid-ns-a", "7"), "another resourceVersion")
	assert.False(t, s.Holds("uid-ns-c", "3"), "deleted")
	assert.False(t, store{l: e.lists[0], gen: e.lists[0].gen - 1}.Holds("uid-ns-a", "1"), "an old run's store holds nothing")

	h.clk.Advance(3 * time.Second)
	w.Error(410, "Expired")
	lw.NextList(t).Reply([]byte(`{"metadata":{"resourceVersion":"30","continue":"t"},"items":[` + pod("ns", "a", "1").JSON() + "," + pod("ns", "b", "25").JSON() + "]}"))
	lw.NextList(t).Reply(rt.ListBody("30", pod("ns", "d", "26")))
	lw.NextWatch(t).Accept()
	h.settle(q, 0, "30")
	after := h.mustGet(q)
	require.Equal(t, []string{"ns/a@c1", "ns/b@c1", "ns/d@c1"}, names(after.Items))
	assert.Same(t, before.Items[0], after.Items[0], "a held: the same object")
	assert.JSONEq(t, pod("ns", "a", "1").JSON(), string(after.Items[0].JSON()))
	assert.JSONEq(t, pod("ns", "b", "25").JSON(), string(after.Items[1].JSON()))
}
