// Package cache is kubelive's query cache: a canonical query
// key maps to an entry that runs one Reflector per (cluster, namespace) list,
// merges the lists into one immutable snapshot, and notifies subscribers at
// most once per flush (an animation frame in the browser).
//
// The output is shaped for the boundary with JS: every object has a stable
// SlotID, and each flush yields a Delta holding only the changed objects' raw
// JSON, the removed slots, and, when membership changed, the new order of
// slots or (few changes) its splices of the previous order, so JS parses only what changed and keeps the identity of the rest.
package cache

import (
	"time"

	"github.com/kubelive/kubelive/internal/backoff"
	"github.com/kubelive/kubelive/internal/clock"
	"github.com/kubelive/kubelive/internal/pack"
	"github.com/kubelive/kubelive/internal/reflector"
	"github.com/kubelive/kubelive/internal/wire"
)

// SlotID names one object of an entry for as long as it exists: an update
// keeps the slot, a relist that finds the object unchanged keeps it, a
// delete frees it for good (slots are never reused within an entry).
type SlotID uint32

// Item is one object in a snapshot. Items are immutable: a change makes a
// new *Item in the same slot, and an unchanged object keeps the same *Item
// across snapshots (pointer identity mirrors JS object identity).
//
// The cache keeps an object's JSON packed against its list's dictionary
// (see package pack): Raw is then nil and JSON, AppendJSON and Len give the
// exact bytes the server sent. An Item made outside the cache (a literal)
// has its JSON in Raw, and the methods read that.
type Item struct {
	Slot    SlotID
	Cluster string
	wire.Item
	packed []byte       // the JSON packed by pk; nil when Raw holds it
	pk     *pack.Packer // the list's packer, for packed
	size   int          // len of the JSON, when packed
}

// Len is the length of the object's JSON.
func (it *Item) Len() int {
	if it.packed == nil {
		return len(it.Raw)
	}
	return it.size
}

// AppendJSON appends the object's JSON to dst: byte for byte what the
// server sent.
func (it *Item) AppendJSON(dst []byte) []byte {
	if it.packed == nil {
		return append(dst, it.Raw...)
	}
	out, err := it.pk.AppendUnpacked(dst, it.packed)
	if err != nil {
		// keep checked that the packed form reads back before storing it,
		// and both are immutable since.
		return append(dst[:len(dst):len(dst)], "null"...)
	}
	return out
}

// JSON returns the object's JSON: Raw itself (shared, read-only) when the
// item is not packed, else a new copy.
func (it *Item) JSON() []byte {
	if it.packed == nil {
		return it.Raw
	}
	return it.AppendJSON(make([]byte, 0, it.size))
}

// Wire is the object as a wire.Item whose Raw holds its JSON (Owned: a
// copy no one else writes).
func (it *Item) Wire() wire.Item {
	w := it.Item
	if it.packed != nil {
		w.Raw, w.Owned = it.JSON(), true
	}
	return w
}

// ListStatus is the condition of one list of a query.
type ListStatus struct {
	ListRef
	Phase           reflector.Phase
	Since           time.Time // when Phase began
	LastEvent       time.Time // the last watch event or bookmark; zero before any
	ResourceVersion string    // the resume point
	Err             error     // why, for PhaseError and PhaseReconnecting
	LastErr         error     // the last error, kept after recovery
	LastErrAt       time.Time // when LastErr happened
	// Deleted is set for an object query whose object was deleted: Items
	// is empty and this is not an error.
	Deleted bool
}

// Snapshot is the state of an entry at one Version. It is immutable.
type Snapshot struct {
	Key     Key
	Version uint64
	// Items are ordered by namespace, then name, then cluster (then uid).
	Items     []*Item
	Lists     []ListStatus // in the key's list order
	UpdatedAt time.Time    // when Version was made (zero for version 0)
}

// Object returns the object of an object query, nil when there is none.
func (s *Snapshot) Object() *Item {
	if len(s.Items) == 0 {
		return nil
	}
	return s.Items[0]
}

// Delta takes a subscriber from version From to Version. It is immutable and
// shared by every subscriber.
type Delta struct {
	Key           Key
	From, Version uint64
	// Order is the complete new order of slots when objects were added or
	// removed since From and Splices does not say it; nil otherwise.
	Order []SlotID
	// Splices, when the order changed by few objects, say the new order as
	// changes of the previous one (Order is then nil): ascending, disjoint
	// and not adjacent, each on positions of the previous order.
	Splices []Splice
	// Changed are the objects added or modified since From, in no order.
	Changed []*Item
	// Removed are the slots deleted since From.
	Removed   []SlotID
	Lists     []ListStatus
	UpdatedAt time.Time
}

