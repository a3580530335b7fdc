package view

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubelive/kubelive/internal/cache"
	"github.com/kubelive/kubelive/internal/wire"
)

// realPods returns n copies of the 3.7 KB fixture pod, each with its own
// name, uid, namespace, phase, restart count and node.
func realPods(b *testing.B, n int) []*cache.Item {
	b.Helper()
	tmpl, err := os.ReadFile("../wire/testdata/pod.json")
	if err != nil {
		b.Fatal(err)
	}
	tmpl = bytes.TrimSpace(tmpl)
	r := rand.New(rand.NewPCG(1, 2))
	items := make([]*cache.Item, n)
	for i := range items {
		items[i] = realPod(b, tmpl, r, cache.SlotID(i+1), i)
	}
	return items
}

func realPod(b *testing.B, tmpl []byte, r *rand.Rand, slot cache.SlotID, i int) *cache.Item {
	phases := []string{"Running", "Running", "Running", "Pending", "Failed"}
	raw := bytes.Replace(tmpl, []byte(`"web-7d9c5b8f6d-x2kqp"`), fmt.Appendf(nil, `"web-%06d"`, i), 1)
	raw = bytes.Replace(raw, []byte(`"5f0c3a5e-8a53-4f4e-9a1b-2c7e3d9f0a11"`), fmt.Appendf(nil, `"uid-%08d-%d"`, i, r.IntN(1000)), 1)
	raw = bytes.Replace(raw, []byte(`"namespace":"shop"`), fmt.Appendf(nil, `"namespace":"ns-%02d"`, i%50), 1)
	raw = bytes.Replace(raw, []byte(`"phase":"Running"`), fmt.Appendf(nil, `"phase":%q`, phases[r.IntN(len(phases))]), 1)
	raw = bytes.Replace(raw, []byte(`"restartCount":0`), fmt.Appendf(nil, `"restartCount":%d`, r.IntN(20)), 1)
	raw = bytes.Replace(raw, []byte(`"node-3.example.internal"`), fmt.Appendf(nil, `"node-%d"`, r.IntN(200)), 1)
	it, _, err := wire.ScanObject(raw)
	if err != nil {
		b.Fatal(err)
	}
	return &cache.Item{Slot: slot, Cluster: "demo", Item: it}
}

const benchQuery = `{"where":{"fields":{"status.phase":["Running","Pending"]}},"sort":[{"by":"restarts","desc":true}],"window":{"offset":0,"limit":50},
	"columns":{"ready":"status.containerStatuses[*].ready|count","containers":"spec.containers[*]|count","status":"status.phase","restarts":"status.containerStatuses[*].restartCount|sum","age":"metadata.creationTimestamp","node":"spec.nodeName"},
	"countBy":"status.phase"}`

func loaded(b *testing.B, n int, query string) (*View, []*cache.Item) {
	items := realPods(b, n)
	v, err := New(spec(b, query))
	if err != nil {
		b.Fatal(err)
	}
	v.Reset(&cache.Snapshot{Items: items})
	return v, items
}

// BenchmarkUpdate is one MODIFIED pod applied to a view of 100,000 pods
// with a filter and a sort, and the new window's snapshot: what a view
// costs per event. It reports the p50 and p99 of the runs.
func BenchmarkUpdate(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			v, items := loaded(b, n, benchQuery)
			tmpl, _ := os.ReadFile("../wire/testdata/pod.json")
			tmpl = bytes.TrimSpace(tmpl)
			r := rand.New(rand.NewPCG(3, 4))
			// The changed objects are made before the clock runs (in the
			// browser the cache has scanned them already).
			changes := make([]*cache.Item, 4096)
			for i := range changes {
				k := r.IntN(n)
				changes[i] = realPod(b, tmpl, r, items[k].Slot, k)
			}
			var times []time.Duration
			i := 0
			for b.Loop() {
				start := time.Now()
				v.Apply(&cache.Delta{Changed: changes[i%len(changes) : i%len(changes)+1]})
				if s := v.Snapshot(); len(s.Rows) != 50 {
					b.Fatal("window", len(s.Rows))
				}
				times = append(times, time.Since(start))
				i++
			}
			reportPercentiles(b, times)
		})
	}
}

