package persist

import (
	"context"
	"sync"
	"time"

	"github.com/kubelive/kubelive/internal/clock"
)

// Store is where records go (IndexedDB in the browser, a map in tests).
// Its methods may block; the Writer calls them from its own goroutine, one
// at a time.
type Store interface {
	Put(key string, value []byte) error
	Delete(key string) error
}

// DefaultInterval is how often a changing list is written at most.
const DefaultInterval = 3 * time.Second

// Encoder produces the record of one key at the time it is written (the
// list as it is then), or ok false when there is nothing to keep now.
type Encoder func() (data []byte, ok bool, err error)

// Writer writes changed lists at most once per Interval, and every pending
// one at once on Flush (the page hides). Invariants: a key marked dirty is
// written once after its last Mark unless Forget drops it; no two writes run
// at once; nothing is written after Close returns.
type Writer struct {
	store    Store
	clk      clock.Clock
	interval time.Duration
	onError  func(error)

	wake   chan struct{}
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	writeMu sync.Mutex // one write pass at a time

	mu        sync.Mutex
	dirty     map[string]Encoder // guarded by mu
	lastWrite time.Time          // guarded by mu: when the last pass began
	writes    int                // guarded by mu: records written
}

// NewWriter starts a Writer (one goroutine, stopped by Close). interval <=
// 0 means DefaultInterval; onError (may be nil) hears failed writes.
func NewWriter(store Store, clk clock.Clock, interval time.Duration, onError func(error)) *Writer {
	if interval <= 0 {
		interval = DefaultInterval
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := &Writer{store: store, clk: clk, interval: interval, onError: onError, wake: make(chan struct{}, 1),
		ctx: ctx, cancel: cancel, done: make(chan struct{}), dirty: map[string]Encoder{}}
	go w.loop()
	return w
}

// Mark says key changed; enc is called when it is written.
func (w *Writer) Mark(key string, enc Encoder) {
	w.mu.Lock()
	w.dirty[key] = enc
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Forget drops a pending write of key (its data must no longer be kept).
func (w *Writer) Forget(key string) {
	w.mu.Lock()
	delete(w.dirty, key)
	w.mu.Unlock()
}

// Pending returns how many keys wait to be written.
func (w *Writer) Pending() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.dirty)
}

// Writes returns how many records were written so far.
func (w *Writer) Writes() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.writes
}

// Flush writes every pending key now and returns when they are written.
func (w *Writer) Flush() {
	w.pass()
}

// Drop discards every pending write and runs fn while no write runs (e.g.
// deleting what is stored), so that nothing written before fn survives it.
func (w *Writer) Drop(fn func() error) error {
	w.writeMu.Lock()
	defer w.writeMu.Unlock()
	w.mu.Lock()
	w.dirty = map[string]Encoder{}
	w.mu.Unlock()
	return fn()
}

// Close stops the Writer without writing what is pending (Flush first to
// keep it).
func (w *Writer) Close() {
	w.cancel()
	<-w.done
}

func (w *Writer) loop() {
	defer close(w.done)
	for {
		w.mu.Lock()
		pending := len(w.dirty) > 0
		due := w.lastWrite.Add(w.interval)
		w.mu.Unlock()
		var fire <-chan time.Time
		var t clock.Timer
		if pending {
			t = w.clk.NewTimer(due.Sub(w.clk.Now()))
			fire = t.C()
		}
		select {
		case <-fire:
			w.pass()
		case <-w.wake:
		case <-w.ctx.Done():
			if t != nil {
				t.Stop()
			}
			return
		}
		if t != nil {
			t.Stop()
		}
	}
}

// pass writes every dirty key once.
func (w *Writer) pass() {
	w.writeMu.Lock()
	defer w.writeMu.Unlock()
	w.mu.Lock()
	batch := w.dirty
	w.dirty = map[string]Encoder{}
	w.lastWrite = w.clk.Now()
	w.mu.Unlock()
	for key, enc := range batch {
		if w.ctx.Err() != nil {
			return
		}
		data, ok, err := enc()
		if err == nil {
			if ok {
				err = w.store.Put(key, data)
			} else {
				err = w.store.Delete(key)
			}
		}
		if err != nil {
			if w.onError != nil {
				w.onError(err)
			}
			continue
		}
		w.mu.Lock()
		w.writes++
		w.mu.Unlock()
	}
}
