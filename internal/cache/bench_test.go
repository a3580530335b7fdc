package cache

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"slices"
	"testing"
	"time"

	"github.com/kubelive/kubelive/internal/clock"
	"github.com/kubelive/kubelive/internal/wire"
)

type noScheduler struct{}

func (noScheduler) Schedule(func()) {}

const benchN = 10_000

// benchPod returns the wire fixture pod with its uid, name and
// resourceVersion replaced.
func benchPod(b *testing.B, i int, rv string) []byte {
	b.Helper()
	pod, err := os.ReadFile("../wire/testdata/pod.json")
	if err != nil {
		b.Fatal(err)
	}
	pod = bytes.TrimSpace(pod)
	pod = bytes.Replace(pod, []byte("5f0c3a5e-8a53-4f4e-9a1b-2c7e3d9f0a11"), fmt.Appendf(nil, "uid-%06d", i), 1)
	pod = bytes.Replace(pod, []byte("web-7d9c5b8f6d-x2kqp"), fmt.Appendf(nil, "web-%06d", i), 1)
	return bytes.Replace(pod, []byte(`"48213377"`), []byte(`"`+rv+`"`), 1)
}

// benchEntry returns an entry holding n pods, flushed, and its list's store.
func benchEntry(b *testing.B, n int) (*entry, store) {
	b.Helper()
	c := &Cache{cfg: Config{Clock: clock.NewFake(), Scheduler: noScheduler{}, MaxPending: 10_000}}
	q, _ := query(ListRef{"c1", ""}).normalize()
	e := c.newEntry(q.key(), q)
	l := e.lists[0]
	l.gen = 1
	st := store{l: l, gen: 1}
	items := make([]wire.Item, n)
	for i := range items {
		it, _, err := wire.ScanObject(benchPod(b, i, "0"))
		if err != nil {
			b.Fatal(err)
		}
		items[i] = it
	}
	st.Replace(items, "0")
	e.flush()
	return e, st
}

// BenchmarkApply applies MODIFIED events carrying ~3.7 KB pods to a
// 10,000-object list: scan the frame, upsert by uid, and flush every 100
// events (a busy animation frame). One op is one event.
func BenchmarkApply(b *testing.B) {
	e, st := benchEntry(b, benchN)
	frames := make([][]byte, 2*benchN) // two rounds, so every event is a change
	for i := range frames {
		frames[i] = append(append([]byte(`{"type":"MODIFIED","object":`), benchPod(b, i%benchN, fmt.Sprint("r", i/benchN, "-", i))...), "}\n"...)
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		ev, err := wire.ScanEvent(frames[i%len(frames)])
		if err != nil {
			b.Fatal(err)
		}
		st.Upsert(ev.Item())
		if i++; i%100 == 0 {
			e.flush()
		}
	}
}

// benchItems returns two rounds of modified versions of the benchEntry pods,
// so that each Upsert is a change.
func benchItems(b *testing.B) []wire.Item {
	items := make([]wire.Item, 2*benchN)
	for i := range items {
		items[i], _, _ = wire.ScanObject(benchPod(b, i%benchN, fmt.Sprint("r", i/benchN, "-", i)))
	}
	return items
}

// BenchmarkApplyNoScan is BenchmarkApply without the scan: the cache's own
// cost per event.
func BenchmarkApplyNoScan(b *testing.B) {
	e, st := benchEntry(b, benchN)
	items := benchItems(b)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		st.Upsert(items[i%len(items)])
		if i++; i%100 == 0 {
			e.flush()
		}
	}
}

// BenchmarkFlush is one flush of 100 modified objects of 10,000 (the order
// does not change). One op is one flush.
func BenchmarkFlush(b *testing.B) {
	e, st := benchEntry(b, benchN)
	items := benchItems(b)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		b.StopTimer()
		for range 100 {
			st.Upsert(items[i%len(items)])
			i++
		}
		b.StartTimer()
		e.flush()
	}
}

// BenchmarkFlushMembership is one flush with one object added and one
// deleted among 10,000: the change goes as splices of the order (binary
// search, the order copied in whole runs, no order of slots made).
func BenchmarkFlushMembership(b *testing.B) {
	e, st := benchEntry(b, benchN)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		b.StopTimer()
		it := wire.Item{UID: fmt.Sprint("new-", i), Namespace: "shop", Name: fmt.Sprint("web-x", i), ResourceVersion: "1"}
		st.Upsert(it)
		if i > 0 {
			st.Delete(wire.Item{UID: fmt.Sprint("new-", i-1), ResourceVersion: "2"})
		}
		i++
		b.StartTimer()
		e.flush()
	}
}

// BenchmarkSnapshot builds the full snapshot of 10,000 objects (what
// getList costs once per version).
func BenchmarkSnapshot(b *testing.B) {
	e, _ := benchEntry(b, benchN)
	b.ReportAllocs()
	for b.Loop() {
		e.mu.Lock()
		e.snap = nil
		if len(e.snapshot().Items) != benchN {
			b.Fatal("size")
		}
		e.mu.Unlock()
	}
}

// BenchmarkCollect times one full collection (runtime.GC: mark, then the
// sweep of every span) with a 10,000-pod entry live, against the same
// objects' bytes alone, so that the records' share of a collection shows.
// One op is one collection; run it in js/wasm too, where the runtime does
// the whole collection on the program's only thread.
func BenchmarkCollect(b *testing.B) {
	b.Run("entry", func(b *testing.B) {
		e, _ := benchEntry(b, benchN)
		collect(b)
		runtime.KeepAlive(e)
	})
	b.Run("bytes", func(b *testing.B) {
		raws := make([][]byte, benchN)
		for i := range raws {
			raws[i] = bytes.Clone(benchPod(b, i, "0"))
		}
		collect(b)
		runtime.KeepAlive(raws)
	})
}

// collect runs b.N collections and reports, besides the mean, the fastest
// and the median one (a loaded machine preempts some; the fastest is the
// collection's own cost) and the live heap's objects.
func collect(b *testing.B) {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/objects:objects"}, {Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	var ms []float64
	for b.Loop() {
		t := time.Now()
		runtime.GC()
		ms = append(ms, float64(time.Since(t).Microseconds())/1000)
	}
	slices.Sort(ms)
	b.ReportMetric(ms[0], "min-ms")
	b.ReportMetric(ms[len(ms)/2], "median-ms")
	b.ReportMetric(float64(s[0].Value.Uint64()), "heap-objects")
	b.ReportMetric(float64(s[1].Value.Uint64())/1e6, "live-MB")
}
