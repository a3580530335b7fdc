package live

import "sync"

// Handles gives the live handles of one job (its streams, its multiplexer
// subscriptions) the ids the page holds. Invariants (guarded by mu): ids
// start at 1 and are never reused, so a stale id names nothing; an id maps
// to its handle from Add until Remove or Close; after Close, Add refuses.
// Safe for concurrent use.
type Handles[T any] struct {
	mu     sync.Mutex
	closed bool
	byID   map[uint64]T
	next   uint64
}

// NewHandles returns an empty set of handles.
func NewHandles[T any]() *Handles[T] { return &Handles[T]{byID: map[uint64]T{}} }

// Add registers h and returns its id, or 0 and false once closed (the
// caller then ends h).
func (hs *Handles[T]) Add(h T) (uint64, bool) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.closed {
		return 0, false
	}
	hs.next++
	hs.byID[hs.next] = h
	return hs.next, true
}

// Get returns the handle of id.
func (hs *Handles[T]) Get(id uint64) (T, bool) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	h, ok := hs.byID[id]
	return h, ok
}

// Remove drops id and returns its handle; false if it named none (Remove
// is idempotent).
func (hs *Handles[T]) Remove(id uint64) (T, bool) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	h, ok := hs.byID[id]
	delete(hs.byID, id)
	return h, ok
}

// Len returns the number of handles.
func (hs *Handles[T]) Len() int {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	return len(hs.byID)
}

// Close drops every handle and returns them for the caller to end; later
// Adds refuse. Idempotent.
func (hs *Handles[T]) Close() []T {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	hs.closed = true
	out := make([]T, 0, len(hs.byID))
	for _, h := range hs.byID {
		out = append(out, h)
	}
	clear(hs.byID)
	return out
}
