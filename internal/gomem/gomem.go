// Package gomem reads the Go runtime's heap and collector counters
// (runtime/metrics) for a client's stats(): how many collections ran, how
// much CPU they took, and how much was allocated, so that a benchmark can
// tell the collector's share of a stream from the difference of two reads.
//
// Invariants: Read allocates only its result (the sample slice is the
// caller's Reader's, reused); every counter is cumulative since the start
// of the program and never decreases between two reads, except the gauges
// HeapLive, HeapGoal and Mapped.
package gomem

import (
	"runtime/metrics"
	"sync"
)

// Stats is one read of the runtime's counters.
type Stats struct {
	GCCycles     uint64  `json:"gcCycles"`     // completed collections
	GCCPUms      float64 `json:"gcCpuMs"`      // CPU time of the collector (mark assists, workers, pauses), ms
	AllocBytes   uint64  `json:"allocBytes"`   // bytes allocated on the heap
	AllocObjects uint64  `json:"allocObjects"` // heap objects allocated
	HeapLive     uint64  `json:"heapLive"`     // bytes marked live by the last collection
	HeapGoal     uint64  `json:"heapGoal"`     // the heap size the next collection is due at
	Mapped       uint64  `json:"mapped"`       // all memory the runtime mapped (in wasm: linear memory it uses)
}

// Reader reads Stats; it is safe for concurrent use.
type Reader struct {
	mu      sync.Mutex
	samples []metrics.Sample
}

// NewReader returns a Reader.
func NewReader() *Reader {
	// the runtime/metrics keys, in the order Read takes them apart
	names := []string{
		"/gc/cycles/total:gc-cycles",
		"/cpu/classes/gc/total:cpu-seconds",
		"/gc/heap/allocs:bytes",
		"/gc/heap/allocs:objects",
		"/gc/heap/live:bytes",
		"/gc/heap/goal:bytes",
		"/memory/classes/total:bytes",
	}
	r := &Reader{samples: make([]metrics.Sample, len(names))}
	for i, n := range names {
		r.samples[i].Name = n
	}
	return r
}

// Read returns the counters now. A metric this runtime does not know reads
// as zero.
func (r *Reader) Read() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	metrics.Read(r.samples)
	u := func(i int) uint64 {
		if r.samples[i].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return r.samples[i].Value.Uint64()
	}
	var cpu float64
	if r.samples[1].Value.Kind() == metrics.KindFloat64 {
		cpu = r.samples[1].Value.Float64() * 1000
	}
	return Stats{GCCycles: u(0), GCCPUms: cpu, AllocBytes: u(2), AllocObjects: u(3), HeapLive: u(4), HeapGoal: u(5), Mapped: u(6)}
}
