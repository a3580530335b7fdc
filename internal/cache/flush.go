package cache

import (
	"slices"
	"sort"
	"time"
)

// listener is one subscription; compared by pointer, so the same function
// may subscribe twice.
type listener struct {
	fn func(*Delta)
}

// flush commits the changes since the last flush into a new version and
// notifies the listeners once, outside the data lock, over a copied list.
func (e *entry) flush() {
	e.flushMu.Lock()
	defer e.flushMu.Unlock()
	e.mu.Lock()
	e.scheduled = false
	if len(e.dirty) == 0 && !e.resync && !e.statusChg {
		e.mu.Unlock()
		return
	}
	d := e.commit()
	ls := slices.Clone(e.listeners)
	var changed []*list
	if e.c.cfg.Warm != nil {
		for _, l := range e.lists {
			if l.changed {
				l.changed = false
				changed = append(changed, l)
			}
		}
	}
	e.mu.Unlock()
	for _, l := range ls {
		e.notify(l, d)
	}
	for _, l := range changed {
		e.c.cfg.Warm.Changed(e.key, e.query, l.ref, l.export)
	}
}

// notify calls one listener, isolating a panic.
func (e *entry) notify(l *listener, d *Delta) {
	defer func() {
		if v := recover(); v != nil && e.c.cfg.OnListenerPanic != nil {
			e.c.cfg.OnListenerPanic(e.key, v)
		}
	}()
	l.fn(d)
}

// commit turns the dirty recs into a Delta and advances the version:
// O(changed log n) plus, when objects were added or removed, one copy of the
// order (whole runs, no per-object work) and, only when the changes are
// many, the complete order of slots. Caller holds e.mu.
func (e *entry) commit() *Delta {
	d := &Delta{Key: e.key, From: e.version}
	var added, removed []*rec
	membership := false
	visit := func(r *rec) {
		r.dirty, r.tomb = false, false
		switch {
		case r.live == r.committed: // added and deleted since the last flush, or unchanged
		case r.live == nil:
			d.Removed = append(d.Removed, r.slot)
			removed = append(removed, r)
			membership = true
		case r.committed == nil:
			added = append(added, r)
			d.Changed = append(d.Changed, r.live)
			membership = true
		default:
			d.Changed = append(d.Changed, r.live)
		}
		r.committed = r.live
		if r.live == nil {
			delete(r.l.recs, r.uid)
		}
	}
	if e.resync {
		e.resyncs++
		for _, l := range e.lists {
			for _, r := range l.recs {
				if r.dirty {
					visit(r)
				}
			}
		}
	} else {
		for _, r := range e.dirty {
			visit(r)
		}
	}
	clear(e.dirty)
	e.dirty, e.resync = e.dirty[:0], false
	if membership {
		if sp, ok := e.resplice(added, removed); ok {
			d.Splices = sp
		} else {
			e.reorder(added)
			d.Order = make([]SlotID, len(e.order))
			for i, r := range e.order {
				d.Order[i] = r.slot
			}
		}
	}
	if e.statusChg || d.Changed != nil || d.Removed != nil {
		e.statuses = e.listStatuses()
		e.statusChg = false
	}
	e.version++
	e.updatedAt = e.c.cfg.Clock.Now()
	e.snap = nil
	d.Version, d.Lists, d.UpdatedAt = e.version, e.statuses, e.updatedAt
	return d
}

// reorder makes e.order the order with added and without its removed recs.
// The new order is built in the spare one and the old becomes the spare
// (cleared: it keeps no removed rec alive), so a stream of adds and deletes
// allocates no order of n recs per flush. Caller holds e.mu.
func (e *entry) reorder(added []*rec) {
	old := e.order
	e.order = mergeOrder(e.spareOrder[:0], old, added)
	clear(old)
	e.spareOrder = old[:0]
}

// maxSpliceShare is the share of the order (1/maxSpliceShare) that the
// objects added and removed by one flush may reach for the Delta to say the
// change as splices; past it the complete order is as cheap to send.
const maxSpliceShare = 8

