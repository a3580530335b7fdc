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
	done := Start(256<<20, 25, 0)
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
	require.Equal(t, StartPercent(256<<20), debug.SetGCPercent(-1), "the start's GOGC")
	require.Equal(t, int64(math.MaxInt64), debug.SetMemoryLimit(-1), "no memory limit")
}

func TestSwitchesAtTheFirstCollection(t *testing.T) {
	restore(t)
	done := Start(1<<30, 25, 0)
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
	done := Start(16<<20, 25, 0)
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
	done := Start(1<<20, 40, 0) // GOGC 25's first goal is 1 MB, below 40's
	select {
	case <-done:
	default:
		t.Fatal("not switched")
	}
	require.Equal(t, 40, debug.SetGCPercent(40))
	require.Equal(t, int64(math.MaxInt64), debug.SetMemoryLimit(-1))
}

func TestPercentFor(t *testing.T) {
	const mb = 1 << 20
	cases := []struct {
		name    string
		live    uint64
		percent int
		floor   int64
		want    int
	}{
		{"no floor", 12 * mb, 25, 0, 25},
		{"a large heap keeps the percent", 44 * mb, 25, 8 * mb, 25},
		{"a small heap gets the floor", 12 * mb, 25, 8 * mb, 67},
		{"exactly at the floor", 32 * mb, 25, 8 * mb, 26},
		{"a tiny heap is bounded", 1024, 25, 8 * mb, MaxPercent},
		{"nothing live yet", 0, 25, 8 * mb, MaxPercent},
		{"a percent above the bound stays", 1024, 2000, 8 * mb, 2000},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := PercentFor(tc.live, tc.percent, tc.floor)
			require.Equal(t, tc.want, got)
			if tc.floor > 0 && got < MaxPercent {
				require.GreaterOrEqual(t, tc.live*uint64(got)/100, uint64(tc.floor), "the headroom reaches the floor")
			}
		})
	}
}

func TestFloorSetAfterEveryCollection(t *testing.T) {
	restore(t)
	done := Start(1<<30, 25, 8<<20)
	deadline := time.After(10 * time.Second)
	for {
		runtime.GC()
		select {
		case <-done:
			// the test binary's live heap is far below 8 MB: the bound
			require.Equal(t, MaxPercent, debug.SetGCPercent(5))
			// a later collection sets it again (the floorer re-armed)
			for {
				runtime.GC()
				select {
				case <-deadline:
					t.Fatal("GOGC not set again after a later collection")
				case <-time.After(10 * time.Millisecond):
				}
				if p := debug.SetGCPercent(5); p == MaxPercent {
					return
				}
			}
		case <-deadline:
			t.Fatal("no switch after collections")
		case <-time.After(10 * time.Millisecond):
		}
	}
}
