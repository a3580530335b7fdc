package live

import (
	"bytes"
	"os"
	"testing"

	"github.com/kubelive/kubelive/internal/cache"
)

// benchItems is 50 copies of the bench's pinned Pod: a flush's changed
// objects in a stream of a few thousand events per second.
func benchItems(b *testing.B) []*cache.Item {
	b.Helper()
	pod, err := os.ReadFile("../../testdata/bench/pod.json")
	if err != nil {
		b.Fatal(err)
	}
	items := make([]*cache.Item, 50)
	for i := range items {
		items[i] = item(cache.SlotID(i+1), "bench", string(bytes.TrimSpace(pod)))
	}
	return items
}

// BenchmarkEncodeItems is a flush's crossing as a parsed view takes it.
func BenchmarkEncodeItems(b *testing.B) {
	items := benchItems(b)
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = EncodeItems(buf[:0], items)
	}
}

// BenchmarkEncodeItemsSpans is the same crossing with the member spans a
// lazy or raw view takes.
func BenchmarkEncodeItemsSpans(b *testing.B) {
	items := benchItems(b)
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf, _, _ = EncodeItemsSpans(buf[:0], items)
	}
}