// resplice makes e.order the order with added and without removed (recs
// still in it, whose committed is now nil) and returns the change as
// splices of the previous order, or ok false (nothing done) when the
// changes are too many for splices to be worth it. The positions are
// found by binary search, O((a+r) log n); the new order is the old one's
// runs copied whole into the spare buffer. Caller holds e.mu.
func (e *entry) resplice(added, removed []*rec) ([]Splice, bool) {
	old := e.order
	if (len(added)+len(removed))*maxSpliceShare > len(old) {
		return nil, false
	}
	at := func(r *rec) int {
		return sort.Search(len(old), func(j int) bool { return less(r, old[j]) <= 0 })
	}
	slices.SortFunc(added, less)
	put := make([]int, len(added))
	for i, r := range added {
		put[i] = at(r)
	}
	gone := make([]int, len(removed))
	for i, r := range removed {
		gone[i] = at(r) // old holds r: less is a total order (uid last)
	}
	slices.Sort(gone)
	var sp []Splice
	var ins [][]*rec // the inserted recs of each splice
	// open returns the splice that position p extends (it starts at p or
	// ends just before it), or a new one at p.
	open := func(p int) int {
		if n := len(sp); n > 0 && sp[n-1].At+sp[n-1].Removed == p {
			return n - 1
		}
		sp = append(sp, Splice{At: p})
		ins = append(ins, nil)
		return len(sp) - 1
	}
	a, g := 0, 0
	for a < len(added) || g < len(gone) {
		// At one position, an insertion (before old[p]) goes first.
		if a < len(added) {
			if p := put[a]; g == len(gone) || p <= gone[g] {
				k := open(p)
				sp[k].Inserted = append(sp[k].Inserted, added[a].slot)
				ins[k] = append(ins[k], added[a])
				a++
				continue
			}
		}
		sp[open(gone[g])].Removed++
		g++
	}
	out := slices.Grow(e.spareOrder[:0], len(old)+len(added)-len(removed))
	prev := 0
	for k, s := range sp {
		out = append(out, old[prev:s.At]...)
		out = append(out, ins[k]...)
		prev = s.At + s.Removed
	}
	e.order = append(out, old[prev:]...)
	clear(old)
	e.spareOrder = old[:0]
	return sp, true
}

// mergeOrder appends to into (which must not share memory with old) the new
// order: old without its removed recs (committed == nil), with added (sorted
// here) inserted at positions found by binary search. O(n) copying plus
// O(k log n) comparisons.
func mergeOrder(into, old, added []*rec) []*rec {
	slices.SortFunc(added, less)
	out := slices.Grow(into[:0], len(old)+len(added))
	prev := 0
	for _, a := range added {
		pos := prev + sort.Search(len(old)-prev, func(j int) bool { return less(a, old[prev+j]) < 0 })
		out = appendCommitted(out, old[prev:pos])
		out = append(out, a)
		prev = pos
	}
	return appendCommitted(out, old[prev:])
}

// appendCommitted appends the recs of rs that are still in the list.
func appendCommitted(out, rs []*rec) []*rec {
	for _, r := range rs {
		if r.committed != nil {
			out = append(out, r)
		}
	}
	return out
}

// listStatuses returns a new slice of the lists' statuses. Caller holds e.mu.
func (e *entry) listStatuses() []ListStatus {
	now := e.c.cfg.Clock.Now()
	out := make([]ListStatus, len(e.lists))
	for i, l := range e.lists {
		out[i] = l.listStatus(now)
		l.staleMarked = false
	}
	return out
}

// staleDue returns the earliest moment one of the entry's lists turns stale
// and is not shown so yet (zero: none). Caller holds e.mu.
func (e *entry) staleDue() time.Time {
	var next time.Time
	for i, l := range e.lists {
		if t := l.staleDue(e.statuses[i]); !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	return next
}

// snapshot returns the snapshot at the current version, memoised: O(n) the
// first time per version. Caller holds e.mu.
func (e *entry) snapshot() *Snapshot {
	if e.snap != nil {
		return e.snap
	}
	items := make([]*Item, len(e.order))
	for i, r := range e.order {
		items[i] = r.committed
	}
	e.snap = &Snapshot{Key: e.key, Version: e.version, Items: items, Lists: e.statuses, UpdatedAt: e.updatedAt}
	return e.snap
}
