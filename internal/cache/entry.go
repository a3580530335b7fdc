package cache

import (
	"context"
	"sync"
	"time"

	"github.com/kubelive/kubelive/internal/pack"
	"github.com/kubelive/kubelive/internal/reflector"
	"github.com/kubelive/kubelive/internal/wire"
)

// entry is one query's data. Lock order: Cache.mu, then entry.flushMu, then
// entry.mu.
type entry struct {
	c     *Cache
	key   Key
	query Query // normalized

	// Guarded by Cache.mu: subscription bookkeeping.
	subscribers int
	running     bool      // the reflectors run
	stopAt      time.Time // stop the watches then (zero: not scheduled)
	gcAt        time.Time // drop the entry then (zero: not scheduled)

	flushMu sync.Mutex // serialises flushes, so deltas reach listeners in order

	mu        sync.Mutex
	lists     []*list // one per query list, in key order; fixed at creation
	dirty     []*rec  // recs changed since the last flush, each once. Invariant: r.dirty for each; len(dirty) <= MaxPending
	resync    bool    // dirty overflowed: the next flush visits every rec
	statusChg bool    // a list status changed since the last flush
	scheduled bool    // a flush is scheduled and has not started
	order     []*rec  // committed recs. Invariant: sorted by less; holds exactly the recs whose committed != nil
	// spareOrder is the memory of the order before the last change, all nil,
	// which the next change builds its order in. Invariant: never shares
	// memory with order.
	spareOrder []*rec
	nextSlot   SlotID
	version    uint64
	updatedAt  time.Time
	statuses   []ListStatus // as of version; never mutated (replaced)
	snap       *Snapshot    // memo of Snapshot() at version, or nil
	listeners  []*listener
	resyncs    int
}

// list is one (cluster, namespace) list of an entry and the reflector.Store
// its Reflector writes to.
type list struct {
	e      *entry
	ref    ListRef
	target Target
	label  string
	field  string
	// Guarded by e.mu:
	recs    map[string]*rec // uid -> rec. Invariant: holds every rec with live or committed set, and no other after a flush
	rv      string          // the last resourceVersion the Store received: the resume point
	gen     int             // generation of the running Reflector; calls of older ones are ignored
	refl    *reflector.Reflector
	cancel  context.CancelFunc
	deleted bool // object queries: the object was deleted
	// staleMarked: the sweeper found the list due to turn stale and a flush
	// will publish it; cleared when statuses are computed.
	staleMarked bool
	seen        uint64 // Replace generation, see rec.seen
	// warmAt is the save time of the persisted seed the list shows until
	// the server confirmed it (zero: not seeded, or confirmed since).
	warmAt time.Time
	// changed: the Store changed the list since the last flush (told to
	// Config.Warm after it).
	changed bool
	// pk packs the list's objects (keep): made from its first object.
	pk *pack.Packer
	// staged are the objects of a LIST's pages the Reflector staged
	// (Stage), by uid, until the Replace that completes the list.
	staged map[string]*Item
	// packBuf is keep's scratch: Pack's output before its copy (kept for
	// objects up to maxPackBuf bytes).
	packBuf []byte
}

// rec tracks one object across flushes. Invariant: slot, uid, namespace and
// name never change (they are immutable for a uid in Kubernetes).
type rec struct {
	l                    *list
	slot                 SlotID
	uid, namespace, name string
	live                 *Item  // the current state; nil once deleted
	committed            *Item  // the state at the last flush; nil before
	dirty                bool   // in e.dirty (or pending a resync)
	tomb                 bool   // deleted since the last flush: a delete dominates later upserts
	seen                 uint64 // last Replace generation that listed it
}

// less orders recs by namespace, name, cluster, uid.
func less(a, b *rec) int {
	switch {
	case a.namespace != b.namespace:
		return cmpStr(a.namespace, b.namespace)
	case a.name != b.name:
		return cmpStr(a.name, b.name)
	case a.l.ref.Cluster != b.l.ref.Cluster:
		return cmpStr(a.l.ref.Cluster, b.l.ref.Cluster)
	}
	return cmpStr(a.uid, b.uid)
}

