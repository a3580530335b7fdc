// Package startgc runs a program's start without garbage collection: the
// heap grows freely up to a budget, and at the first collection (the
// runtime reaching that budget) the collector switches to a fixed GOGC
// with no memory limit for the rest of the program's life.
//
// A client that loads its first lists allocates a few MB at once (the LIST
// bodies, their items, the first snapshot's JSON); with a low GOGC and the
// runtime's 4 MB minimum heap goal scaled down by it, that costs one
// collection per 25% of growth, each one stopping the single wasm thread.
// The budget is a GOGC, not a memory limit: the runtime's first heap goal is
// its 4 MB minimum scaled by GOGC/100, so a GOGC of budget/4 MB*100 lets the
// heap reach about budget bytes before the first cycle, whatever else the
// runtime has mapped (a memory limit counts that too, and in wasm it
// triggered cycles well below the heap it was meant to allow).
//
// After the start a GOGC alone gives a small live heap a small headroom (at
// GOGC 25, 3 MB over a 12 MB heap), and the collections come as often as
// that headroom fills: each one stops the thread for as long as marking the
// live heap takes, however little is garbage. A floor keeps the headroom at
// least floor bytes: after each collection GOGC is percent, or what gives
// the live heap floor bytes of headroom when that is more (at most
// MaxPercent).
//
// Invariants: no collection runs before the heap reaches about budget
// bytes (or the program calls runtime.GC); after the first one, the program
// runs with no memory limit and, after each collection, GOGC
// PercentFor(live heap, percent, floor); with a floor of 0 that is percent,
// exactly as if the program had set it at start; the heap's high-water
// mark during the start is about budget, or what the steady GOGC would
// reach anyway when that is more.
package startgc

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// MaxPercent bounds the GOGC a floor asks for (a nearly empty heap).
const MaxPercent = 1000

// PercentFor is the GOGC that gives a live heap of live bytes a headroom
// of at least floor bytes, and is never below percent nor above MaxPercent
// (nor below percent when percent is above it).
func PercentFor(live uint64, percent int, floor int64) int {
	if floor <= 0 {
		return percent
	}
	want := MaxPercent
	if live > 0 {
		want = int(min(uint64(floor)*100/live+1, MaxPercent))
	}
	return max(percent, want)
}

// floorer sets GOGC after each collection from the live heap it left.
type floorer struct {
	percent int
	floor   int64
	sample  []metrics.Sample
}

// after is run once after a collection: it sets GOGC for the heap that
// collection left and arms itself for the next one.
func (f *floorer) after() {
	metrics.Read(f.sample)
	var live uint64
	if f.sample[0].Value.Kind() == metrics.KindUint64 {
		live = f.sample[0].Value.Uint64()
	}
	debug.SetGCPercent(PercentFor(live, f.percent, f.floor))
	if f.floor > 0 {
		f.arm()
	}
}

// arm makes after run after the next collection: a sentinel unreachable at
// once, whose cleanup runs after the first collection that finds it. It is
// larger than the tiny allocator's 16 bytes so that it is an object of its
// own.
func (f *floorer) arm() {
	runtime.AddCleanup(new([64]byte), func(f *floorer) { f.after() }, f)
}

// minHeap is the Go runtime's minimum heap goal at GOGC 100.
const minHeap = 4 << 20

// StartPercent is the GOGC under which the first heap goal is budget bytes.
func StartPercent(budget int64) int { return int(budget * 100 / minHeap) }

// Start lets the heap grow to about budget bytes before the first
// collection and returns a channel closed once that collection has run and
// GOGC is set for the steady state (with no memory limit) from then on:
// percent, raised after each collection as far as floor bytes of headroom
// over the live heap need (0: no floor). A budget no larger than percent's
// own first goal goes to the steady state at once.
func Start(budget int64, percent int, floor int64) <-chan struct{} {
	done := make(chan struct{})
	debug.SetMemoryLimit(math.MaxInt64)
	f := &floorer{percent: percent, floor: floor, sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	start := StartPercent(budget)
	if start <= percent {
		debug.SetGCPercent(percent)
		if floor > 0 {
			f.arm()
		}
		close(done)
		return done
	}
	debug.SetGCPercent(start)
	// The first collection's cleanup: the steady state from then on.
	runtime.AddCleanup(new([64]byte), func(chan struct{}) {
		f.after()
		close(done)
	}, done)
	return done
}
