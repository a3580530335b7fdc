package cache

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/kubelive/kubelive/internal/clock"
	"github.com/kubelive/kubelive/internal/reflector"
)

// Cache maps query keys to live entries. It is safe for concurrent use.
type Cache struct {
	cfg    Config
	ctx    context.Context // ends at Close; parent of every Reflector
	cancel context.CancelFunc
	wake   chan struct{} // nudges the sweeper to recompute its deadline
	wg     sync.WaitGroup

	mu      sync.Mutex
	entries map[Key]*entry // guarded by mu
	closed  bool
}

// New returns a Cache and starts its one sweeper goroutine (the single timer
// behind every debounce, gcTime and staleness deadline); Close stops it.
func New(cfg Config) *Cache {
	if cfg.GCTime <= 0 {
		cfg.GCTime = 5 * time.Minute
	}
	if cfg.Debounce <= 0 {
		cfg.Debounce = 100 * time.Millisecond
	}
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = 10_000
	}
	if cfg.StaleAfter <= 0 {
		cfg.StaleAfter = DefaultStaleAfter
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Cache{cfg: cfg, ctx: ctx, cancel: cancel, wake: make(chan struct{}, 1), entries: map[Key]*entry{}}
	c.wg.Add(1)
	go c.sweeper()
	return c
}

// Subscribe returns the current snapshot of q (cached data at once, while within gcTime) and
// then calls fn with one Delta per flush, starting from that snapshot's
// version. unsubscribe removes exactly this subscription and is idempotent;
// after the last one the watches stop after Debounce and the data stays for
// GCTime.
func (c *Cache) Subscribe(q Query, fn func(*Delta)) (snap *Snapshot, unsubscribe func(), err error) {
	n, err := q.normalize()
	if err != nil {
		return nil, nil, err
	}
	key := n.key()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, nil, ErrClosed
	}
	e := c.entries[key]
	if e == nil {
		e = c.newEntry(key, n)
		c.entries[key] = e
	}
	e.subscribers++
	e.stopAt, e.gcAt = time.Time{}, time.Time{}
	if !e.running {
		c.start(e)
	}
	l := &listener{fn: fn}
	e.mu.Lock()
	e.listeners = append(e.listeners, l)
	snap = e.snapshot()
	e.mu.Unlock()
	var once sync.Once
	return snap, func() { once.Do(func() { c.unsubscribe(e, l) }) }, nil
}

// WatchObject subscribes to one object: q must have one list and a Name.
func (c *Cache) WatchObject(q Query, fn func(*Delta)) (*Snapshot, func(), error) {
	if q.Name == "" || len(q.Lists) != 1 {
		return nil, nil, ErrObjectQuery
	}
	return c.Subscribe(q, fn)
}

// Get returns the current snapshot of key, if the cache holds it.
func (c *Cache) Get(key Key) (*Snapshot, bool) {
	c.mu.Lock()
	e := c.entries[key]
	c.mu.Unlock()
	if e == nil {
		return nil, false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.snapshot(), true
}

// Committed appends to dst the item that each of slots holds at the last
// flush of key (the state every listener has been given), and returns it:
// what a reader that keeps no copy of the objects (only their slots) reads
// when it needs their JSON. pos[i], when in range, is where slots[i] stands
// in that flush's order (a reader that mirrors the order knows it): the
// item is found there in O(1), else by one walk of the order for all the
// slots not found so. A slot the last flush does not hold is an error
// (naming how many), and dst then holds nothing of this call.
func (c *Cache) Committed(dst []*Item, key Key, slots []SlotID, pos []uint32) ([]*Item, error) {
	c.mu.Lock()
	e := c.entries[key]
	c.mu.Unlock()
	if e == nil {
		return dst, fmt.Errorf("cache: no data for %s", key)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	base := len(dst)
	var missing map[SlotID][]int // slot -> the indexes of slots it is at
	for i, s := range slots {
		if i < len(pos) && int(pos[i]) < len(e.order) && e.order[pos[i]].slot == s {
			dst = append(dst, e.order[pos[i]].committed)
			continue
		}
		if missing == nil {
			missing = map[SlotID][]int{}
		}
		missing[s] = append(missing[s], i)
		dst = append(dst, nil)
	}
	if missing == nil {
		return dst, nil
	}
	want := 0
	for _, at := range missing {
		want += len(at)
	}
	for _, r := range e.order {
		for _, i := range missing[r.slot] {
			dst[base+i] = r.committed
			want--
		}
	}
	if want > 0 {
		clear(dst[base:])
		return dst[:base], fmt.Errorf("cache: %d of the %d objects asked for are not in the last flush of %s", want, len(slots), key)
	}
	return dst, nil
}

// Stats counts entries and lists.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	var s Stats
	for _, e := range c.entries {
		s.Entries++
		if e.running {
			s.Watching++
			s.Lists += len(e.lists)
		}
		e.mu.Lock()
		s.Resyncs += e.resyncs
		e.mu.Unlock()
	}
	return s
}

// Close stops every watch and the sweeper, and waits for their goroutines.
func (c *Cache) Close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.cancel()
	c.wg.Wait()
}

