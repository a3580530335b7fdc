package view

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/kubelive/kubelive/internal/cache"
)

// randomPod draws a pod from a small space, so that ties, filter hits and
// misses, and moves across the window all happen often.
func randomPod(r *rand.Rand) pod {
	phases := []string{"Running", "Pending", "Failed"}
	apps := []string{"web", "db", "cache", ""}
	p := pod{
		cluster: []string{"c1", "c2"}[r.IntN(2)],
		ns:      fmt.Sprintf("ns%d", r.IntN(3)),
		name:    fmt.Sprintf("pod-%d", r.IntN(40)),
		phase:   phases[r.IntN(len(phases))],
	}
	for range r.IntN(3) {
		p.restarts = append(p.restarts, r.IntN(4))
		p.ready = append(p.ready, r.IntN(2) == 0)
	}
	if app := apps[r.IntN(len(apps))]; app != "" {
		p.labels = map[string]string{"app": app}
	}
	return p
}

// expected computes a view from scratch, from the test's own pods (not
// their JSON): the filter, the sort (restarts descending unless byName,
// then namespace, name, cluster, uid), the window and the counts.
func expected(f *feed, sel labels.Selector, phases map[string]bool, text string, byName bool, off, limit int) (rows []string, total int, byPhase map[string]int) {
	type row struct {
		slot     cache.SlotID
		p        pod
		restarts int
	}
	var all []row
	byPhase = map[string]int{}
	for slot, p := range f.pods {
		if !sel.Matches(labels.Set(p.labels)) || !phases[p.phase] {
			continue
		}
		if text != "" && !strings.Contains(strings.ToLower(p.name), text) && !strings.Contains(strings.ToLower(p.ns), text) &&
			!strings.Contains(p.labels["app"], text) {
			continue
		}
		sum := 0
		for _, x := range p.restarts {
			sum += x
		}
		all = append(all, row{slot, p, sum})
		byPhase[p.phase]++
	}
	slices.SortFunc(all, func(a, b row) int {
		byRestarts := cmp.Compare(b.restarts, a.restarts)
		if byName {
			byRestarts = 0
		}
		return cmp.Or(byRestarts, strings.Compare(a.p.ns, b.p.ns), strings.Compare(a.p.name, b.p.name),
			strings.Compare(a.p.cluster, b.p.cluster), strings.Compare(f.items[a.slot].UID, f.items[b.slot].UID))
	})
	for i := off; i < min(off+limit, len(all)); i++ {
		rows = append(rows, fmt.Sprintf("%s/%s/%s=%d", all[i].p.cluster, all[i].p.ns, all[i].p.name, all[i].restarts))
	}
	return rows, len(all), byPhase
}