// Splice is one change of an order: at position At of the previous order,
// Removed slots go and Inserted (in order) come in their place.
type Splice struct {
	At, Removed int
	Inserted    []SlotID
}

// Scheduler runs a flush later: requestAnimationFrame in the browser, a
// manual queue in tests. Schedule must not run f synchronously.
type Scheduler interface {
	Schedule(f func())
}

// Target is one list the cache asks a Source to serve.
type Target struct {
	ListRef
	Endpoint Endpoint
	// Params are the query's params without the selectors, which the
	// Reflector passes in ListOptions and WatchOptions.
	Params []Param
}

// Source makes the ListerWatcher of each list (over fetch and WebSockets in
// the browser, over the multiplexer later).
type Source interface {
	ListerWatcher(t Target) reflector.ListerWatcher
}

// Config configures a Cache. Source, Clock and Scheduler are required.
type Config struct {
	Source    Source
	Clock     clock.Clock
	Scheduler Scheduler
	// GCTime keeps an entry's data after its last subscriber left
	// (default 5 min).
	GCTime time.Duration
	// Debounce delays stopping the watches after the last subscriber left
	// (default 100 ms).
	Debounce time.Duration
	// MaxPending bounds the changes an entry tracks between two flushes
	// (default 10,000). Past it the entry drops the tracking and its next
	// flush diffs every object (a resync), so nothing is ever lost.
	MaxPending int
	// StaleAfter marks a live list stale when nothing (no event, no
	// bookmark, no successful resume) confirmed it for longer than this; the
	// cache's own timer publishes the change as a snapshot (default 150 s: a
	// real API server sends a bookmark about once a minute).
	StaleAfter time.Duration
	// Reach, when set, cuts every Reflector's waiting retry short when a
	// socket to its cluster opens (see backoff.Reach).
	Reach *backoff.Reach
	// Rand, WatchList, PageSize and Wire are passed to every Reflector.
	Rand      func() float64
	WatchList bool
	PageSize  int64
	Wire      wire.Options
	// OnListenerPanic reports a subscriber that panicked; the others still run.
	OnListenerPanic func(key Key, recovered any)
	// Warm, when set, seeds each new entry's lists from a persisted copy and
	// hears when a list's data or resume point changed (see Warm).
	Warm Warm
}

// Warm is a persisted copy of the cache, as the Cache sees it.
//
// A seeded list holds the seed's objects at once (the entry's first
// snapshot), resumes its watch from the seed's resourceVersion, and shows
// PhaseStale with LastEvent at the seed's save time (its age) until the
// server confirmed it: a watch open and an event or bookmark since.
type Warm interface {
	// Seed returns what was saved of one list of a query (q is normalized),
	// or ok false. It is called once per list when an entry is created, with
	// the Cache's lock held: it must not call the Cache.
	Seed(key Key, q Query, ref ListRef) (items []wire.Item, rv string, savedAt time.Time, ok bool)
	// Changed says that a flush committed a change of the list (objects or
	// resume point); export returns the list as it is then, and rv "" when
	// it holds nothing to resume from. It is called after the flush, with no
	// lock held; export may be called later from any goroutine.
	Changed(key Key, q Query, ref ListRef, export func() (items []wire.Item, rv string))
}

// Stats counts what a cache holds.
type Stats struct {
	Entries  int // entries, subscribed or kept for gcTime
	Watching int // entries whose watches run
	Lists    int // lists of the running entries
	Resyncs  int // flushes that diffed a whole entry after an overflow
}

// DefaultStaleAfter is Config.StaleAfter's default.
const DefaultStaleAfter = 150 * time.Second

// staleAt returns when a live list with status st turns stale: threshold
// after its last confirmation (the last event or bookmark, or the moment it
// went live, i.e. a successful resume); zero for a list that is not live.
func staleAt(st reflector.Status, threshold time.Duration) time.Time {
	if st.Phase != reflector.PhaseLive {
		return time.Time{}
	}
	last := st.LastEvent
	if st.Since.After(last) {
		last = st.Since
	}
	return last.Add(threshold)
}
