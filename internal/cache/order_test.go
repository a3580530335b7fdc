package cache

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

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