func cmpStr(a, b string) int {
	if a < b {
		return -1
	}
	if a > b {
		return 1
	}
	return 0
}

// store is the reflector.Store of one run of a list's Reflector.
type store struct {
	l   *list
	gen int
}

// lock locks the entry and reports whether this run is still the current
// one; if not, the entry is unlocked.
func (s store) lock() bool {
	s.l.e.mu.Lock()
	if s.l.gen != s.gen {
		s.l.e.mu.Unlock()
		return false
	}
	return true
}

// unlock unlocks the entry and schedules a flush if one is needed.
func (s store) unlock() { s.l.e.unlockAndSchedule() }

// unlockAndSchedule unlocks e.mu and schedules a flush if changes wait for
// one and none is scheduled.
func (e *entry) unlockAndSchedule() {
	need := !e.scheduled && (len(e.dirty) > 0 || e.resync || e.statusChg)
	if need {
		e.scheduled = true
	}
	e.mu.Unlock()
	if need {
		e.c.cfg.Scheduler.Schedule(e.flush)
	}
}

// Upsert implements reflector.Store in O(1). A duplicate (same uid and
// resourceVersion) changes nothing (resourceVersions are opaque: compared, never ordered); an object deleted since the last
// flush stays deleted (a delete dominates).
func (s store) Upsert(it wire.Item) {
	if !s.lock() {
		return
	}
	l := s.l
	l.rv, l.changed = it.ResourceVersion, true
	r := l.recs[it.UID]
	switch {
	case r == nil:
		r = l.newRec(it)
	case r.tomb || r.live != nil && r.live.ResourceVersion == it.ResourceVersion:
		s.unlock()
		return
	}
	r.live = l.keep(r, it)
	if l.deleted {
		l.deleted, l.e.statusChg = false, true
	}
	l.e.markDirty(r)
	s.unlock()
}

// Delete implements reflector.Store in O(1).
func (s store) Delete(it wire.Item) {
	if !s.lock() {
		return
	}
	l := s.l
	l.rv, l.changed = it.ResourceVersion, true
	if r := l.recs[it.UID]; r != nil && r.live != nil {
		r.live, r.tomb = nil, true
		l.e.markDirty(r)
	}
	if l.e.query.Name != "" && !l.deleted {
		l.deleted, l.e.statusChg = true, true
	}
	s.unlock()
}

// Bookmark implements reflector.Store. It publishes the new resume point
// and LastEvent at the next flush (a quiet list is not a stale one).
func (s store) Bookmark(rv string) {
	if !s.lock() {
		return
	}
	s.l.rv, s.l.e.statusChg, s.l.changed = rv, true, true
	s.unlock()
}

// Replace implements reflector.Store in O(n): a diff against the current
// state, so unchanged objects (same uid and resourceVersion) keep their
// *Item and slot.
func (s store) Replace(items []wire.Item, rv string) {
	if !s.lock() {
		return
	}
	l := s.l
	l.rv, l.changed = rv, true
	l.seen++
	if len(l.recs) == 0 && len(items) > 0 {
		l.recs = make(map[string]*rec, len(items)) // a first list: no growth step by step
	}
	for _, it := range items {
		r := l.recs[it.UID]
		if r == nil {
			r = l.newRec(it)
		}
		r.seen, r.tomb = l.seen, false
		if r.live == nil || r.live.ResourceVersion != it.ResourceVersion {
			if st := l.staged[it.UID]; it.Raw == nil && st != nil && st.ResourceVersion == it.ResourceVersion {
				st.Slot = r.slot
				r.live = st
			} else {
				r.live = l.keep(r, it)
			}
			l.e.markDirty(r)
		}
	}
	l.staged = nil
	for _, r := range l.recs {
		if r.seen != l.seen && r.live != nil {
			r.live = nil
			l.e.markDirty(r)
		}
	}
	if l.deleted != (l.e.query.Name != "" && len(items) == 0) {
		l.deleted, l.e.statusChg = !l.deleted, true
	}
	s.unlock()
}

