package muxwire

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
)

// benchEvent returns a watch event of about 3 KB, the size of a real Pod.
func benchEvent(i int) []byte {
	labels := strings.Repeat(`"label-key-xxxxxxxx":"value-yyyyyyyyyyyy",`, 60)
	return fmt.Appendf(nil, `{"type":"MODIFIED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"pod-%d","namespace":"ns","uid":"uid-%d","resourceVersion":"%d","labels":{%s"app":"x"}}}}`+"\n", i, i, 1000+i, labels)
}

// BenchmarkDecode compares one msgpack frame carrying 64 events with the 64
// JSON frames Headlamp's protocol needs for them (plus its 64 COMPLETEs not
// counted). ns/op is per 64 events.
func BenchmarkDecode(b *testing.B) {
	const n = 64
	var batch Batch
	var jsonFrames [][]byte
	size := 0
	for i := range n {
		ev := benchEvent(i)
		size += len(ev)
		batch = append(batch, Message{Kind: KindData, ID: uint64(i%3 + 1), Data: ev})
		f, err := EncodeJSON(Message{Kind: KindData, Cluster: "c", Path: "/api/v1/namespaces/ns/pods", Query: "watch=1", UserID: "u", Data: ev})
		if err != nil {
			b.Fatal(err)
		}
		jsonFrames = append(jsonFrames, f)
	}
	frame, err := EncodeMsgp(nil, batch)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("msgpack-batch-64", func(b *testing.B) {
		b.SetBytes(int64(size))
		b.ReportAllocs()
		for b.Loop() {
			got, err := DecodeMsgp(frame, 0)
			if err != nil || len(got) != n {
				b.Fatal(err)
			}
		}
	})
	b.Run("json-64-frames-decoder", func(b *testing.B) {
		b.SetBytes(int64(size))
		b.ReportAllocs()
		var d JSONDecoder
		for b.Loop() {
			d.Reset()
			for _, f := range jsonFrames {
				if m, err := d.Decode(f, 0); err != nil || len(m.Data) == 0 {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("json-64-frames", func(b *testing.B) {
		b.SetBytes(int64(size))
		b.ReportAllocs()
		for b.Loop() {
			for _, f := range jsonFrames {
				if _, err := DecodeJSON(f, 0); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// BenchmarkEncodeJSON is the server's cost of one DATA frame in Headlamp's
// framing (the event quoted into the envelope). ns/op is per event.
func BenchmarkEncodeJSON(b *testing.B) {
	ev := benchEvent(1)
	m := Message{Kind: KindData, Cluster: "c", Path: "/api/v1/namespaces/ns/pods", Query: "watch=1", UserID: "u", Data: ev}
	b.SetBytes(int64(len(ev)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EncodeJSON(m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJSONDecoderPod is JSONDecoder's cost of one DATA frame carrying
// a MODIFIED event of the bench's pinned Pod (3.4 KB, as the P1 stream's
// events). ns/op is per event.
func BenchmarkJSONDecoderPod(b *testing.B) {
	pod, err := os.ReadFile("../../testdata/bench/pod.json")
	if err != nil {
		b.Fatal(err)
	}
	ev := append(append([]byte(`{"type":"MODIFIED","object":`), bytes.TrimSpace(pod)...), "}\n"...)
	f, err := EncodeJSON(Message{Kind: KindData, Cluster: "bench", Path: "/api/v1/namespaces/bench/pods", Query: "watch=1", UserID: "u", Data: ev})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(ev)))
	b.ReportAllocs()
	var d JSONDecoder
	for b.Loop() {
		d.Reset()
		if m, err := d.Decode(f, 0); err != nil || !bytes.Equal(m.Data, ev) {
			b.Fatal("not the event", err)
		}
	}
}
