package view

import (
	"cmp"
	"slices"

	"github.com/kubelive/kubelive/internal/wire"
)

// sortEntry is one node with its first sort key copied beside it, so that
// sorting many nodes compares values held in one array instead of reading
// each node's values through two pointers (at 100,000 objects those reads,
// cache misses, were most of a sort's time).
type sortEntry struct {
	n    *node
	str  string
	num  float64
	tie  uint32
	kind uint8 // kindRank of the value; missingRank when it is missing
}

const missingRank = 255

// sortNodes sorts all (every node of the view) in the view's order, as
// slices.SortFunc(all, v.compare) would, and ranks their ties on the way.
func (v *View) sortNodes(all []*node) {
	rankTies(all)
	if len(v.c.sort) == 0 {
		slices.SortFunc(all, compareTies)
		return
	}
	k, more := v.c.sort[0], len(v.c.sort) > 1
	es := make([]sortEntry, len(all))
	for i, n := range all {
		e := sortEntry{n: n, tie: n.tie}
		if k.expr < 0 {
			e.str, e.kind = builtin(n.item, k.builtin), uint8(kindRank[wire.String])
		} else {
			x := n.vals[k.expr]
			switch {
			case missing(x):
				e.kind = missingRank
			case x.Kind == wire.Bool && x.Bool:
				e.num, e.kind = 1, uint8(kindRank[x.Kind])
			default:
				e.str, e.num, e.kind = x.Str, x.Num, uint8(kindRank[x.Kind])
			}
		}
		es[i] = e
	}
	slices.SortFunc(es, func(a, b sortEntry) int {
		switch {
		case a.kind == missingRank && b.kind == missingRank:
			// both missing: the next keys decide
		case a.kind == missingRank:
			return 1 // missing values last, whatever the direction
		case b.kind == missingRank:
			return -1
		default:
			c := cmp.Compare(a.kind, b.kind)
			if c == 0 {
				c = cmp.Compare(a.num, b.num)
				if c == 0 && a.kind == uint8(kindRank[wire.String]) {
					c = natural(a.str, b.str)
				}
			}
			if c != 0 {
				if k.desc {
					return -c
				}
				return c
			}
		}
		if more {
			return v.compare(a.n, b.n)
		}
		if a.tie != 0 && b.tie != 0 {
			return cmp.Compare(a.tie, b.tie)
		}
		return compareTies(a.n, b.n)
	})
	for i := range es {
		all[i] = es[i].n
	}
}
