package view

import (
	"runtime"

	"github.com/kubelive/kubelive/internal/cache"
	"testing"
)

// p4Query is the view of the browser benchmark's P4 with a view: a field
// filter, a sort on a column, a 50-row window, three columns.
const p4Query = `{"where":{"fields":{"status.phase":["Running","Pending","Succeeded","Failed","Unknown"]},"text":"12"},"sort":[{"by":"rv","desc":true}],"window":{"offset":0,"limit":50},
	"columns":{"rv":"metadata.resourceVersion","phase":"status.phase","restarts":"status.containerStatuses[*].restartCount|sum"}}`

// BenchmarkViewMemory reports the Go heap a view holds per object beyond
// the cache's items (B/object): what a view adds to a page's memory.
func BenchmarkViewMemory(b *testing.B) {
	const n = 10000
	items := realPods(b, n)
	var per float64
	for range b.N {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		v, err := New(spec(b, p4Query))
		if err != nil {
			b.Fatal(err)
		}
		v.Reset(&cache.Snapshot{Items: items})
		runtime.GC()
		runtime.ReadMemStats(&after)
		per = float64(after.HeapAlloc-before.HeapAlloc) / n
		runtime.KeepAlive(v)
	}
	b.ReportMetric(per, "B/object")
}
