// Command gcstall measures, in the Go runtime it is built for (js/wasm under
// node: see run.sh), how long one collection keeps the thread for heaps
// shaped like the client's cache: N objects' bytes alone, or with the
// cache's per-object records in several layouts. It prints one JSON line per
// shape: runtime.GC's wall time (mark plus the full sweep), the mark's share
// (from runtime/metrics' GC CPU classes), and, with the program streaming
// events at 1,000/s between sleeps, the longest wake-up delay of each
// collection triggered by allocation (what a socket message waits).
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strings"
	"time"
	"unsafe"
)

// item is the cache's Item: slot, cluster, four strings sharing one
// allocation, the object's bytes.
type item struct {
	slot                                  uint32
	cluster                               string
	uid, namespace, name, resourceVersion string
	raw                                   []byte
	owned                                 bool
}

// rec is the cache's rec.
type rec struct {
	l                    *list
	slot                 uint32
	uid, namespace, name string
	live, committed      *item
	dirty, tomb          bool
	seen                 uint64
}

type list struct{ recs map[string]*rec }

// flat is a record with no pointer but the bytes: the strings are offsets
// into raw.
type flat struct {
	slot                   uint32
	uidOff, nsOff, nameOff uint16
	uidLen, nsLen, nameLen uint16
	rvOff, rvLen           uint16
	raw                    []byte
	dirty, tomb            bool
	seen                   uint64
}

// inlineRec is a rec that holds its item by value.
type inlineRec struct {
	l           *list
	it          item
	dirty, tomb bool
	seen        uint64
}

// leanRec is a rec without its own copies of the item's strings.
type leanRec struct {
	l               *list
	slot            uint32
	live, committed *item
	dirty, tomb     bool
	seen            uint64
}

// minItem is an item whose four strings are one, cut by offsets.
type minItem struct {
	slot  uint32
	offs  [4]uint16
	meta  string
	raw   []byte
	owned bool
}

// minRec is a rec that keeps only the uid of its strings.
type minRec struct {
	l               *list
	slot            uint32
	uid             string
	live, committed *minItem
	dirty, tomb     bool
	seen            uint64
}

type heap struct {
	min       map[string]*minRec
	minOrder  []*minRec
	ptrs      []*byte
	lean      map[string]*leanRec
	leanOrder []*leanRec
	inl       map[string]*inlineRec
	inlOrder  []*inlineRec
	bytes     [][]byte
	l         *list
	order     []*rec
	// views: a second map slot -> *item, as the view group keeps
	items map[uint32]*item
	flats []flat
	byUID map[string]uint32
}

func names(i int) (uid, ns, name, rv string) {
	uid = fmt.Sprintf("%08x-1234-5678-9abc-%012x", i, i)
	ns = fmt.Sprintf("ns-%03d", i%100)
	name = fmt.Sprintf("pod-%06d-abcdef", i)
	rv = fmt.Sprintf("%d", 100000+i)
	return
}

// joined returns object i's four strings in one (uid, namespace, name,
// resourceVersion), a fresh allocation.
func joined(i int) string {
	uid, ns, name, rv := names(i)
	return strings.Clone(uid + ns + name + rv)
}

// itemOf returns object i's item over all (joined's text, wherever it is
// held) and raw.
func itemOf(i int, all string, raw []byte) item {
	uid, ns, name, _ := names(i)
	u, s, nm, r := cut(all, uid, ns, name)
	return item{slot: uint32(i), cluster: "c", uid: u, namespace: s, name: nm, resourceVersion: r, raw: raw, owned: true}
}

// cut returns the four strings of all, which holds uid, ns, name and rv in
// that order (the cache's four strings share one allocation).
func cut(all, uid, ns, name string) (u, s, nm, r string) {
	a, b, c := len(uid), len(uid)+len(ns), len(uid)+len(ns)+len(name)
	return all[:a], all[a:b], all[b:c], all[c:]
}

// replace makes a changed copy of *live the live and committed item (an
// update is a new item) and returns it.
func replace[T any](live, committed **T, set func(*T)) *T {
	c := **live
	set(&c)
	*live, *committed = &c, &c
	return &c
}

func payload(size int) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = 'a' + byte(i%26)
	}
	return b
}

