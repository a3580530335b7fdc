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
// Invariants: no collection runs before the heap reaches about budget
// bytes (or the program calls runtime.GC); after the first one, the program
// runs with GOGC percent and no memory limit, exactly as if it had set them
// at start; the heap's high-water mark during the start is about budget, or
// what the steady GOGC would reach anyway when that is more.
package startgc

import (
	"math"
	"runtime"
	"runtime/debug"
)

// minHeap is the Go runtime's minimum heap goal at GOGC 100.
const minHeap = 4 << 20

// StartPercent is the GOGC under which the first heap goal is budget bytes.
func StartPercent(budget int64) int { return int(budget * 100 / minHeap) }

// Start lets the heap grow to about budget bytes before the first
// collection and returns a channel closed once that collection has run and
// GOGC is percent (with no memory limit) from then on. A budget no larger
// than percent's own first goal sets percent at once.
func Start(budget int64, percent int) <-chan struct{} {
	done := make(chan struct{})
	debug.SetMemoryLimit(math.MaxInt64)
	start := StartPercent(budget)
	if start <= percent {
		debug.SetGCPercent(percent)
		close(done)
		return done
	}
	debug.SetGCPercent(start)
	// The sentinel is unreachable at once; its cleanup runs after the first
	// collection that finds it, which is the first collection. It is larger
	// than the tiny allocator's 16 bytes so that it is an object of its own.
	sentinel := new([64]byte)
	runtime.AddCleanup(sentinel, func(chan struct{}) {
		debug.SetGCPercent(percent)
		close(done)
	}, done)
	return done
}