func (c *Cache) newEntry(key Key, q Query) *entry {
	e := &entry{c: c, key: key, query: q}
	label, field, rest := selectors(q.Params)
	for _, ref := range q.Lists {
		e.lists = append(e.lists, &list{e: e, ref: ref, label: label, field: field, recs: map[string]*rec{},
			target: Target{ListRef: ref, Endpoint: q.Endpoint, Params: rest}})
	}
	if w := c.cfg.Warm; w != nil {
		seeded := false
		for _, l := range e.lists {
			if items, rv, at, ok := w.Seed(key, q, l.ref); ok && rv != "" {
				l.seed(items, rv, at)
				seeded = true
			}
		}
		if seeded {
			e.commit() // version 1 holds the seeds: the first snapshot
			return e
		}
	}
	e.statuses = e.listStatuses()
	return e
}

// start runs one Reflector per list, resuming from the cached resourceVersion
// when the entry holds data. Caller holds c.mu.
func (c *Cache) start(e *entry) {
	e.running = true
	e.mu.Lock()
	for _, l := range e.lists {
		l.gen++
		st := store{l: l, gen: l.gen}
		ctx, cancel := context.WithCancel(c.ctx)
		l.cancel = cancel
		l.refl = reflector.New(reflector.Config{
			Name:            fmt.Sprintf("%s/%s %s", l.ref.Cluster, l.ref.Namespace, e.query.Endpoint.Resource),
			ListerWatcher:   c.cfg.Source.ListerWatcher(l.target),
			Store:           st,
			Clock:           c.cfg.Clock,
			Rand:            c.cfg.Rand,
			LabelSelector:   l.label,
			FieldSelector:   l.field,
			Object:          e.query.Name,
			ResourceVersion: l.rv,
			WatchList:       c.cfg.WatchList,
			PageSize:        c.cfg.PageSize,
			Wire:            c.cfg.Wire,
			OnStatus:        st.statusChanged,
			Reach:           c.cfg.Reach,
			ReachKey:        l.ref.Cluster,
		})
		r := l.refl
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			_ = r.Run(ctx) // a permanent error stays in the list's status
			st.statusChanged(reflector.Status{})
		}()
	}
	e.statusChg = true
	e.unlockAndSchedule() // the next flush publishes the new statuses
}

// stop ends the entry's watches; the data and resume points stay. Caller
// holds c.mu.
func (c *Cache) stop(e *entry) {
	e.running = false
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, l := range e.lists {
		l.gen++ // calls from the stopping Reflector are ignored from now on
		l.cancel()
	}
}

func (c *Cache) unsubscribe(e *entry, l *listener) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e.mu.Lock()
	if i := indexOf(e.listeners, l); i >= 0 {
		e.listeners = append(e.listeners[:i:i], e.listeners[i+1:]...)
	}
	e.mu.Unlock()
	if e.subscribers--; e.subscribers > 0 || c.closed {
		return
	}
	now := c.cfg.Clock.Now()
	e.stopAt, e.gcAt = now.Add(c.cfg.Debounce), now.Add(c.cfg.GCTime)
	c.nudge()
}

func indexOf(ls []*listener, l *listener) int {
	for i, x := range ls {
		if x == l {
			return i
		}
	}
	return -1
}

func (c *Cache) nudge() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// sweeper is the cache's one timer: it sleeps until the earliest stopAt,
// gcAt or staleness deadline of any entry, then stops or drops what is due
// and flushes the lists that turned stale.
func (c *Cache) sweeper() {
	defer c.wg.Done()
	for {
		c.mu.Lock()
		next := c.nextDeadline()
		c.mu.Unlock()
		var fire <-chan time.Time
		var t clock.Timer
		if !next.IsZero() {
			t = c.cfg.Clock.NewTimer(next.Sub(c.cfg.Clock.Now()))
			fire = t.C()
		}
		select {
		case <-fire:
			c.sweep()
		case <-c.wake:
			if t != nil {
				t.Stop()
			}
		case <-c.ctx.Done():
			if t != nil {
				t.Stop()
			}
			return
		}
	}
}

// nextDeadline returns the earliest pending deadline. Caller holds c.mu.
func (c *Cache) nextDeadline() time.Time {
	var next time.Time
	for _, e := range c.entries {
		var stale time.Time
		if e.running {
			e.mu.Lock()
			stale = e.staleDue()
			e.mu.Unlock()
		}
		for _, t := range [3]time.Time{e.stopAt, e.gcAt, stale} {
			if !t.IsZero() && (next.IsZero() || t.Before(next)) {
				next = t
			}
		}
	}
	return next
}

// sweep stops the watches and drops the entries that are due.
func (c *Cache) sweep() {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.cfg.Clock.Now()
	for key, e := range c.entries {
		if e.running {
			e.mu.Lock()
			for i, l := range e.lists {
				if due := l.staleDue(e.statuses[i]); !due.IsZero() && !now.Before(due) {
					l.staleMarked, e.statusChg = true, true // the flush publishes it
				}
			}
			e.unlockAndSchedule()
		}
		if e.subscribers > 0 {
			continue
		}
		if !e.stopAt.IsZero() && !now.Before(e.stopAt) {
			e.stopAt = time.Time{}
			if e.running {
				c.stop(e)
			}
		}
		if !e.gcAt.IsZero() && !now.Before(e.gcAt) {
			if e.running {
				c.stop(e)
			}
			delete(c.entries, key)
		}
	}
}
