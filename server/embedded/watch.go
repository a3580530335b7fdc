package embedded

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/watch"
)

// ErrOverflow terminates a watcher whose queue outgrew Options.WatchQueue.
var ErrOverflow = errors.New("watcher queue overflow")

// ErrStopped is returned by Take after Stop.
var ErrStopped = errors.New("watcher stopped")

// InitialEventsEnd is the annotation of the BOOKMARK that ends the initial events of a
// sendInitialEvents watch.
const InitialEventsEnd = "k8s.io/initial-events-end"

// WatchEvent is one event ready for the wire: {"type": Type, "object": Object}.
type WatchEvent struct {
	Type   watch.EventType
	Object []byte
}

// Watcher receives the events of one watch. Events are queued by writers without blocking;
// the consumer waits on Ready and drains with Take.
type Watcher struct {
	store *Store
	t     *table
	f     filter
	ready chan struct{} // capacity 1: signalled when queue becomes non-empty or err is set

	mu    sync.Mutex
	queue []WatchEvent // pending, in rv order
	max   int          // len(queue) may not exceed max
	err   error        // set once when terminated
}

// Watch starts a watch of resource res with the real semantics of resourceVersion:
// "" or "0" sends a synthetic ADDED for every matching object, then live events;
// sendInitialEvents also ends the initial events with an annotated BOOKMARK;
// any other value replays the history after it, or fails with 410 Expired if the history
// no longer reaches back that far. Expired and too-large errors are meant to be sent as an
// ERROR event (see IsWatchError); other errors are request errors.
func (s *Store) Watch(res string, o ListOptions) (*Watcher, error) {
	t, err := s.table(res)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	w := &Watcher{store: s, t: t, f: filter{namespace: o.Namespace, labels: o.Labels, fields: o.Fields},
		ready: make(chan struct{}, 1), max: s.queueCap}
	initial := o.SendInitialEvents || o.ResourceVersion == "" || o.ResourceVersion == "0"
	if o.ResourceVersion != "" && o.ResourceVersion != "0" {
		rv, err := parseRV(o.ResourceVersion)
		if err != nil {
			return nil, err
		}
		if rv > s.rv {
			return nil, tooLarge(rv, s.rv)
		}
		if !initial {
			if rv < t.floor {
				return nil, s.expiredLocked(t, rv)
			}
			for i := t.history.after(rv); i < t.history.n; i++ {
				w.offer(t.history.at(i))
			}
		}
	}
	if initial {
		var items []*Stored
		for _, st := range t.objects {
			if w.f.matches(st) {
				items = append(items, st)
			}
		}
		slices.SortFunc(items, func(a, b *Stored) int { return compareKeys(storedKey(a), storedKey(b)) })
		w.max += len(items) + 1
		for _, st := range items {
			w.push(WatchEvent{Type: watch.Added, Object: st.JSON})
		}
		if o.SendInitialEvents {
			w.push(WatchEvent{Type: watch.Bookmark, Object: bookmark(t.res, s.rv, true)})
		}
	}
	t.watchers[w] = struct{}{}
	return w, nil
}

// Expired returns the 410 error a watch of res from rv gets when the history is too short,
// exactly as the real watch cache words it.
func (s *Store) Expired(res, rv string) error {
	t, err := s.table(res)
	if err != nil {
		return err
	}
	n, _ := strconv.ParseUint(rv, 10, 64)
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.expiredLocked(t, n)
}

func (s *Store) expiredLocked(t *table, rv uint64) error {
	oldest := s.rv + 1
	if t.history.n > 0 {
		oldest = t.history.at(0).rv
	}
	return apierrors.NewResourceExpired(fmt.Sprintf("too old resource version: %d (%d)", rv, oldest-1))
}

// IsWatchError reports whether err from Watch is sent as an ERROR event after a successful
// handshake (410 Expired, 504 too large) rather than as a failed request.
func IsWatchError(err error) bool {
	return apierrors.IsResourceExpired(err) || apierrors.IsGone(err) || apierrors.IsTimeout(err)
}

