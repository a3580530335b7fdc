package view

import (
	"fmt"
	"math/bits"
	"slices"
	"testing"

	"github.com/kubelive/kubelive/internal/cache"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWindowEntersOnlySubtreesWithRanks: window returns the matching
// nodes of the asked ranks in order, and enters only subtrees holding one
// of them: with few matches far apart (the rest of a text filter's view
// after a narrowing text) it must not walk the subtrees without a hit
// right of a match, which a negative rank left of them would let it do.
func TestWindowEntersOnlySubtreesWithRanks(t *testing.T) {
	const n = 20_000
	every := func(k int) func(int) bool { return func(i int) bool { return i%k == k-1 } }
	cases := []struct {
		name    string
		match   func(int) bool
		lo, hi  int
		wantLen int // rows returned
	}{
		{"15 matches far apart, a window of 50", every(n / 15), 0, 50, 15},
		{"15 matches far apart, the last 2", every(n / 15), 13, 50, 2},
		{"one match at the end", func(i int) bool { return i == n-1 }, 0, 50, 1},
		{"one match at the start", func(i int) bool { return i == 0 }, 0, 50, 1},
		{"none", func(int) bool { return false }, 0, 50, 0},
		{"offset past the matches", every(n / 15), 16, 66, 0},
		{"dense: every other node, the first 50", every(2), 0, 50, 50},
		{"dense: every other node, 50 at the end", every(2), n/2 - 50, n / 2, 50},
		{"dense: 50 in the middle", every(2), 5_000, 5_050, 50},
		{"every node, 50 in the middle", every(1), 9_000, 9_050, 50},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sorted := make([]*node, n)
			var want []*node
			for i := range sorted {
				sorted[i] = &node{rec: rec{item: slotItem(i + 1), match: tc.match(i)}}
				if sorted[i].match {
					want = append(want, sorted[i])
				}
			}
			var tr tree
			tr.build(sorted)
			got, visits := windowCounted(tr.root, tc.lo, tc.hi, nil, 0)
			require.Len(t, got, tc.wantLen)
			assert.True(t, slices.Equal(want[min(tc.lo, len(want)):min(tc.hi, len(want))], got), "the matching nodes of ranks [lo, hi), in order")
			// Each row returned and each edge of the window is at most one root path.
			bound := (tc.wantLen + 2) * depth(tr.root)
			assert.LessOrEqual(t, visits, bound, "nodes entered (depth %d, %d nodes)", depth(tr.root), n)
			assert.True(t, slices.Equal(got, window(tr.root, tc.lo, tc.hi, nil)))
		})
	}
	// The tree is a treap: its depth is O(log n), or the bound says little.
	var tr tree
	sorted := make([]*node, n)
	for i := range sorted {
		sorted[i] = &node{rec: rec{item: slotItem(i + 1)}}
	}
	tr.build(sorted)
	require.Less(t, depth(tr.root), 4*bits.Len(n), fmt.Sprint("depth of a treap of ", n))
}

func depth(n *node) int {
	if n == nil {
		return 0
	}
	return 1 + max(depth(n.left), depth(n.right))
}

// TestInsertInOrderIsTheSameTree: nodes inserted in sort order (a first
// LIST in the cache's order) make the tree that inserts in any other order
// make (a treap's shape follows from the order and the priorities), with
// one comparison per insert for those that come after every other node.
func TestInsertInOrderIsTheSameTree(t *testing.T) {
	const n = 5_000
	mk := func() []*node {
		ns := make([]*node, n)
		for i := range ns {
			ns[i] = &node{rec: rec{item: slotItem(i + 1), match: i%3 == 0, by: int32(i)}}
		}
		return ns
	}
	order := func(cmps *int) func(a, b *node) int {
		return func(a, b *node) int {
			*cmps++
			return int(a.by) - int(b.by)
		}
	}
	cases := []struct {
		name    string
		perm    func(i int) int // the i-th node inserted
		maxCmps int
		minCmps int
	}{
		{"ascending: one comparison each", func(i int) int { return i }, n, 0},
		{"descending: a walk down each time", func(i int) int { return n - 1 - i }, 40 * n, 2 * n},
		{"interleaved", func(i int) int { return (i * 7919) % n }, 40 * n, 2 * n},
	}
	var want tree
	want.build(mk())
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ns := mk()
			cmps := 0
			tr := tree{cmp: order(&cmps)}
			for i := range n {
				tr.insert(ns[tc.perm(i)])
			}
			assert.LessOrEqual(t, cmps, tc.maxCmps, "comparisons")
			assert.GreaterOrEqual(t, cmps, tc.minCmps, "comparisons")
			assert.Equal(t, shape(want.root), shape(tr.root), "the tree of build over the sorted nodes")
		})
	}
}

// shape lists a tree in order as (key, size, hits, left key, right key), -1 for no child.
func shape(n *node) [][5]int {
	var out [][5]int
	key := func(c *node) int {
		if c == nil {
			return -1
		}
		return int(c.by)
	}
	walk(n, func(x *node) { out = append(out, [5]int{int(x.by), size(x), hits(x), key(x.left), key(x.right)}) })
	return out
}

// slotItem is an item with only a slot: what a node's priority hashes.
func slotItem(slot int) *cache.Item { return &cache.Item{Slot: cache.SlotID(slot)} }
