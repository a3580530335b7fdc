package view

import (
	"fmt"
	"runtime"
	"testing"
	"weak"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/cache"
)

// TestDroppedObjectsAreNotKept: a view whose nodes live in one compacted
// array keeps no object it dropped (modified or deleted), whether the
// dropped node is in that array or was made after it.
func TestDroppedObjectsAreNotKept(t *testing.T) {
	f := newFeed(t)
	var slots []cache.SlotID
	for i := range 64 {
		slots = append(slots, f.add(pod{ns: "ns", name: fmt.Sprintf("p%02d", i), phase: "Running"}))
	}
	v := newView(t, `{"where":{"text":"p"},"sort":[{"by":"name"}],"window":{"limit":5}}`)
	v.Reset(f.snapshot()) // every node in one array
	f.set(slots[10], pod{ns: "ns", name: "p10", phase: "Pending"})
	v.Apply(f.delta()) // a node made after the array
	var gone []weak.Pointer[cache.Item]
	for _, s := range []cache.SlotID{slots[3], slots[10]} { // modified: in the array, and the later node
		gone = append(gone, weak.Make(f.items[s]))
		f.set(s, pod{ns: "ns", name: fmt.Sprintf("p%02d", s-1), phase: "Failed"})
	}
	for _, s := range []cache.SlotID{slots[4], slots[20]} {
		gone = append(gone, weak.Make(f.items[s]))
		f.remove(s)
	}
	v.Apply(f.delta())
	checkTree(t, v)
	require.Equal(t, 62, v.Snapshot().Total)
	runtime.GC()
	runtime.GC()
	for i, w := range gone {
		assert.Nil(t, w.Value(), "dropped object %d is still reachable", i)
	}
	require.Equal(t, 62, v.Snapshot().Total) // the view stays reachable until here
}

// TestCompactKeepsTheView: compacting (after many new objects) changes
// neither the order, the counts nor the rows' identity.
func TestCompactKeepsTheView(t *testing.T) {
	t.Parallel()
	f := newFeed(t)
	v := newView(t, `{"where":{"text":"1"},"sort":[{"by":"r","desc":true}],"window":{"limit":4},"columns":{"r":"status.containerStatuses[*].restartCount|sum"},"countBy":"status.phase"}`)
	v.Reset(f.snapshot())
	for i := range 200 {
		f.add(pod{ns: "ns", name: fmt.Sprintf("p%03d", i), phase: []string{"Running", "Failed"}[i%2], restarts: []int{i % 7}})
		v.Apply(f.delta())
		checkTree(t, v)
		require.LessOrEqual(t, v.loose, len(v.nodes)/looseShare, "after %d objects", i+1)
	}
	before := v.Snapshot()
	all := make([]*node, 0, len(v.nodes))
	walk(v.tree.root, func(n *node) { all = append(all, n) })
	v.compact(all)
	checkTree(t, v)
	after := v.Snapshot()
	assert.Equal(t, names(before), names(after))
	assert.Equal(t, before.Total, after.Total)
	assert.Equal(t, before.CountBy, after.CountBy)
	for i := range after.Rows {
		assert.Same(t, before.Rows[i].Item, after.Rows[i].Item)
		assert.False(t, after.Rows[i].Fresh, "an unchanged row stays as it was")
	}
	require.NoError(t, v.SetSpec(spec(t, `{"where":{"text":"p01"},"sort":[{"by":"r","desc":true}],"window":{"limit":4},"columns":{"r":"status.containerStatuses[*].restartCount|sum"},"countBy":"status.phase"}`)))
	checkTree(t, v)
	assert.Equal(t, 10, v.Snapshot().Total, "p010-p019")
}
