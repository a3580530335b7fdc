package view

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kubelive/kubelive/internal/cache"
	"github.com/kubelive/kubelive/internal/reflector"
	"github.com/kubelive/kubelive/internal/wire"
)

// rec is what a view keeps of one object: the cache's item (its raw JSON
// stays in the cache's memory, not copied), its labels, the values of the
// view's expressions, and whether it passes the filter.
type rec struct {
	item   *cache.Item
	labels labelSet
	hay    string       // name, namespace, label values and the textIn values, lowercased, NUL-separated
	vals   []wire.Value // one per compiled expression
	match  bool
	rest   bool  // passes the filter's label selector and fields (the text aside)
	by     int32 // the index of its countBy value in the view's tally
}

// View is one live view over the objects of a cache entry. It is not safe
// for concurrent use: its owner serialises Reset, Apply, SetSpec and
// Snapshot (the bridge calls them from the cache's flush, one at a time).
type View struct {
	c     *compiled
	tree  tree
	nodes map[cache.SlotID]*node // every object held. Invariant: exactly the nodes of tree
	// countBy counts the matching objects per value of the countBy
	// expression. Invariant: equal to a count over the matching nodes.
	countBy *tally
	lists   []cache.ListStatus
	version uint64
	scratch wire.Extracted
	// raw is reused to read packed objects' JSON (Extract keeps copies of
	// what it reads, never the bytes).
	raw    []byte
	hayBuf []byte // haystack's scratch: a haystack is copied out at its exact size
	cursor Cursor // the window of the spec, for Snapshot
	gen    uint64 // bumped when the columns change: every row is fresh
	loose  int    // nodes made since the last compact
	// slab is the array of the last compact, in the order the tree was
	// built in: the nodes with lo >= 0 are in it (lo is a position in it).
	slab   []node
	before []int32 // refilterSlab's counts by slab position, kept for the next pass
	right  []int32 // the slab positions of the nodes built with a right child
	// sets holds the bytes of each slab node's haystack, by slab position
	// (bytesOf): a text pass tests them before it searches a haystack.
	// Invariant: len(sets) == len(slab), sets[i] == bytesOf(slab[i].hay)
	// for every node with lo >= 0 (a node's haystack never changes).
	sets []byteSet
}

// New returns an empty view for spec (as ParseSpec returns it).
func New(spec Spec) (*View, error) {
	c, err := compile(spec)
	if err != nil {
		return nil, err
	}
	v := &View{c: c, nodes: map[cache.SlotID]*node{}, countBy: newTally(), cursor: Cursor{Window: spec.Window}}
	v.tree.cmp = v.compare
	return v, nil
}

// Spec returns the view's current spec.
func (v *View) Spec() Spec { return v.c.spec }

// Reset replaces every object with the items of a snapshot: O(n log n).
func (v *View) Reset(s *cache.Snapshot) {
	v.nodes = make(map[cache.SlotID]*node, len(s.Items))
	for _, it := range s.Items {
		v.nodes[it.Slot] = v.newNode(it)
	}
	v.lists = s.Lists
	v.rebuild()
}

// Apply moves the view by one cache Delta: O(log n) per changed or removed
// object, the filter evaluated on the changed objects only. When its lists
// finish loading the view is compacted (O(n), once): a first LIST in pages
// leaves up to one node in looseShare made since the last compact, and
// each makes a new text filter walk part of the tree (refilterSlab).
func (v *View) Apply(d *cache.Delta) {
	for _, it := range d.Changed {
		old := v.nodes[it.Slot]
		if old != nil {
			if old.item == it {
				continue
			}
			v.drop(old)
		}
		n := v.newNode(it)
		if old != nil && sameIdentity(old.item, it) {
			n.tie = old.tie // the same place in the tie order
		}
		release(old)
		v.nodes[it.Slot] = n
		v.tree.insert(n)
		v.counted(n, 1)
		v.loose++
	}
	for _, slot := range d.Removed { // after Changed: a removed slot stays removed
		if n := v.nodes[slot]; n != nil {
			v.drop(n)
			delete(v.nodes, slot)
			release(n)
		}
	}
	loaded := loading(v.lists) && !loading(d.Lists) // the first LIST ended: typing a filter comes next
	v.lists = d.Lists
	v.version++
	if v.loose > len(v.nodes)/looseShare || loaded && v.loose > 0 {
		all := make([]*node, 0, len(v.nodes))
		walk(v.tree.root, func(n *node) { all = append(all, n) })
		v.compact(all)
	}
}

// loading reports whether a list has no data yet.
func loading(lists []cache.ListStatus) bool {
	for _, l := range lists {
		if l.Phase == reflector.PhaseLoading {
			return true
		}
	}
	return false
}

