package view

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"weak"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/kubelive/kubelive/internal/cache"
	"github.com/kubelive/kubelive/internal/reflector"
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

// TestTextAtHaystackBounds: a new text is searched in each object's own
// haystack (name, namespace, label values), never across two objects'
// haystacks that lie side by side in the compacted string, whether the
// object is in the compacted array or was made after it.
func TestTextAtHaystackBounds(t *testing.T) {
	t.Parallel()
	query := func(text string) string {
		b, err := json.Marshal(text)
		require.NoError(t, err)
		return fmt.Sprintf(`{"where":{"text":%s},"sort":[{"by":"name"}],"window":{"limit":20}}`, b)
	}
	f := newFeed(t)
	for _, name := range []string{"a1", "a2na", "a4"} { // haystacks "a1\x00n", "a2na\x00n", "a4\x00n"
		f.add(pod{ns: "n", name: name, phase: "Running"})
	}
	for _, name := range []string{"qb", "qc", "qd", "qe", "qf", "qg", "qh", "qi"} { // enough for a loose node to stay loose
		f.add(pod{ns: "m", name: name, phase: "Running"})
	}
	v := newView(t, query("zzz"))
	v.Reset(f.snapshot())
	f.add(pod{ns: "n", name: "a3", phase: "Running"}) // a loose node, between a2na and a4 in sort order
	v.Apply(f.delta())
	require.Equal(t, 1, v.loose)
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"na2", nil},             // "a1\x00n" then "a2na": only across two
		{"na", []string{"a2na"}}, // across a1|a2na first, then inside a2na
		{"na4", nil},             // across a3's neighbours in the string: a2na|a4
		{"\x00n", []string{"a1", "a2na", "a3", "a4"}}, // a text's NULs are dropped: it never spans two fields
		{"n", []string{"a1", "a2na", "a3", "a4"}},
		{"a4", []string{"a4"}},
		{"a1", []string{"a1"}}, // the first haystack, from its start
		{"qi", []string{"qi"}}, // the last
		{"n\x00a", []string{"a2na"}},
		{"3", []string{"a3"}},
		{"", []string{"a1", "a2na", "a3", "a4", "qb", "qc", "qd", "qe", "qf", "qg", "qh", "qi"}},
	} {
		require.NoError(t, v.SetSpec(spec(t, query("zzz")))) // unrelated to each text
		require.NoError(t, v.SetSpec(spec(t, query(tc.text))))
		checkTree(t, v)
		s := v.Snapshot()
		var got []string
		for _, n := range names(s) { // namespace/name
			got = append(got, n[strings.IndexByte(n, '/')+1:])
		}
		assert.Equal(t, tc.want, got, "text %q", tc.text)
		assert.Equal(t, len(tc.want), s.Total, "text %q", tc.text)
	}
}

// TestTextPassAfterChanges: a new text after objects were added, modified
// and deleted since the last compact (some subtrees as built, some not,
// some nodes outside the compact's array) gives the rows, total and
// counts of a computation from scratch, for texts that narrow (from many
// hits and from few), widen, are unrelated or empty.
func TestTextPassAfterChanges(t *testing.T) {
	t.Parallel()
	query := func(text string) string {
		return fmt.Sprintf(`{"where":{"text":%q},"sort":[{"by":"r","desc":true}],"window":{"offset":3,"limit":7},"columns":{"r":"status.containerStatuses[*].restartCount|sum"},"countBy":"status.phase"}`, text)
	}
	phases := []string{"Running", "Pending", "Failed"}
	mkPod := func(i, r int) pod {
		return pod{ns: fmt.Sprintf("ns%d", i%3), name: fmt.Sprintf("pod-%03d", i), phase: phases[(i+r)%3], restarts: []int{(i * r) % 5}}
	}
	f := newFeed(t)
	var slots []cache.SlotID
	for i := range 600 {
		slots = append(slots, f.add(mkPod(i, 0)))
	}
	v := newView(t, query(""))
	v.Reset(f.snapshot())
	texts := []string{"1", "pod-1", "pod-12", "pod-123", "2", "", "ns1", "s", "pod-0", "zzz", "d-3", "3"}
	for round := range 4 {
		all := make([]*node, 0, len(v.nodes))
		walk(v.tree.root, func(n *node) { all = append(all, n) })
		v.compact(all)
		for k := range 12 { // few enough for refilterSlab (manyLoose)
			i := (round*97 + k*31) % len(slots)
			switch k % 3 {
			case 0:
				f.set(slots[i], mkPod(i, round+k))
			case 1:
				if _, ok := f.items[slots[i]]; ok {
					f.remove(slots[i])
				}
			default:
				slots = append(slots, f.add(mkPod(len(slots), round)))
			}
		}
		v.Apply(f.delta())
		require.Positive(t, v.loose, "round %d: nodes made since the compact", round)
		require.LessOrEqual(t, v.loose, len(v.nodes)/manyLoose, "round %d: a text is searched in slab order", round)
		built, changed := 0, 0
		walk(v.tree.root, func(n *node) {
			built += b2i(n.lo >= 0)
			changed += b2i(n.lo < 0)
		})
		require.Positive(t, built, "round %d", round)
		require.Positive(t, changed, "round %d", round)
		for _, text := range texts {
			require.NoError(t, v.SetSpec(spec(t, query(text))))
			checkTree(t, v)
			s := v.Snapshot()
			rows, total, byPhase := expected(f, labels.Everything(), map[string]bool{"Running": true, "Pending": true, "Failed": true}, text, false, 3, 7)
			var got []string
			for _, row := range s.Rows {
				got = append(got, fmt.Sprintf("%s/%s/%s=%s", row.Item.Cluster, row.Item.Namespace, row.Item.Name, row.Columns[0].Text()))
			}
			require.Equal(t, rows, got, "round %d, text %q", round, text)
			require.Equal(t, total, s.Total, "round %d, text %q", round, text)
			if len(byPhase) == 0 {
				byPhase = map[string]int{}
			}
			require.Equal(t, byPhase, s.CountBy, "round %d, text %q", round, text)
		}
	}
}

