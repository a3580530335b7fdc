package persist

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kubelive/kubelive/internal/wire"
)

// BenchmarkRecord encodes and decodes a record of 1,000 objects of 2 KB.
func BenchmarkRecord(b *testing.B) {
	items := make([]wire.Item, 1000)
	raw := []byte(`{"metadata":{"name":"x"},"spec":"` + strings.Repeat("x", 2000) + `"}`)
	for i := range items {
		items[i] = wire.Item{UID: fmt.Sprint("u", i), Namespace: "ns", Name: fmt.Sprint("pod-", i), ResourceVersion: "7", Raw: raw}
	}
	data, err := Encode("k", "9", time.UnixMilli(1), items)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.Run("encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Encode("k", "9", time.UnixMilli(1), items); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Decode("k", data); err != nil {
				b.Fatal(err)
			}
		}
	})
}
