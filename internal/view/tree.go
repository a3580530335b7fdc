package view

import "math"

// The sorted index is a treap (a binary search tree whose nodes also form a
// heap on a priority) over every object the view holds, in sort order, each
// node counting the nodes of its subtree (size) and those that pass the
// filter (hits). A treap was chosen over a B-tree or a skip list because the
// counts make it an order-statistics tree at no extra cost: insert and delete
// are O(log n) expected, finding the k-th matching row (the window's offset)
// is O(log n), and a new filter only recomputes the counts (O(n), no
// re-sort), since the tree holds the rows that fail the filter too.
// Priorities come from a hash of the slot, so the shape is deterministic.

// node is one object in the tree; it is the view's record of the object.
// Invariant: size = 1 + size(left) + size(right); hits = match +
// hits(left) + hits(right); prio >= both children's prio; every node of
// left sorts before this node, every node of right after it.
type node struct {
	rec
	left, right *node
	size, hits  int32
	// lo is the position of the subtree's first node in the order the
	// tree was last built in, or -1 once the subtree changed (fix marks
	// it). Invariant: a node with lo >= 0 has the subtree it was built
	// with, the nodes sorted[lo : lo+size] of that build; its ancestors
	// may have lo -1, its descendants have not.
	lo int32
	// tie is the node's place in the view's tie order (namespace, name,
	// cluster, uid, slot) as last ranked, or 0 when not ranked yet.
	// Invariant: for two ranked nodes of a view, tie order equals the
	// order of their ranks (the fields it orders by never change).
	tie uint32
}

func size(n *node) int {
	if n == nil {
		return 0
	}
	return int(n.size)
}

func hits(n *node) int {
	if n == nil {
		return 0
	}
	return int(n.hits)
}

func (n *node) fix() {
	n.lo = -1
	n.size = int32(1 + size(n.left) + size(n.right))
	n.hits = int32(hits(n.left) + hits(n.right))
	if n.match {
		n.hits++
	}
}

// prio is the node's priority: a hash of its slot (fixed for the node's
// life: a node's items all have its slot).
func (n *node) prio() uint64 { return splitmix64(uint64(n.item.Slot)) }

// splitmix64 mixes a slot into a priority.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// tree is the sorted index; cmp is the view's total order on nodes.
type tree struct {
	root *node
	cmp  func(a, b *node) int
}

// split cuts t into the nodes before n (l) and the others (r).
func (t *tree) split(root, n *node) (l, r *node) {
	if root == nil {
		return nil, nil
	}
	if t.cmp(root, n) < 0 {
		root.right, r = t.split(root.right, n)
		root.fix()
		return root, r
	}
	l, root.left = t.split(root.left, n)
	root.fix()
	return l, root
}

// merge joins l and r, every node of l sorting before every node of r.
func merge(l, r *node) *node {
	switch {
	case l == nil:
		return r
	case r == nil:
		return l
	case l.prio() > r.prio():
		l.right = merge(l.right, r)
		l.fix()
		return l
	}
	r.left = merge(l, r.left)
	r.fix()
	return r
}

// insert adds n, which the tree must not hold. A node that sorts after
// every other (a first LIST arrives in the cache's order, which is the
// view's when it has no sort keys) costs one comparison, with the last
// node, instead of one per level: the tree is the same either way.
func (t *tree) insert(n *node) {
	n.left, n.right = nil, nil
	n.fix()
	if last := rightmost(t.root); last != nil && t.cmp(last, n) < 0 {
		t.root = appendAt(t.root, n)
		return
	}
	t.root = t.insertAt(t.root, n)
}

// rightmost is the last node below n in order, or nil.
func rightmost(n *node) *node {
	for n != nil && n.right != nil {
		n = n.right
	}
	return n
}

// appendAt is insertAt for an n that sorts after every node below root:
// it goes down the right spine only, and splitting there leaves every
// node on n's left.
func appendAt(root, n *node) *node {
	if root == nil {
		return n
	}
	if n.prio() > root.prio() {
		n.left = root
		n.fix()
		return n
	}
	root.right = appendAt(root.right, n)
	root.fix()
	return root
}

func (t *tree) insertAt(root, n *node) *node {
	if root == nil {
		return n
	}
	if n.prio() > root.prio() {
		n.left, n.right = t.split(root, n)
		n.fix()
		return n
	}
	if t.cmp(n, root) < 0 {
		root.left = t.insertAt(root.left, n)
	} else {
		root.right = t.insertAt(root.right, n)
	}
	root.fix()
	return root
}

// remove deletes n, which the tree must hold in its current sort position.
func (t *tree) remove(n *node) {
	t.root = t.removeAt(t.root, n)
}

func (t *tree) removeAt(root, n *node) *node {
	if root == nil {
		return nil
	}
	if root == n {
		return merge(root.left, root.right)
	}
	if t.cmp(n, root) < 0 {
		root.left = t.removeAt(root.left, n)
	} else {
		root.right = t.removeAt(root.right, n)
	}
	root.fix()
	return root
}

// build makes the tree from nodes already in sort order, in O(n): the
// Cartesian tree of their priorities, built with a stack of the right spine.
func (t *tree) build(sorted []*node) {
	var spine []*node
	for _, n := range sorted {
		n.left, n.right = nil, nil
		var last *node
		for len(spine) > 0 && spine[len(spine)-1].prio() < n.prio() {
			last = spine[len(spine)-1]
			spine = spine[:len(spine)-1]
		}
		n.left = last
		if len(spine) > 0 {
			spine[len(spine)-1].right = n
		}
		spine = append(spine, n)
	}
	if len(spine) == 0 {
		t.root = nil
		return
	}
	t.root = spine[0]
	recount(t.root)
	if len(sorted) < math.MaxInt32 {
		for i, n := range sorted {
			n.lo = int32(i - size(n.left))
		}
	}
}

// recount recomputes size and hits below n.
func recount(n *node) {
	if n == nil {
		return
	}
	recount(n.left)
	recount(n.right)
	n.fix()
}

// window appends the matching nodes of rank lo to hi-1 (ranks among the
// matching nodes of the subtree n) in order: O(log n + hi - lo), since it
// enters a subtree only when that subtree holds a rank in [lo, hi), so
// never one without hits (lo is clamped at 0: the ranks left of a subtree
// are already taken).
func window(n *node, lo, hi int, out []*node) []*node {
	out, _ = windowCounted(n, max(lo, 0), hi, out, 0)
	return out
}

// windowCounted is window, also counting the nodes it entered (visits in,
// the total out), so that a test can hold it to its bound. lo >= 0.
func windowCounted(n *node, lo, hi int, out []*node, visits int) ([]*node, int) {
	if n == nil || hi <= 0 || lo >= int(n.hits) {
		return out, visits
	}
	visits++
	out, visits = windowCounted(n.left, lo, hi, out, visits)
	k := hits(n.left)
	if n.match {
		if lo <= k && k < hi {
			out = append(out, n)
		}
		k++
	}
	return windowCounted(n.right, max(lo-k, 0), hi-k, out, visits)
}

// walk calls fn on every node in order.
func walk(n *node, fn func(*node)) {
	if n == nil {
		return
	}
	walk(n.left, fn)
	fn(n)
	walk(n.right, fn)
}