// build makes the live heap of one shape.
func build(shape string, n, size int) *heap {
	h := &heap{}
	switch shape {
	case "bytes":
		for range n {
			h.bytes = append(h.bytes, payload(size))
		}
	case "cache-lean":
		// the cache's rec without its own uid, namespace and name (read
		// from its item instead): three pointers fewer per object
		h.l = &list{}
		h.lean = map[string]*leanRec{}
		for i := range n {
			it := itemOf(i, joined(i), payload(size))
			rc := &leanRec{l: h.l, slot: uint32(i), live: &it, committed: &it}
			h.lean[it.uid] = rc
			h.leanOrder = append(h.leanOrder, rc)
		}
	case "cache-min":
		// the pointer words a contained diet leaves: the rec keeps list,
		// uid, live and committed; the item one string with offsets for
		// its four, and its bytes, no cluster string
		h.l = &list{}
		h.min = map[string]*minRec{}
		for i := range n {
			uid, ns, name, _ := names(i)
			all := joined(i)
			it := &minItem{slot: uint32(i), meta: all, offs: [4]uint16{uint16(len(uid)), uint16(len(uid) + len(ns)), uint16(len(uid) + len(ns) + len(name)), uint16(len(all))}, raw: payload(size)}
			rc := &minRec{l: h.l, uid: all[:len(uid)], live: it, committed: it}
			h.min[rc.uid] = rc
			h.minOrder = append(h.minOrder, rc)
		}
	case "cache", "cache+view", "recs", "cache-rawstr":
		h.l = &list{recs: map[string]*rec{}}
		for i := range n {
			all := joined(i)
			var raw []byte
			if shape != "recs" {
				raw = payload(size)
			}
			if shape == "cache-rawstr" {
				// the strings point into the object's own bytes
				copy(raw, all)
				all = unsafe.String(&raw[0], len(all))
			}
			it := itemOf(i, all, raw)
			h.addRec(&rec{}, &it)
		}
		if shape == "cache+view" {
			h.items = map[uint32]*item{}
			for _, rc := range h.order {
				h.items[rc.slot] = rc.live
			}
		}
	case "slab", "slab-recs":
		// recs and items each in one allocation per list (slab-recs: the
		// strings still one allocation per object; slab: one buffer too)
		h.l = &list{recs: make(map[string]*rec, n)}
		recs, items := make([]rec, n), make([]item, n)
		var buf []byte
		for i := range n {
			all := joined(i)
			if shape == "slab" {
				if len(buf)+len(all) > cap(buf) {
					buf = make([]byte, 0, 64<<10)
				}
				buf = append(buf, all...)
				all = unsafe.String(&buf[len(buf)-len(all)], len(all))
			}
			items[i] = itemOf(i, all, payload(size))
			h.addRec(&recs[i], &items[i])
		}
	case "inline":
		// one record per object holding its item by value: no *item, the
		// strings one allocation
		h.l = &list{}
		h.inl = map[string]*inlineRec{}
		for i := range n {
			rc := &inlineRec{l: h.l, it: itemOf(i, joined(i), payload(size))}
			h.inl[rc.it.uid] = rc
			h.inlOrder = append(h.inlOrder, rc)
		}
	case "ptrs0", "ptrs4", "ptrs8", "ptrs16":
		// the bytes, and one slab of k pointers per object into its bytes:
		// the object count fixed, only the pointer words vary
		k := int(shape[4] - '0')
		if len(shape) == 6 {
			k = 16
		}
		h.ptrs = make([]*byte, n*k)
		for i := range n {
			b := payload(size)
			h.bytes = append(h.bytes, b)
			for j := range k {
				h.ptrs[i*k+j] = &b[j]
			}
		}
	case "flat":
		h.byUID = map[string]uint32{}
		for i := range n {
			uid, _, _, _ := names(i)
			h.flats = append(h.flats, flat{slot: uint32(i), raw: payload(size)})
			h.byUID[uid] = uint32(i)
		}
	default:
		fmt.Fprintln(os.Stderr, "unknown shape", shape)
		os.Exit(2)
	}
	return h
}

// addRec fills rc as the cache's rec of it and adds it to the list and the
// order.
func (h *heap) addRec(rc *rec, it *item) {
	*rc = rec{l: h.l, slot: it.slot, uid: it.uid, namespace: it.namespace, name: it.name, live: it, committed: it}
	h.l.recs[it.uid] = rc
	h.order = append(h.order, rc)
}

var sink [][]byte

// event allocates what one watch event allocates (objs objects, bytes in
// all) and replaces one object's bytes, as an update does.
func (h *heap) event(rng *rand.Rand, n, size, objs, total int) {
	per := total / objs
	for range objs - 1 {
		sink = append(sink, make([]byte, per))
		if len(sink) > 64 {
			sink = sink[:0]
		}
	}
	i := rng.IntN(n)
	switch {
	case h.bytes != nil:
		h.bytes[i] = payload(size)
	case h.minOrder != nil:
		rc := h.minOrder[i]
		replace(&rc.live, &rc.committed, func(c *minItem) { c.raw = payload(size) })
	case h.leanOrder != nil:
		rc := h.leanOrder[i]
		replace(&rc.live, &rc.committed, func(c *item) { c.raw = payload(size) })
	case h.inlOrder != nil:
		h.inlOrder[i].it.raw = payload(size)
	case h.order != nil:
		rc := h.order[i]
		it := replace(&rc.live, &rc.committed, func(c *item) { c.raw = payload(size) })
		if h.items != nil {
			h.items[rc.slot] = it
		}
	case h.flats != nil:
		h.flats[i].raw = payload(size)
	}
}

