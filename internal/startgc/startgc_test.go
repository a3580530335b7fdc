package startgc

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// restore puts the test binary's GC settings back after a test changed them.
func restore(t *testing.T) {
	percent := debug.SetGCPercent(100)
	debug.SetGCPercent(percent)
	limit := debug.SetMemoryLimit(-1)
	t.Cleanup(func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	})
}

func numGC() uint32 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.NumGC
}

func TestNoCollectionBelowTheBudget(t *testing.T) {
	restore(t)
	runtime.GC()
	before := numGC()
	done := Start(1<<30, 25)
	// 32 MB of garbage: at GOGC 25 that is several collections.
	for i := 0; i < 32; i++ {
		runtime.KeepAlive(make([]byte, 1<<20))
	}
	require.Equal(t, before, numGC(), "a collection ran below the budget")
	select {
	case <-done:
		t.Fatal("switched to the steady GOGC before any collection")
	default:
	}
	require.Equal(t, -1, debug.SetGCPercent(-1), "collection is off during the start")
	require.Equal(t, int64(1<<30), debug.SetMemoryLimit(-1))
}

func TestSwitchesAtTheFirstCollection(t *testing.T) {
	restore(t)
	done := Start(1<<30, 25)
	deadline := time.After(10 * time.Second)
	for {
		runtime.GC() // a collection, as reaching the budget would cause
		select {
		case <-done:
			require.Equal(t, 25, debug.SetGCPercent(25))
			require.Equal(t, int64(math.MaxInt64), debug.SetMemoryLimit(-1))
			return
		case <-deadline:
			t.Fatal("no switch after collections")
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func TestReachingTheBudgetSwitches(t *testing.T) {
	restore(t)
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	budget := int64(m.Sys) + 16<<20 // 16 MB above what the runtime holds now
	done := Start(budget, 25)
	deadline := time.After(10 * time.Second)
	for {
		runtime.KeepAlive(make([]byte, 1<<20)) // garbage, never a collection by hand
		select {
		case <-done:
			require.Equal(t, 25, debug.SetGCPercent(25))
			return
		case <-deadline:
			t.Fatal("the heap passed the budget and collection stayed off")
		default:
		}
	}
}

func TestNoBudgetSetsThePercentAtOnce(t *testing.T) {
	restore(t)
	done := Start(0, 40)
	select {
	case <-done:
	default:
		t.Fatal("not switched")
	}
	require.Equal(t, 40, debug.SetGCPercent(40))
	require.Equal(t, int64(math.MaxInt64), debug.SetMemoryLimit(-1))
}
