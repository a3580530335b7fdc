// Package startgc runs a program's start without garbage collection: the
// heap grows freely up to a budget, and at the first collection (the
// runtime reaching that budget) the collector switches to a fixed GOGC
// with no memory limit for the rest of the program's life.
//
// A client that loads its first lists allocates a few MB at once (the LIST
// bodies, their items, the first snapshot's JSON); with a low GOGC and the
// runtime's 4 MB minimum heap goal scaled down by it, that costs one
// collection per 25% of growth, each one stopping the single wasm thread.
// Invariants: no collection runs before the runtime holds budget bytes (or
// the program calls runtime.GC); after the first one, the program runs with
// GOGC percent and no memory limit, exactly as if it had set them at start;
// the high-water mark of the start is at most budget, or what the steady
// GOGC would reach anyway when that is more.
package startgc

import (
	"math"
	"runtime"
	"runtime/debug"
)

// Start turns collection off below budget bytes and returns a channel
// closed once the first collection has run and GOGC is percent (with no
// memory limit) from then on. A budget <= 0 sets percent at once.
func Start(budget int64, percent int) <-chan struct{} {
	done := make(chan struct{})
	if budget <= 0 {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(math.MaxInt64)
		close(done)
		return done
	}
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(budget)
	// The sentinel is unreachable at once; its cleanup runs after the first
	// collection that finds it, which is the first collection. It is larger
	// than the tiny allocator's 16 bytes so that it is an object of its own.
	sentinel := new([64]byte)
	runtime.AddCleanup(sentinel, func(chan struct{}) {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(math.MaxInt64)
		close(done)
	}, done)
	return done
}