func gcCPU(s []metrics.Sample) (mark, sweep float64) {
	metrics.Read(s)
	return s[0].Value.Float64(), s[1].Value.Float64()
}

// jsonList formats x as JSON array elements.
func jsonList(x []float64) string {
	s := make([]string, len(x))
	for i, v := range x {
		s[i] = fmt.Sprintf("%.1f", v)
	}
	return strings.Join(s, ",")
}

func main() {
	shape := flag.String("shape", "bytes", "bytes, recs, cache, cache+view, cache-rawstr, cache-lean, cache-min, inline, slab-recs, slab, flat, ptrs0, ptrs4, ptrs8 or ptrs16")
	n := flag.Int("n", 10000, "objects")
	size := flag.Int("size", 3400, "bytes per object")
	gogc := flag.Int("gogc", 25, "GOGC while streaming")
	events := flag.Int("events", 6000, "events streamed")
	objs := flag.Int("objs", 48, "objects allocated per event")
	per := flag.Int("per", 5700, "bytes allocated per event")
	reps := flag.Int("reps", 15, "forced collections timed")
	flag.Parse()

	h := build(*shape, *n, *size)
	s := []metrics.Sample{{Name: "/cpu/classes/gc/mark/dedicated:cpu-seconds"}, {Name: "/cpu/classes/gc/mark/idle:cpu-seconds"},
		{Name: "/cpu/classes/gc/mark/assist:cpu-seconds"}, {Name: "/cpu/classes/gc/pause:cpu-seconds"},
		{Name: "/cpu/classes/scavenge/total:cpu-seconds"}, {Name: "/gc/heap/live:bytes"}, {Name: "/gc/heap/objects:objects"},
		{Name: "/gc/cycles/total:gc-cycles"}}
	read := func() (markMs float64, live, objects, cycles uint64) {
		metrics.Read(s)
		for _, x := range s[:4] {
			markMs += x.Value.Float64() * 1000
		}
		return markMs, s[5].Value.Uint64(), s[6].Value.Uint64(), s[7].Value.Uint64()
	}
	runtime.GC()
	var gcs, marks []float64
	for range *reps {
		m0, _, _, _ := read()
		t := time.Now()
		runtime.GC()
		ms := float64(time.Since(t).Microseconds()) / 1000
		gcs = append(gcs, ms)
		m1, _, _, _ := read()
		marks = append(marks, m1-m0)
		// paired with the gctrace line just before it (GODEBUG=gctrace=1)
		fmt.Fprintf(os.Stderr, "forced-gc-wall %.3f ms\n", ms)
	}
	_, live, objects, _ := read()

	// Stream: bursts of 3 events, then a 3 ms sleep (~1,000 events/s when
	// the work is short). The sleep's overshoot is the time the thread was
	// kept: in js/wasm the idle collector runs before the runtime returns
	// to the event loop.
	debug.SetGCPercent(*gogc)
	rng := rand.New(rand.NewPCG(1, 2))
	_, _, _, c0 := read()
	var stalls []float64 // per collection: the longest overshoot while it ran
	var all []float64
	cur, last := 0.0, c0
	for e := 0; e < *events; e += 3 {
		for range 3 {
			h.event(rng, *n, *size, *objs, *per)
		}
		t := time.Now()
		time.Sleep(3 * time.Millisecond)
		over := float64(time.Since(t).Microseconds())/1000 - 3
		all = append(all, over)
		cur = max(cur, over)
		if _, _, _, c := read(); c != last {
			stalls = append(stalls, cur)
			cur, last = 0, c
		}
	}
	if len(all) == 0 {
		all = []float64{0}
	}
	slices.Sort(all)
	med := func(x []float64) float64 {
		if len(x) == 0 {
			return 0
		}
		y := slices.Clone(x)
		slices.Sort(y)
		return y[len(y)/2]
	}
	fmt.Printf("{\"shape\":%q,\"n\":%d,\"liveMB\":%.1f,\"objects\":%d,\"gcMs\":%.1f,\"gcMinMs\":%.1f,\"markCpuMs\":%.1f,\"streamCollections\":%d,\"stallMedianMs\":%.1f,\"stallMaxMs\":%.1f,\"overshootP50\":%.2f,\"overshootP99\":%.2f,\"stalls\":[%s]}\n",
		*shape, *n, float64(live)/1e6, objects, med(gcs), slices.Min(gcs), med(marks), len(stalls), med(stalls), slices.Max(append(stalls, 0)),
		all[len(all)/2], all[len(all)*99/100], jsonList(stalls))
	runtime.KeepAlive(h)
}
