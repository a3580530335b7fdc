package view

import "math"

// compact lays the nodes of sorted (every node of the view, in sort order)
// out in one array, in that order, with their text-filter haystacks in one
// string, also in that order, and rebuilds the tree over them (its shape
// is unchanged: a treap's shape follows from the order and the
// priorities). A pass in tree order over the view (a new text filter) then
// reads memory in address order instead of chasing 100,000 nodes scattered
// over the heap: at 100,000 objects that pass was mostly cache misses.
// Without sort keys the order is the tie order: every node is ranked on
// the way, so that a first sort has no strings to compare for its ties.
// sorted is updated to the new nodes; the view's map too. O(n).
func (v *View) compact(sorted []*node) {
	slab := make([]node, len(sorted))
	size := 0
	for _, n := range sorted {
		size += len(n.hay)
	}
	buf := make([]byte, 0, size)
	for _, n := range sorted {
		buf = append(buf, n.hay...)
	}
	hays := string(buf)
	off := 0
	rank := len(v.c.sort) == 0 && len(sorted) < math.MaxUint32 // sort order is the tie order
	for i, n := range sorted {
		m := &slab[i]
		*m = *n
		if rank {
			m.tie = uint32(i + 1)
		}
		m.hay = hays[off : off+len(n.hay)]
		off += len(n.hay)
		sorted[i] = m
		v.nodes[m.item.Slot] = m
		release(n) // n may be in an older array: it holds nothing now
	}
	v.loose = 0
	v.tree.build(sorted)
}
