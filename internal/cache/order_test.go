package cache

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMergeOrderMatchesSort checks the incremental order against a full sort
// over random adds and removes, each built in the memory of the order
// before the last (entry.reorder's two buffers).
func TestMergeOrderMatchesSort(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(1, 2))
	l1, l2 := &list{ref: ListRef{Cluster: "c1"}}, &list{ref: ListRef{Cluster: "c2"}}
	mk := func(i int) *rec {
		l := l1
		if rnd.IntN(2) == 0 {
			l = l2
		}
		r := &rec{l: l, uid: fmt.Sprint("u", i), namespace: fmt.Sprint("ns", rnd.IntN(3)), name: fmt.Sprint("n", rnd.IntN(20))}
		r.committed = &Item{}
		return r
	}
	e := &entry{}
	for round := range 200 {
		order := e.order
		for _, r := range order {
			if rnd.IntN(10) == 0 {
				r.committed = nil
			}
		}
		var added []*rec
		for i := range rnd.IntN(5) {
			added = append(added, mk(round*10+i))
		}
		want := slices.DeleteFunc(slices.Clone(order), func(r *rec) bool { return r.committed == nil })
		want = append(want, added...)
		slices.SortFunc(want, less)
		e.reorder(added)
		require.Equal(t, want, e.order, "round %d", round)
	}
}

// TestSplicesMatchSort checks the order commit makes against a full sort
// over random adds and deletes, and that the Delta's splices applied to the
// previous order of slots give the new one (or the whole order comes when
// the changes are many).
func TestSplicesMatchSort(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(3, 4))
	cases := []struct {
		name        string
		start       int
		maxAdd      int
		deleteOneIn int
		splices     bool // every round's change goes as splices
	}{
		{"few changes", 400, 6, 200, true},
		{"adjacent runs", 1000, 30, 100, true},
		{"many changes", 50, 20, 3, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l1, l2 := &list{ref: ListRef{Cluster: "c1"}}, &list{ref: ListRef{Cluster: "c2"}}
			next := SlotID(1)
			mk := func() *rec {
				l := l1
				if rnd.IntN(2) == 0 {
					l = l2
				}
				r := &rec{l: l, slot: next, uid: fmt.Sprint("u", next), namespace: fmt.Sprint("ns", rnd.IntN(3)), name: fmt.Sprint("n", rnd.IntN(50))}
				next++
				r.committed = &Item{Slot: r.slot}
				return r
			}
			e := &entry{}
			for range tc.start {
				e.order = append(e.order, mk())
			}
			slices.SortFunc(e.order, less)
			sawSplices, sawOrder := false, false
			for round := range 100 {
				prev := slotsOf(e.order)
				var removed []*rec
				for _, r := range e.order {
					if rnd.IntN(tc.deleteOneIn) == 0 {
						r.committed = nil
						removed = append(removed, r)
					}
				}
				var added []*rec
				for range rnd.IntN(tc.maxAdd + 1) {
					added = append(added, mk())
				}
				if len(added)+len(removed) == 0 {
					continue
				}
				want := slices.DeleteFunc(slices.Clone(e.order), func(r *rec) bool { return r.committed == nil })
				want = append(want, added...)
				slices.SortFunc(want, less)
				sp, ok := e.resplice(slices.Clone(added), removed)
				if !ok {
					sawOrder = true
					e.reorder(added)
					require.Equal(t, want, e.order, "round %d", round)
					continue
				}
				sawSplices = true
				require.Equal(t, want, e.order, "round %d", round)
				require.Equal(t, slotsOf(want), applySplices(t, prev, sp), "round %d: the splices give the new order", round)
			}
			if tc.splices {
				assert.True(t, sawSplices && !sawOrder, "few changes go as splices, never as the whole order")
			} else {
				assert.True(t, sawOrder && !sawSplices, "many changes go as the whole order")
			}
		})
	}
}

func slotsOf(rs []*rec) []SlotID {
	out := make([]SlotID, len(rs))
	for i, r := range rs {
		out[i] = r.slot
	}
	return out
}

// applySplices applies sp to prev the way a reader of a Delta does, last
// first, checking that they are ascending, disjoint and not adjacent.
func applySplices(t *testing.T, prev []SlotID, sp []Splice) []SlotID {
	out := slices.Clone(prev)
	for k := len(sp) - 1; k >= 0; k-- {
		s := sp[k]
		require.True(t, s.Removed > 0 || len(s.Inserted) > 0, "a splice changes something")
		if k > 0 {
			require.Greater(t, s.At, sp[k-1].At+sp[k-1].Removed, "ascending, disjoint, not adjacent")
		}
		require.LessOrEqual(t, s.At+s.Removed, len(out))
		out = slices.Replace(out, s.At, s.At+s.Removed, s.Inserted...)
	}
	return out
}