// looseShare bounds the nodes made since the last compact: at most one in
// looseShare of the view. Compacting then copies every node, so the cost
// per event is O(looseShare) amortised (a first LIST in pages compacts
// about looseShare times the objects in all).
const looseShare = 8

// release empties n (nil or a node the view no longer holds): a node in a
// compacted array lives as long as the array, and must not keep the
// object it showed.
func release(n *node) {
	if n != nil {
		*n = node{lo: -1} // not as built: a text pass in slab order skips it
	}
}

// SetSpec changes the view's filter, sort, window, columns or countBy,
// re-evaluating from the objects it holds (no new LIST or watch): a new
// window is O(log n), a new filter O(n), a new sort O(n log n), new
// expressions re-read each object's raw JSON once.
func (v *View) SetSpec(spec Spec) error {
	c, err := compile(spec)
	if err != nil {
		return err
	}
	old := v.c
	v.c, v.cursor.Window = c, spec.Window
	switch {
	case !c.sameExprs(old):
		v.countBy = newTally()
		for slot, n := range v.nodes {
			v.nodes[slot] = v.newNode(n.item)
		}
		if !slices.Equal(c.columns, old.columns) || !sameColumns(c, old) {
			v.gen++
		}
		v.rebuild()
	case c.countBy != old.countBy:
		v.reintern()
		v.refilter()
		v.rebuild()
	case !slices.Equal(c.sort, old.sort):
		v.refilter()
		v.rebuild()
	case !sameWhere(c, old):
		v.countBy.reset()
		textOnly := c.spec.Where.LabelSelector == old.spec.Where.LabelSelector && sameFields(c.fields, old.fields)
		if textOnly {
			v.textPass(narrows(c, old), strings.Contains(old.text, c.text))
		} else {
			v.refilterTree(v.tree.root, narrows(c, old))
		}
	}
	v.version++
	return nil
}

// sameColumns reports whether both compute the same column expressions.
func sameColumns(a, b *compiled) bool {
	for i := range a.columns {
		if a.exprs[i].text != b.exprs[i].text {
			return false
		}
	}
	return true
}

func sameWhere(a, b *compiled) bool {
	return a.spec.Where.LabelSelector == b.spec.Where.LabelSelector && a.text == b.text && sameFields(a.fields, b.fields)
}

func sameFields(a, b []fieldRef) bool {
	if len(a) != len(b) {
		return false
	}
	for i, f := range a {
		g := b[i]
		if f.expr != g.expr || len(f.values) != len(g.values) {
			return false
		}
		for val := range f.values {
			if !g.values[val] {
				return false
			}
		}
	}
	return true
}

// narrows reports whether c keeps a subset of what old keeps: the same
// filter but a text that holds the old one (the user typed on).
func narrows(c, old *compiled) bool {
	return c.spec.Where.LabelSelector == old.spec.Where.LabelSelector && strings.Contains(c.text, old.text) &&
		sameFields(c.fields, old.fields)
}

// refilterTree evaluates the filter on the nodes below n, fixing the tree's
// counts and countBy on the way up, in one pass in tree order. With narrow
// (the new filter keeps a subset of the old one) a subtree with no hits is
// skipped: none of it can match now.
func (v *View) refilterTree(n *node, narrow bool) {
	if n == nil || narrow && n.hits == 0 {
		return
	}
	v.refilterTree(n.left, narrow)
	v.refilterTree(n.right, narrow)
	v.match(&n.rec)
	n.hits = int32(hits(n.left) + hits(n.right) + b2i(n.match)) // not fix: the subtree is as it was
	v.counted(n, 1)
}

// textPass re-evaluates the filter's text on every node (only the text
// changed, countBy reset), with narrow and widen as refilterText takes
// them. Narrowing from few hits walks the tree, skipping the subtrees
// without one; so does any text when many nodes were made since the last
// compact (each changes the subtrees above it: at 1 in 64 of the view,
// about a fifth of the nodes); any other text is searched in every node,
// mostly in slab order (refilterSlab).
func (v *View) textPass(narrow, widen bool) {
	switch root := v.tree.root; {
	case root == nil || narrow && root.hits == 0:
	case narrow && root.hits <= root.size/fewHits, v.loose > int(root.size)/manyLoose:
		v.refilterText(root, narrow, widen)
	default:
		v.refilterSlab(narrow, widen)
	}
}

const (
	// fewHits: narrowing from at most one hit in fewHits of the view
	// walks the tree.
	fewHits = 8
	// manyLoose: with more than one node in manyLoose made since the last
	// compact, a text pass walks the tree (refilterSlab and its own walk
	// over the changed subtrees were then about as long as the whole walk
	// at 100,000 objects, and longer at 1 in 8).
	manyLoose = 64
)