// Holds implements reflector.HoldingStore in O(1): the list's current
// object uid is at rv, or a staged one is (a stale run's Store holds
// nothing).
func (s store) Holds(uid, rv string) bool {
	if !s.lock() {
		return false
	}
	r := s.l.recs[uid]
	held := r != nil && !r.tomb && r.live != nil && r.live.ResourceVersion == rv
	if st := s.l.staged[uid]; !held && st != nil {
		held = st.ResourceVersion == rv
	}
	s.l.e.mu.Unlock()
	return held
}

// Stage implements reflector.StagingStore in O(len(items)): each object is
// kept packed (keep) in l.staged, shown by no snapshot, until the next
// Replace takes the ones it lists (with their slot) and drops the rest. A
// staged object is the exact bytes of its uid at its resourceVersion, so one
// left by a run that failed is still right for the next one's Replace.
func (s store) Stage(items []wire.Item) bool {
	if !s.lock() {
		return false
	}
	l := s.l
	if l.staged == nil {
		l.staged = make(map[string]*Item, len(items))
	}
	for _, it := range items {
		l.staged[it.UID] = l.keep(nil, it)
	}
	s.l.e.mu.Unlock() // nothing to flush: staged objects are not shown
	return true
}

// Partial implements reflector.PartialStore: the first page of a first
// list is shown at the next flush, with the list's status as it is
// (loading: a Reflector reports live only after the whole list). It sets
// no resume point and is never persisted, so a list that holds a resume
// point (listed, resumed or seeded) ignores it: only Replace completes a
// list, and the objects of the page keep their identity through it.
func (s store) Partial(items []wire.Item) {
	if !s.lock() {
		return
	}
	l := s.l
	if l.rv != "" {
		s.unlock()
		return
	}
	for _, it := range items {
		r := l.recs[it.UID]
		if r == nil {
			r = l.newRec(it)
		}
		if r.live != nil && r.live.ResourceVersion == it.ResourceVersion {
			continue
		}
		r.live, r.tomb = l.keep(r, it), false
		l.e.markDirty(r)
	}
	s.unlock()
}

// keep makes the Item r holds for it: its JSON packed against the list's
// dictionary (the first object the list kept, so that objects of one list,
// which share most of their bytes, keep only what differs), never aliasing
// it.Raw (a frame's or a LIST body's memory, reused or dropped after). The
// packed form is read back and compared once: an object whose packed form
// does not give its exact bytes back is kept as it is. Caller holds e.mu.
// r nil: a staged object, its slot set when a rec takes it.
func (l *list) keep(r *rec, it wire.Item) *Item {
	if l.pk == nil {
		l.pk = pack.NewPacker(it.Raw)
	}
	var scratch []byte // a big object's: not kept
	if len(it.Raw) <= maxPackBuf {
		if cap(l.packBuf) < len(it.Raw)+16 {
			l.packBuf = make([]byte, 0, len(it.Raw)+len(it.Raw)/2+16)
		}
		scratch = l.packBuf
	}
	p := l.pk.PackWith(scratch, it.Raw)
	if !l.pk.Holds(p, it.Raw) {
		p = pack.Raw(it.Raw)
	}
	size := len(it.Raw)
	it.Raw, it.Owned = nil, false
	var slot SlotID
	if r != nil {
		slot = r.slot
	}
	return &Item{Slot: slot, Cluster: l.ref.Cluster, Item: it, packed: p, pk: l.pk, size: size}
}

// maxPackBuf bounds the scratch a list keeps for packing.
const maxPackBuf = 64 << 10

// newRec adds a rec for it. Caller holds e.mu.
func (l *list) newRec(it wire.Item) *rec {
	l.e.nextSlot++
	r := &rec{l: l, slot: l.e.nextSlot, uid: it.UID, namespace: it.Namespace, name: it.Name}
	l.recs[it.UID] = r
	return r
}