// TestCompactWhenLoaded: a view filled by the pages of a first LIST is
// compacted once its lists stop loading (every subtree then as built, for
// the text filters that follow), not while they load.
func TestCompactWhenLoaded(t *testing.T) {
	t.Parallel()
	f := newFeed(t)
	v := newView(t, `{"where":{"text":"p"},"sort":[{"by":"name"}],"window":{"limit":5}}`)
	v.Reset(f.snapshot())
	lists := func(p reflector.Phase) []cache.ListStatus {
		return []cache.ListStatus{{Phase: reflector.PhaseLive}, {Phase: p}}
	}
	for page, size := range []int{30, 30, 30, 30, 30, 3} { // the last page too small for a compact
		for i := range size {
			f.add(pod{ns: "ns", name: fmt.Sprintf("p%d-%02d", page, i), phase: "Running"})
		}
		d := f.delta()
		d.Lists = lists(reflector.PhaseLoading)
		v.Apply(d)
	}
	require.Positive(t, v.loose, "nodes made since the last compact, while loading")
	f.add(pod{ns: "ns", name: "p-last", phase: "Running"})
	d := f.delta()
	d.Lists = lists(reflector.PhaseLive)
	v.Apply(d)
	checkTree(t, v)
	assert.Zero(t, v.loose)
	assert.GreaterOrEqual(t, v.tree.root.lo, int32(0), "the whole tree as built")
	assert.Equal(t, 154, v.Snapshot().Total)

	f.set(f.add(pod{ns: "ns", name: "p-later", phase: "Running"}), pod{ns: "ns", name: "p-later", phase: "Failed"})
	d = f.delta()
	d.Lists = lists(reflector.PhaseLive)
	v.Apply(d)
	assert.Equal(t, 1, v.loose, "a live view compacts by its share only")
}

// TestByteSetsNeverMissAHaystack: the byte-set test a text pass makes
// before it searches a haystack turns none away that holds the text, and
// for a text of one byte from 0x20 to 0x7f it is the search itself
// (non-ASCII and control bytes included, which share one bit).
func TestByteSetsNeverMissAHaystack(t *testing.T) {
	t.Parallel()
	hays := []string{"", "web-0\x00default", "a", "A", "~", " ", "\x01", "\x7f", "é", "日本", "ns-3\x00app\x00tier", "\xc3", "pod-2\x00ns-4"}
	texts := []string{"a", "C", ")", "2", "~", " ", "\x7f", "\x00", "\x01", "\x1f", "é", "\xc3", "\xa9", "日", "web-0", "ns-4", "-", "\x00d", "app\x00t", "z"}
	for _, hay := range hays {
		for _, text := range texts {
			t.Run(fmt.Sprintf("%q in %q", text, hay), func(t *testing.T) {
				holds := strings.Contains(hay, text)
				passes := bytesOf(hay).holds(bytesOf(text))
				if holds {
					assert.True(t, passes, "a haystack that holds the text passes the byte test")
				}
				if oneByte(text) {
					assert.Equal(t, holds, passes, "for one printable ASCII byte the byte test is the search")
				}
			})
		}
	}
	assert.True(t, oneByte("a") && oneByte(" ") && oneByte("\x7f"))
	assert.False(t, oneByte("") || oneByte("ab") || oneByte("\x1f") || oneByte("\xc3"))
}
