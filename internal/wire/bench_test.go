package wire

import (
	"encoding/json"
	"testing"
)

// BenchmarkScanEvent reads a MODIFIED event carrying the ~3.7 KB fixture pod.
func BenchmarkScanEvent(b *testing.B) {
	frame := podEvent(b, Modified)
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		ev, err := ScanEvent(frame)
		if err != nil || ev.UID == "" {
			b.Fatal(err)
		}
	}
}

// BenchmarkScanEventJSON is the baseline ScanEvent replaces: encoding/json
// decoding only the metadata the scanner extracts.
func BenchmarkScanEventJSON(b *testing.B) {
	frame := podEvent(b, Modified)
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		var ev struct {
			Type   string
			Object json.RawMessage
		}
		var obj struct {
			Metadata struct{ UID, Namespace, Name, ResourceVersion string }
		}
		if json.Unmarshal(frame, &ev) != nil || json.Unmarshal(ev.Object, &obj) != nil {
			b.Fatal("decode")
		}
	}
}

// BenchmarkScanList reads a LIST of 1,000 fixture pods (~3.7 MB).
func BenchmarkScanList(b *testing.B) {
	body := podList(b, 1000)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		l, err := ScanList(body)
		if err != nil || len(l.Items) != 1000 {
			b.Fatal(err)
		}
	}
}