// Watchers returns the number of registered watchers of res.
func (s *Store) Watchers(res string) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if t, ok := s.tables[res]; ok {
		return len(t.watchers)
	}
	return 0
}

// Ready is signalled when events are pending or the watcher was terminated.
func (w *Watcher) Ready() <-chan struct{} { return w.ready }

// Take returns the pending events, or the termination error once none are pending
// (ErrOverflow drops the pending events at once: the client resumes from its last RV).
func (w *Watcher) Take() ([]WatchEvent, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil && (len(w.queue) == 0 || errors.Is(w.err, ErrOverflow)) {
		return nil, w.err
	}
	q := w.queue
	w.queue = nil
	return q, nil
}

// Bookmark queues a BOOKMARK at the store's current resourceVersion. It is ordered after every
// event already queued, so resuming from it loses nothing.
func (w *Watcher) Bookmark() {
	w.store.mu.RLock()
	defer w.store.mu.RUnlock()
	w.push(WatchEvent{Type: watch.Bookmark, Object: bookmark(w.t.res, w.store.rv, false)})
}

// Stop unregisters the watcher. Idempotent.
func (w *Watcher) Stop() {
	w.store.mu.Lock()
	delete(w.t.watchers, w)
	w.store.mu.Unlock()
	w.terminate(ErrStopped)
}

func (w *Watcher) terminate(err error) {
	w.mu.Lock()
	if w.err == nil {
		w.err = err
	}
	w.mu.Unlock()
	w.signal()
}

// offer converts a committed event for this watcher's filter, as the real watch cache does:
// an object that starts matching is ADDED, one that stops matching is DELETED (its previous
// state stamped with the event's rv). Caller holds the store's write lock.
func (w *Watcher) offer(ev *event) {
	cur := ev.typ != watch.Deleted && w.f.matches(ev.obj)
	old := ev.prev != nil && w.f.matches(ev.prev)
	switch {
	case ev.typ == watch.Deleted && old:
		w.push(WatchEvent{Type: watch.Deleted, Object: ev.obj.JSON})
	case cur && old:
		w.push(WatchEvent{Type: watch.Modified, Object: ev.obj.JSON})
	case cur:
		w.push(WatchEvent{Type: watch.Added, Object: ev.obj.JSON})
	case old:
		if ev.prevJSON == nil {
			ev.prevJSON = w.store.withRV(w.t.res, ev.prev, ev.rv)
		}
		w.push(WatchEvent{Type: watch.Deleted, Object: ev.prevJSON})
	}
}

// push queues e, terminating the watcher with ErrOverflow instead of growing past max.
func (w *Watcher) push(e WatchEvent) {
	w.mu.Lock()
	if w.err != nil {
		w.mu.Unlock()
		return
	}
	if len(w.queue) >= w.max {
		w.err = ErrOverflow
		w.queue = nil // the consumer sees ErrOverflow and calls Stop, which unregisters w
	} else {
		w.queue = append(w.queue, e)
	}
	w.mu.Unlock()
	w.signal()
}

func (w *Watcher) signal() {
	select {
	case w.ready <- struct{}{}:
	default:
	}
}

// bookmark returns a BOOKMARK object: the watched kind with only metadata.resourceVersion.
func bookmark(r *Resource, rv uint64, initialEnd bool) []byte {
	if initialEnd {
		return fmt.Appendf(nil, `{"kind":%q,"apiVersion":%q,"metadata":{"resourceVersion":"%d","annotations":{%q:"true"}}}`,
			r.Kind, r.GroupVersion(), rv, InitialEventsEnd)
	}
	return fmt.Appendf(nil, `{"kind":%q,"apiVersion":%q,"metadata":{"resourceVersion":"%d"}}`, r.Kind, r.GroupVersion(), rv)
}
