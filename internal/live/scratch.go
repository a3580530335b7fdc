package live

import "sync"

// Scratch lends one reusable byte buffer: the JSON of a delta and the slot
// bytes of its crossing, which JS copies before the call that takes them
// returns, so the buffer can serve the next delta instead of becoming
// garbage for the collector (one buffer per flush, the size of the changed
// objects, was most of what a watch stream allocated).
//
// Invariants: a buffer is lent to one caller at a time (Take removes it
// from the Scratch; a second Take before the Give gets a fresh one, never
// the same memory); the Scratch keeps at most one buffer, of at most Max
// bytes of capacity, so a relist's chunk does not stay pinned for the life
// of the client. The zero value keeps buffers of any size.
type Scratch struct {
	Max int // the largest capacity kept (0: any)

	mu  sync.Mutex
	buf []byte
}

// Take returns an empty buffer with room for at least n bytes.
func (s *Scratch) Take(n int) []byte {
	s.mu.Lock()
	b := s.buf
	s.buf = nil
	s.mu.Unlock()
	if cap(b) < n {
		return make([]byte, 0, n)
	}
	return b[:0]
}

// Give returns b for the next Take; the caller no longer uses it.
func (s *Scratch) Give(b []byte) {
	if b == nil || s.Max > 0 && cap(b) > s.Max {
		return
	}
	s.mu.Lock()
	if cap(b) > cap(s.buf) {
		s.buf = b
	}
	s.mu.Unlock()
}
