package view

import (
	"math"
	"strings"
)

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
	v.slab = slab
	if cap(v.sets) < len(slab) {
		v.sets = make([]byteSet, len(slab))
	}
	v.sets = v.sets[:len(slab)]
	for i := range slab {
		v.sets[i] = bytesOf(slab[i].hay)
	}
	v.tree.build(sorted)
	v.right = v.right[:0]
	for i := range slab {
		if slab[i].right != nil {
			v.right = append(v.right, int32(i))
		}
	}
}

// refilterSlab is refilterText over the whole view in three passes that
// follow no pointer between nodes where the tree kept its built shape:
// one in slab order sets the match and countBy of every node whose
// subtree is as built (lo >= 0) and counts the hits before each position,
// and the hits of those without a right child (their subtree's range of
// the slab ends there), one sets the hits of those with one (v.right:
// about half), and a walk from the root over the nodes whose
// subtree changed since the compact (fix marked them) redoes match,
// countBy and hits for them alone (the nodes made since are among them).
// The first two read memory in address order and make no call per node:
// over the recursive walk of every node that was most of the pass.
func (v *View) refilterSlab(narrow, widen bool) {
	text, counts := v.c.text, v.countBy.n
	if v.c.countBy < 0 {
		counts = nil
	}
	slab := v.slab
	if cap(v.before) < len(slab)+1 {
		v.before = make([]int32, len(slab)+1)
	}
	before := v.before[:len(slab)+1]
	keep := narrow || widen // a node whose match is widen keeps it (textHit, inlined)
	want, exact := bytesOf(text), oneByte(text)
	sets := v.sets[:len(slab)]
	k := int32(0)
	for i := range slab {
		n := &slab[i]
		before[i] = k
		if n.lo < 0 {
			continue
		}
		m := n.match
		if !keep || m != widen {
			// A haystack without every byte of the text cannot hold it; with a text of one
			// byte, one with that byte does.
			m = n.rest && (text == "" || sets[i].holds(want) && (exact || strings.Contains(n.hay, text)))
			if m != n.match { // a line not written is not written back
				n.match = m
			}
		}
		if m {
			k++
			if counts != nil {
				counts[n.by]++
			}
		}
		if n.right == nil { // its subtree ends here: its hits are known
			if h := int32(k - before[n.lo]); h != n.hits {
				n.hits = h
			}
		}
	}
	before[len(slab)] = k
	for _, i := range v.right {
		if n := &slab[i]; n.lo >= 0 {
			if h := int32(before[int(n.lo)+int(n.size)] - before[n.lo]); h != n.hits {
				n.hits = h
			}
		}
	}
	v.refilterChanged(v.tree.root, narrow, widen)
}

// refilterChanged is refilterText over the nodes below n whose subtree
// changed since the last compact (lo -1), whose children's counts are
// exact when their subtree did not.
func (v *View) refilterChanged(n *node, narrow, widen bool) {
	if n == nil || n.lo >= 0 {
		return
	}
	v.refilterChanged(n.left, narrow, widen)
	v.refilterChanged(n.right, narrow, widen)
	n.match = textHit(n, v.c.text, narrow, widen)
	n.hits = int32(hits(n.left) + hits(n.right) + b2i(n.match))
	v.counted(n, 1)
}

// byteSet is the set of bytes in a string: bit c for an ASCII byte c from
// 0x20 on, and bit 1 for any other byte (control bytes and the bytes of
// non-ASCII characters), so that a string holding a byte has its bit
// (bytesOf never misses one), and for a byte from 0x20 to 0x7f the bit says
// exactly whether the string holds it.
type byteSet [2]uint64

func bytesOf(s string) byteSet {
	var b byteSet
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x80 {
			c = 1
		}
		b[c>>6] |= 1 << (c & 63)
	}
	return b
}

// holds reports whether every bit of want is in b.
func (b byteSet) holds(want byteSet) bool {
	return b[0]&want[0] == want[0] && b[1]&want[1] == want[1]
}

// oneByte reports whether text is one byte whose bit in a byteSet is
// exact (see byteSet): then a haystack holds text if and only if its set
// holds text's.
func oneByte(text string) bool {
	return len(text) == 1 && text[0] >= 0x20 && text[0] < 0x80
}