// refilterText is refilterTree when only the text changed (the rest of
// the filter is not evaluated again), n not nil. With narrow (the new text
// holds the old one) a node that failed still fails; with widen (the old
// text holds the new one) a node that passed still passes: neither is
// searched again. A leaf is done in its parent's call and an absent child
// costs no call: in wasm the calls were most of the pass.
func (v *View) refilterText(n *node, narrow, widen bool) {
	text, by := v.c.text, v.c.countBy >= 0
	for _, c := range [2]*node{n.left, n.right} {
		switch {
		case c == nil || narrow && c.hits == 0:
		case c.left == nil && c.right == nil:
			c.match = textHit(c, text, narrow, widen)
			c.hits = int32(b2i(c.match))
			if by && c.match {
				v.countBy.n[c.by]++
			}
		default:
			v.refilterText(c, narrow, widen)
		}
	}
	n.match = textHit(n, text, narrow, widen)
	n.hits = int32(hits(n.left) + hits(n.right) + b2i(n.match))
	if by && n.match {
		v.countBy.n[n.by]++
	}
}

// textHit reports whether n passes the filter with the new text, given
// that only the text changed and n.match is its result with the old one.
func textHit(n *node, text string, narrow, widen bool) bool {
	if (narrow || widen) && n.match == widen { // narrow: it failed; widen: it passed
		return widen
	}
	return n.rest && strings.Contains(n.hay, text)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// refilter evaluates the filter on every object (the tree's counts are then stale).
func (v *View) refilter() {
	for _, n := range v.nodes {
		v.match(&n.rec)
	}
}

// rebuild sorts every object and rebuilds the tree and the counts.
func (v *View) rebuild() {
	all := make([]*node, 0, len(v.nodes))
	for _, n := range v.nodes {
		all = append(all, n)
	}
	v.sortNodes(all)
	v.compact(all)
	v.recountBy()
	v.version++
}

// rankTies gives every node of all (the whole view) its rank in the tie
// order, so that a sort whose keys tie for many objects (a restart count,
// a phase) compares two integers where it would compare four strings.
// Nodes ranked before keep their relative order, so when most are ranked
// the ranking itself is cheap. all is reordered.
func rankTies(all []*node) {
	ranked := true
	for _, n := range all {
		if n.tie == 0 {
			ranked = false
			break
		}
	}
	if ranked || len(all) >= math.MaxUint32 {
		return
	}
	slices.SortFunc(all, compareTies)
	for i, n := range all {
		n.tie = uint32(i + 1)
	}
}

// compareTies is the tie order: by rank when both are ranked, else by
// namespace, name, cluster, uid and slot (in byte order, as the cache
// orders them).
func compareTies(a, b *node) int {
	if a.tie != 0 && b.tie != 0 {
		return cmp.Compare(a.tie, b.tie)
	}
	ai, bi := a.item, b.item
	if c := strings.Compare(ai.Namespace, bi.Namespace); c != 0 {
		return c
	}
	if c := strings.Compare(ai.Name, bi.Name); c != 0 {
		return c
	}
	if c := strings.Compare(ai.Cluster, bi.Cluster); c != 0 {
		return c
	}
	if c := strings.Compare(ai.UID, bi.UID); c != 0 {
		return c
	}
	return cmp.Compare(ai.Slot, bi.Slot)
}

// sameIdentity reports whether a and b hold the same fields of the tie order.
func sameIdentity(a, b *cache.Item) bool {
	return a.Slot == b.Slot && a.Namespace == b.Namespace && a.Name == b.Name && a.Cluster == b.Cluster && a.UID == b.UID
}

func (v *View) recountBy() {
	v.countBy.reset()
	if v.c.countBy < 0 {
		return
	}
	for _, n := range v.nodes {
		if n.match {
			v.countBy.n[n.by]++
		}
	}
}

// reintern gives every object its countBy value's index in a new tally.
func (v *View) reintern() {
	v.countBy = newTally()
	if v.c.countBy < 0 {
		return
	}
	for _, n := range v.nodes {
		n.by = v.countBy.intern(n.vals[v.c.countBy].Text())
	}
}

// drop removes n from the tree and the counts.
func (v *View) drop(n *node) {
	v.tree.remove(n)
	v.counted(n, -1)
}

func (v *View) counted(n *node, by int) {
	if v.c.countBy < 0 || !n.match {
		return
	}
	v.countBy.n[n.by] += by
}

// newNode reads what the view needs of it in one pass over its raw JSON
// (none for a bare spec: every object passes, with no labels or haystack).
// An object the extractor cannot read (the cache holds only validated
// JSON, so this does not happen) has absent values and no labels.
func (v *View) newNode(it *cache.Item) *node {
	if v.c.bare {
		return &node{rec: rec{item: it, match: true, rest: true}}
	}
	x := &v.scratch
	if err := v.c.x.Extract(v.json(it), x); err != nil {
		for i := range x.Values {
			x.Values[i] = x.Values[i][:0]
		}
		x.Labels = nil
	}
	n := &node{rec: rec{item: it, labels: makeLabelSet(x.Labels), vals: make([]wire.Value, len(v.c.exprs))}}
	for i := range v.c.exprs {
		n.vals[i] = v.c.exprs[i].eval(x)
	}
	v.hayBuf = appendHaystack(v.hayBuf[:0], it, n.labels, v.c.textIn, n.vals)
	n.hay = string(v.hayBuf)
	if v.c.countBy >= 0 {
		n.by = v.countBy.intern(n.vals[v.c.countBy].Text())
	}
	v.match(&n.rec)
	return n
}

// json is it's JSON, read into v.raw when the cache keeps it packed: valid
// until the next call.
func (v *View) json(it *cache.Item) []byte {
	if it.Raw != nil {
		return it.Raw
	}
	v.raw = it.AppendJSON(v.raw[:0])
	return v.raw
}

// appendHaystack appends what a text filter searches to dst: the name, the
// namespace, the label values and the values of the expressions textIn
// indexes in vals, each lowercased, NUL-separated.
func appendHaystack(dst []byte, it *cache.Item, lbls labelSet, textIn []int, vals []wire.Value) []byte {
	dst = appendLower(dst, it.Name)
	dst = append(dst, 0)
	dst = appendLower(dst, it.Namespace)
	lbls.each(func(val string) {
		dst = append(dst, 0)
		dst = appendLower(dst, val)
	})
	for _, i := range textIn {
		dst = append(dst, 0)
		dst = appendLower(dst, vals[i].Text())
	}
	return dst
}

// appendLower appends strings.ToLower(s) to dst, without its allocation
// when s is ASCII.
func appendLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return append(dst, strings.ToLower(s)...)
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// match evaluates the filter on one object, setting r.rest and r.match.
func (v *View) match(r *rec) {
	r.rest = v.matchesRest(r)
	r.match = r.rest && v.matchesText(r)
}

func (v *View) matchesText(r *rec) bool {
	return v.c.text == "" || strings.Contains(r.hay, v.c.text)
}

// matchesRest evaluates the filter's fields and label selector.
func (v *View) matchesRest(r *rec) bool {
	c := v.c
	for _, f := range c.fields {
		if !f.values[r.vals[f.expr].Text()] {
			return false
		}
	}
	return c.selector.empty() || c.selector.matches(r.labels)
}

// compare is the view's total order: the sort keys (missing values last,
// whatever the direction; text in natural order), then the tie order
// (compareTies).
func (v *View) compare(a, b *node) int {
	for _, k := range v.c.sort {
		var c int
		if k.expr < 0 {
			c = natural(builtin(a.item, k.builtin), builtin(b.item, k.builtin))
		} else {
			x, y := a.vals[k.expr], b.vals[k.expr]
			switch mx, my := missing(x), missing(y); {
			case mx && my:
				continue
			case mx:
				return 1
			case my:
				return -1
			}
			c = compareValues(x, y)
		}
		if c != 0 {
			if k.desc {
				return -c
			}
			return c
		}
	}
	return compareTies(a, b)
}

func builtin(it *cache.Item, name string) string {
	switch name {
	case "uid":
		return it.UID
	case "cluster":
		return it.Cluster
	case "namespace":
		return it.Namespace
	}
	return it.Name
}

// Derive returns a new view of the objects v holds, for spec (v is
// unchanged): what a changed filter, sort or set of columns of a live table
// costs without a new LIST. When both compute the same expressions the
// records are shared (no raw JSON is read again) and, with the same sort,
// v's order is reused: O(n) then, O(n log n) with a new sort.
func (v *View) Derive(spec Spec) (*View, error) {
	c, err := compile(spec)
	if err != nil {
		return nil, err
	}
	d := &View{c: c, nodes: make(map[cache.SlotID]*node, len(v.nodes)), countBy: newTally(),
		cursor: Cursor{Window: spec.Window}, lists: v.lists}
	d.tree.cmp = d.compare
	reuse := c.sameExprs(v.c)
	if reuse && c.countBy == v.c.countBy {
		d.countBy = v.countBy.clone() // the records' indexes stay valid
	}
	ordered := make([]*node, 0, len(v.nodes))
	walk(v.tree.root, func(n *node) {
		var m *node
		if reuse {
			m = &node{rec: n.rec, tie: n.tie} // vals are never mutated: shared
			d.match(&m.rec)
		} else {
			m = d.newNode(n.item)
			m.tie = n.tie
		}
		d.nodes[n.item.Slot] = m
		ordered = append(ordered, m)
	})
	if reuse && c.countBy != v.c.countBy {
		d.reintern()
	}
	if !reuse || !slices.Equal(c.sort, v.c.sort) {
		d.sortNodes(ordered)
	}
	d.compact(ordered)
	d.recountBy()
	return d, nil
}