// markDirty records that r changed since the last flush. Past MaxPending the
// entry stops tracking and resyncs at the next flush. Caller holds e.mu.
func (e *entry) markDirty(r *rec) {
	if r.dirty {
		return
	}
	r.dirty = true
	if e.resync {
		return
	}
	if len(e.dirty) >= e.c.cfg.MaxPending {
		e.resync, e.dirty = true, nil
		return
	}
	e.dirty = append(e.dirty, r)
}

// statusChanged is the OnStatus of a list's Reflector. A list that went
// live gets a staleness deadline: the sweeper is told to look again.
func (s store) statusChanged(st reflector.Status) {
	if !s.lock() {
		return
	}
	s.l.e.statusChg = true
	s.unlock()
	if st.Phase == reflector.PhaseLive {
		s.l.e.c.nudge()
	}
}

// listStatus returns the current status of l at now: a live list that
// nothing confirmed for StaleAfter is stale. Caller holds e.mu.
func (l *list) listStatus(now time.Time) ListStatus {
	ls := ListStatus{ListRef: l.ref, Phase: reflector.PhaseLoading, ResourceVersion: l.rv, Deleted: l.deleted}
	if l.refl != nil {
		st := l.refl.Status()
		ls.Phase, ls.Since, ls.LastEvent, ls.Err = st.Phase, st.Since, st.LastEvent, st.Err
		ls.LastErr, ls.LastErrAt = st.LastErr, st.LastErrAt
		if at := staleAt(st, l.e.c.cfg.StaleAfter); !at.IsZero() && !now.Before(at) {
			ls.Phase = reflector.PhaseStale
		}
		l.warmShown(&ls, st)
	} else {
		l.warmShown(&ls, reflector.Status{})
	}
	return ls
}

// warmShown shows a seeded list stale, aged from its save time, until the
// server confirmed the seed: the watch is open and an event or bookmark
// came after the seed (a resume the server has not answered yet proves
// nothing: a 410 may still follow). An error is shown as it is. Caller
// holds e.mu.
func (l *list) warmShown(ls *ListStatus, st reflector.Status) {
	if l.warmAt.IsZero() {
		return
	}
	if st.Phase == reflector.PhaseLive && !st.LastEvent.IsZero() {
		l.warmAt = time.Time{}
		return
	}
	if st.Phase != reflector.PhaseError {
		ls.Phase, ls.LastEvent = reflector.PhaseStale, l.warmAt
	}
}

// staleDue returns when l next needs a flush to show it stale, or zero when
// it is not live or already shown stale. Caller holds e.mu.
func (l *list) staleDue(shown ListStatus) time.Time {
	if l.refl == nil || l.staleMarked || shown.Phase == reflector.PhaseStale {
		return time.Time{}
	}
	return staleAt(l.refl.Status(), l.e.c.cfg.StaleAfter)
}

// seed fills a new list with a persisted copy: every object a rec, the
// resume point, and the save time it is shown aged from. Caller holds e.mu
// (or owns the entry, not yet shared).
func (l *list) seed(items []wire.Item, rv string, savedAt time.Time) {
	if len(l.recs) == 0 {
		l.recs = make(map[string]*rec, len(items)) // no growth step by step
	}
	for _, it := range items {
		if it.UID == "" || l.recs[it.UID] != nil {
			continue // a duplicate uid: the first one stands
		}
		r := l.newRec(it)
		r.live = l.keep(r, it)
		l.e.markDirty(r)
	}
	l.rv, l.warmAt = rv, savedAt
}

// export returns the list's current objects and resume point (for
// Config.Warm), in the entry's order (namespace, name) with the objects
// added since the last flush after them: a seed made of it is already
// sorted, so the first flush of a warm start sorts in O(n). It locks e.mu.
func (l *list) export() ([]wire.Item, string) {
	l.e.mu.Lock()
	defer l.e.mu.Unlock()
	items := make([]wire.Item, 0, len(l.recs))
	for _, r := range l.e.order {
		if r.l == l && r.live != nil {
			items = append(items, r.live.Wire())
		}
	}
	for _, r := range l.recs {
		if r.committed == nil && r.live != nil {
			items = append(items, r.live.Wire())
		}
	}
	return items, l.rv
}
