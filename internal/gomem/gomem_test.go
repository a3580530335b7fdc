package gomem

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadCountsCollectionsAndAllocations(t *testing.T) {
	r := NewReader()
	before := r.Read()
	var sink [][]byte
	for range 64 {
		sink = append(sink, make([]byte, 16<<10))
	}
	runtime.GC()
	after := r.Read()
	runtime.KeepAlive(sink)

	assert.GreaterOrEqual(t, after.GCCycles, before.GCCycles+1, "runtime.GC is one completed cycle")
	assert.GreaterOrEqual(t, after.AllocBytes-before.AllocBytes, uint64(64*16<<10), "the 1 MiB allocated is counted")
	assert.GreaterOrEqual(t, after.AllocObjects-before.AllocObjects, uint64(64))
	assert.Greater(t, after.GCCPUms, 0.0, "a collection takes some CPU")
	assert.GreaterOrEqual(t, after.GCCPUms, before.GCCPUms)
	require.NotZero(t, after.HeapLive)
	assert.GreaterOrEqual(t, after.HeapGoal, after.HeapLive, "the next collection is due above the live heap")
	assert.GreaterOrEqual(t, after.Mapped, after.HeapLive)
}

func TestReadIsSafeConcurrently(t *testing.T) {
	r := NewReader()
	done := make(chan Stats)
	for range 4 {
		go func() { done <- r.Read() }()
	}
	for range 4 {
		assert.NotZero(t, (<-done).Mapped)
	}
}
