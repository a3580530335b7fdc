package cache

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/reflector"
	"github.com/kubelive/kubelive/internal/wire"
)

// TestUpsertKeepsOwnedBytesAndCopiesTheRest: an Owned object (a copy made
// for the Store, e.g. of a LIST page's) is kept as it is, with no copy; any
// other is copied, so that its snapshot keeps its bytes when the buffer it
// came from is written again.
func TestUpsertKeepsOwnedBytesAndCopiesTheRest(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	q := query(ListRef{"c1", ""})
	_, _, _ = h.subscribe(q)
	live(t, h.lw("c1", ""), "1")
	h.phase(q, 0, reflector.PhaseLive)
	e := h.entry(q)
	l := e.lists[0]
	e.mu.Lock()
	s := store{l: l, gen: l.gen}
	e.mu.Unlock()

	shared := []byte(`{"metadata":{"uid":"u1","resourceVersion":"2"}}`)
	s.Upsert(wire.Item{UID: "u1", Namespace: "n", Name: "a", ResourceVersion: "2", Raw: shared})
	owned := []byte(`{"metadata":{"uid":"u2","resourceVersion":"3"}}`)
	s.Upsert(wire.Item{UID: "u2", Namespace: "n", Name: "b", ResourceVersion: "3", Raw: owned, Owned: true})
	h.sched.run()
	snap := h.mustGet(q)
	require.Len(t, snap.Items, 2)

	copy(shared, `{"metadata":{"uid":"XX","resourceVersion":"9"}}`) // the buffer is reused for a later frame
	assert.Equal(t, `{"metadata":{"uid":"u1","resourceVersion":"2"}}`, string(snap.Items[0].Raw), "a shared buffer's object is copied")
	assert.Same(t, &owned[0], &snap.Items[1].Raw[0], "an Owned object is kept without a copy")
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
		require.JSONEq(t, pod("a", "x", "11").JSON(), string(kept.Items[0].Raw), "after %d more events", i+1)
	}
}