// BenchmarkTextFilter is a new where.text on a live view (type-to-filter)
// and the new snapshot, at 50,000 and 100,000 pods.
func BenchmarkTextFilter(b *testing.B) {
	benchTextChange(b, func(v *View, s Spec) (*View, error) { return v, v.SetSpec(s) })
}

// BenchmarkDeriveText is the same through Derive: a new view for the new
// text, made from the live one (what a Group does when the old view is
// shared).
func BenchmarkDeriveText(b *testing.B) {
	benchTextChange(b, (*View).Derive)
}

// benchTextChange times change(view, spec with a new text) and the new
// snapshot, cycling through texts that narrow and widen the filter.
func benchTextChange(b *testing.B, change func(*View, Spec) (*View, error)) {
	for _, n := range []int{50_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			v, _ := loaded(b, n, benchQuery)
			texts := []string{"web-01", "web-012", "ns-3", "web-0"}
			specs := make([]Spec, len(texts))
			for i, t := range texts {
				specs[i] = spec(b, benchQuery)
				specs[i].Where.Text = t
			}
			var times []time.Duration
			i := 0
			for b.Loop() {
				start := time.Now()
				d, err := change(v, specs[i%len(specs)])
				if err != nil {
					b.Fatal(err)
				}
				_ = d.Snapshot()
				times = append(times, time.Since(start))
				i++
			}
			reportPercentiles(b, times)
		})
	}
}

func reportPercentiles(b *testing.B, times []time.Duration) {
	if len(times) == 0 {
		return
	}
	slices.Sort(times)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(times[len(times)/2]), "p50-ms")
	b.ReportMetric(ms(times[len(times)*99/100]), "p99-ms")
}

// BenchmarkSortChange is a new sort on a live view (a click on a column
// header) and the new snapshot, at 100,000 pods.
func BenchmarkSortChange(b *testing.B) {
	v, _ := loaded(b, 100_000, benchQuery)
	sorts := [][]SortKey{{{By: "restarts"}}, {{By: "age", Desc: true}}, {{By: "node"}}, {{By: "restarts", Desc: true}}}
	specs := make([]Spec, len(sorts))
	for i, s := range sorts {
		specs[i] = spec(b, benchQuery)
		specs[i].Sort = s
	}
	var times []time.Duration
	i := 0
	for b.Loop() {
		start := time.Now()
		if err := v.SetSpec(specs[i%len(specs)]); err != nil {
			b.Fatal(err)
		}
		_ = v.Snapshot()
		times = append(times, time.Since(start))
		i++
	}
	reportPercentiles(b, times)
}

// BenchmarkFirstList is a view filled by the pages of a first LIST of
// 100,000 pods (500 objects per cache flush, a snapshot after each), as the
// bridge does while the table loads.
func BenchmarkFirstList(b *testing.B) {
	items := realPods(b, 100_000)
	for b.Loop() {
		v, err := New(spec(b, benchQuery))
		if err != nil {
			b.Fatal(err)
		}
		v.Reset(&cache.Snapshot{})
		for i := 0; i < len(items); i += 500 {
			v.Apply(&cache.Delta{Changed: items[i:min(i+500, len(items))]})
			_ = v.Snapshot()
		}
	}
}

// BenchmarkTextPass times the two passes a text-only SetSpec can make over
// the same view of pods, alternately in every iteration so that both see
// the same load: the tree's recursive walk (walk) and the pass in slab
// order (refilterSlab). Each starts from the view filtered by the
// previous text, the texts cycling through narrowing, widening and
// unrelated ones. loose is the number of nodes made since the last
// compact: none, 1 in 64, or 1 in 8 less one (the most there can be).
func BenchmarkTextPass(b *testing.B) {
	for _, n := range []int{50_000, 100_000} {
		for _, loose := range []int{0, n / 64, n/looseShare - 1} {
			b.Run(fmt.Sprintf("%d/loose=%d", n, loose), func(b *testing.B) {
				benchTextPass(b, n, loose)
			})
		}
	}
}

