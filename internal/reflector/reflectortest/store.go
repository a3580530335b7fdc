package reflectortest

import (
	"testing"
	"time"

	"github.com/kubelive/kubelive/internal/wire"
)

// Call is one Store call, as recorded.
type Call struct {
	Op    string // "replace", "partial", "upsert", "delete" or "bookmark"
	Items []wire.Item
	RV    string
}

// Store is a reflector.Store that records every call, in order.
type Store struct{ calls chan Call }

// NewStore returns a Store.
func NewStore() *Store { return &Store{calls: make(chan Call, 1024)} }

// Replace implements reflector.Store.
func (s *Store) Replace(items []wire.Item, rv string) {
	s.calls <- Call{Op: "replace", Items: items, RV: rv}
}

// Partial implements reflector.PartialStore.
func (s *Store) Partial(items []wire.Item) {
	s.calls <- Call{Op: "partial", Items: items}
}

// Upsert implements reflector.Store.
func (s *Store) Upsert(it wire.Item) {
	s.calls <- Call{Op: "upsert", Items: []wire.Item{it}, RV: it.ResourceVersion}
}

// Delete implements reflector.Store.
func (s *Store) Delete(it wire.Item) {
	s.calls <- Call{Op: "delete", Items: []wire.Item{it}, RV: it.ResourceVersion}
}

// Bookmark implements reflector.Store.
func (s *Store) Bookmark(rv string) { s.calls <- Call{Op: "bookmark", RV: rv} }

// Next waits for the next call.
func (s *Store) Next(t testing.TB) Call {
	t.Helper()
	select {
	case c := <-s.calls:
		return c
	case <-time.After(Deadline):
		t.Fatal("no Store call")
		return Call{}
	}
}

// Pending returns the number of calls not yet taken with Next.
func (s *Store) Pending() int { return len(s.calls) }