// TestRandomized feeds random adds, updates and deletes (several per delta)
// and changes of filter and window, and compares the maintained view with
// a from-scratch computation after every step.
func TestRandomized(t *testing.T) {
	t.Parallel()
	for seed := range uint64(8) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(seed, 42))
			f := newFeed(t)
			for range 30 {
				f.add(randomPod(r))
			}
			selectors := []string{"", "app=web", "app in (db,cache)", "!app", "app!=db"}
			phaseSets := [][]string{{"Running", "Pending", "Failed"}, {"Running"}, {"Pending", "Failed"}}
			// Texts that narrow, widen, are unrelated, or lie across two
			// haystacks ("bp": a label "web", then the next name "pod-").
			texts := []string{"", "pod-1", "pod-12", "WEB", "d-2", "o", "pod-", "s1", "bp"}
			byName := seed%2 == 1 // no sort keys: the tie order alone, until a change of spec
			query := func(sel, text string, phases []string, off, limit int) string {
				sort := `[{"by":"restarts","desc":true}]`
				if byName {
					sort = `[]`
				}
				return fmt.Sprintf(`{"where":{"labelSelector":%q,"text":%q,"fields":{"status.phase":%s}},"sort":%s,"window":{"offset":%d,"limit":%d},"columns":{"restarts":"status.containerStatuses[*].restartCount|sum"},"countBy":"status.phase"}`,
					sel, text, "[\""+strings.Join(phases, "\",\"")+"\"]", sort, off, limit)
			}
			sel, text, phases, off, limit := "", "", phaseSets[0], 0, 10
			v := newView(t, query(sel, text, phases, off, limit))
			v.Reset(f.snapshot())
			for step := range 300 {
				if k := r.IntN(10); k <= 1 { // change the spec of the live view
					text = texts[r.IntN(len(texts))] // k == 1: the text alone (type-to-filter)
					if k == 0 {
						sel, phases = selectors[r.IntN(len(selectors))], phaseSets[r.IntN(len(phaseSets))]
					}
					off, limit = r.IntN(20), 1+r.IntN(15)
					if k == 0 && r.IntN(3) == 0 {
						byName = !byName
					}
					require.NoError(t, v.SetSpec(spec(t, query(sel, text, phases, off, limit))))
				} else {
					for range 1 + r.IntN(3) {
						slots := make([]cache.SlotID, 0, len(f.items))
						for s := range f.items {
							slots = append(slots, s)
						}
						slices.Sort(slots)
						switch k := r.IntN(3); {
						case k == 0 || len(slots) == 0:
							f.add(randomPod(r))
						case k == 1:
							s := slots[r.IntN(len(slots))]
							p := randomPod(r)
							p.cluster, p.ns, p.name = f.pods[s].cluster, f.pods[s].ns, f.pods[s].name // identity never changes
							f.set(s, p)
						default:
							f.remove(slots[r.IntN(len(slots))])
						}
					}
					v.Apply(f.delta())
				}
				checkTree(t, v)
				s := v.Snapshot()
				parsed, err := labels.Parse(sel)
				require.NoError(t, err)
				phaseSet := map[string]bool{}
				for _, p := range phases {
					phaseSet[p] = true
				}
				wantRows, wantTotal, wantBy := expected(f, parsed, phaseSet, strings.ToLower(text), byName, off, limit)
				var gotRows []string
				for _, row := range s.Rows {
					gotRows = append(gotRows, fmt.Sprintf("%s/%s/%s=%s", row.Item.Cluster, row.Item.Namespace, row.Item.Name, row.Columns[0].Text()))
					assert.Same(t, f.items[row.Item.Slot], row.Item, "a row shows the object's current item")
				}
				require.Equal(t, wantRows, gotRows, "step %d", step)
				require.Equal(t, wantTotal, s.Total, "step %d", step)
				require.Equal(t, len(f.items), s.Count, "step %d", step)
				require.Equal(t, min(off, wantTotal), s.Offset)
				if len(wantBy) == 0 {
					wantBy = map[string]int{}
				}
				require.Equal(t, wantBy, s.CountBy, "step %d", step)

				if step%7 == 0 { // a view derived from the live one equals one computed from scratch
					dsel, dtext, dphases := selectors[r.IntN(len(selectors))], texts[r.IntN(len(texts))], phaseSets[r.IntN(len(phaseSets))]
					d, err := v.Derive(spec(t, query(dsel, dtext, dphases, 0, 50)))
					require.NoError(t, err)
					checkTree(t, d)
					parsed, err := labels.Parse(dsel)
					require.NoError(t, err)
					phaseSet := map[string]bool{}
					for _, p := range dphases {
						phaseSet[p] = true
					}
					want, wantTotal, _ := expected(f, parsed, phaseSet, strings.ToLower(dtext), byName, 0, 50)
					var got []string
					ds := d.Snapshot()
					for _, row := range ds.Rows {
						got = append(got, fmt.Sprintf("%s/%s/%s=%s", row.Item.Cluster, row.Item.Namespace, row.Item.Name, row.Columns[0].Text()))
					}
					require.Equal(t, want, got, "derived, step %d", step)
					require.Equal(t, wantTotal, ds.Total)
				}
			}
		})
	}
}

// checkTree verifies the tree's invariants: in-order nodes strictly
// sorted, priorities a heap, size and hits exact, and exactly the nodes
// the view holds.
func checkTree(t *testing.T, v *View) {
	t.Helper()
	var prev *node
	seen := 0
	var check func(n *node) (size, hits int)
	check = func(n *node) (int, int) {
		if n == nil {
			return 0, 0
		}
		for _, c := range []*node{n.left, n.right} {
			if c != nil {
				require.LessOrEqual(t, c.prio(), n.prio(), "heap order")
			}
		}
		ls, lh := check(n.left)
		if prev != nil {
			require.Negative(t, v.compare(prev, n), "in-order is sorted")
		}
		prev = n
		seen++
		require.Same(t, v.nodes[n.item.Slot], n, "the tree holds the view's node")
		rs, rh := check(n.right)
		h := lh + rh
		if n.match {
			h++
		}
		require.Equal(t, 1+ls+rs, size(n))
		require.Equal(t, h, hits(n))
		return size(n), hits(n)
	}
	check(v.tree.root)
	require.Equal(t, len(v.nodes), seen)
	checkBuilt(t, v, v.tree.root)
}

// checkBuilt verifies the nodes' lo below n: a node with lo >= 0 has
// exactly the nodes of the compact's array from lo to lo+size in its
// subtree, in order, and no descendant with lo -1.
func checkBuilt(t *testing.T, v *View, n *node) {
	t.Helper()
	if n == nil {
		return
	}
	if n.lo >= 0 {
		i := int(n.lo)
		walk(n, func(m *node) {
			require.Less(t, i, len(v.slab), "a built subtree is in the compact's array")
			require.Same(t, &v.slab[i], m, "slab position %d", i)
			require.GreaterOrEqual(t, m.lo, int32(0), "below a built node, every node is as built")
			i++
		})
		require.Equal(t, int(n.lo)+size(n), i)
	}
	checkBuilt(t, v, n.left)
	checkBuilt(t, v, n.right)
}