func benchTextPass(b *testing.B, n, loose int) {
	v, items := loaded(b, n, benchQuery)
	tmpl, err := os.ReadFile("../wire/testdata/pod.json")
	if err != nil {
		b.Fatal(err)
	}
	tmpl = bytes.TrimSpace(tmpl)
	r := rand.New(rand.NewPCG(5, 6))
	var changes []*cache.Item
	for _, k := range r.Perm(n)[:loose] {
		changes = append(changes, realPod(b, tmpl, r, items[k].Slot, k))
	}
	// Unshape: the changed objects applied, with their previous items
	// alternately, so that every iteration finds the same number of loose nodes.
	prev := make([]*cache.Item, len(changes))
	for i, it := range changes {
		prev[i] = v.nodes[it.Slot].item
	}
	unshape := func(round int) {
		if loose == 0 {
			return
		}
		v.loose = 0
		if round%2 == 0 {
			v.Apply(&cache.Delta{Changed: changes})
		} else {
			v.Apply(&cache.Delta{Changed: prev})
		}
	}
	texts := []string{"1", "12", "123", "1234", "2", "23", "", "web-01", "web-012", "ns-3", "web-0", "e", "web-00042"}
	cs := make([]*compiled, len(texts))
	for i, t := range texts {
		s := spec(b, benchQuery)
		s.Where.Text = t
		if cs[i], err = compile(s); err != nil {
			b.Fatal(err)
		}
	}
	pass := func(old, c *compiled, slab bool) time.Duration {
		start := time.Now()
		v.c = c
		v.countBy.reset()
		narrow, widen := narrows(c, old), strings.Contains(old.text, c.text)
		if slab {
			v.refilterSlab(narrow, widen)
		} else {
			v.refilterText(v.tree.root, narrow, widen)
		}
		return time.Since(start)
	}
	perText := make([][2][]time.Duration, len(cs))
	share := make([]float64, len(cs)) // of the view matching the previous text
	var walked, slabbed []time.Duration
	v.c = cs[len(cs)-1]
	pass(cs[0], v.c, false)
	i := 0
	for b.Loop() {
		old, c := cs[(i+len(cs)-1)%len(cs)], cs[i%len(cs)]
		unshape(i)
		share[i%len(cs)] = float64(v.tree.root.hits) / float64(n)
		tw := pass(old, c, false)
		want, wantBy := v.tree.root.hits, slices.Clone(v.countBy.n)
		pass(c, old, false)
		ts := pass(old, c, true)
		walked, slabbed = append(walked, tw), append(slabbed, ts)
		perText[i%len(cs)][0] = append(perText[i%len(cs)][0], tw)
		perText[i%len(cs)][1] = append(perText[i%len(cs)][1], ts)
		if v.tree.root.hits != want || !slices.Equal(v.countBy.n, wantBy) {
			b.Fatalf("text %q: %d hits, countBy %v by the walk, %d, %v by the slab", c.text, want, wantBy, v.tree.root.hits, v.countBy.n)
		}
		i++
	}
	ms := func(t []time.Duration) float64 {
		slices.Sort(t)
		return float64(t[len(t)/2]) / float64(time.Millisecond)
	}
	w, s := ms(walked), ms(slabbed)
	b.ReportMetric(w, "walk-p50-ms")
	b.ReportMetric(s, "slab-p50-ms")
	b.ReportMetric(w/s, "speedup")
	changed := 0
	walk(v.tree.root, func(n *node) { changed += b2i(n.lo < 0) })
	b.ReportMetric(float64(changed)/float64(n), "changed-share")
	if testing.Verbose() {
		for k, t := range perText {
			if len(t[0]) > 0 {
				b.Logf("%q after %q (%.3f of the view): walk %.3f ms, slab %.3f ms", texts[k], texts[(k+len(texts)-1)%len(texts)], share[k], ms(t[0]), ms(t[1]))
			}
		}
	}
}
