package live

import (
	"errors"
	"sync"

	"github.com/kubelive/kubelive/internal/cache"
)

// ErrClosed is returned by Views.Watch once the Views are closed.
var ErrClosed = errors.New("the client is closed")

// View is the mirror of one cache query, shared by every watcher of the
// query; Data is the caller's (the JS object that holds the query's
// snapshot in the browser), made once when the view is.
type View[T any] struct {
	Key    cache.Key
	Data   T
	Object bool

	// guarded by Views.mu
	watchers int
	unsub    func()
	version  uint64 // the snapshot version Data shows
}

// Views refcounts the views of a client's watched queries. Invariants
// (guarded by mu): a watcher id names exactly one view until released; a
// view with watchers has, once started, one live cache subscription
// (unsub != nil), released with its last watcher; a view with no watchers
// stays while the cache holds the query's data (so that a quick re-watch
// serves it at once), and is dropped by the first release that finds the
// cache without it. Safe for concurrent use.
type Views[T any] struct {
	has func(cache.Key) bool // whether the cache still holds a query's data

	mu       sync.Mutex
	closed   bool
	views    map[cache.Key]*View[T]
	watchers map[uint64]*View[T]
	next     uint64
}

// NewViews returns empty Views; has tells whether the cache still holds a
// query's data (cache.Get).
func NewViews[T any](has func(cache.Key) bool) *Views[T] {
	return &Views[T]{has: has, views: map[cache.Key]*View[T]{}, watchers: map[uint64]*View[T]{}}
}

// Watch adds a watcher of key: a new id, its view (made with create if
// there is none; an error of create adds nothing) and whether the caller
// must start its cache subscription (then Started, or Release on failure).
func (vs *Views[T]) Watch(key cache.Key, object bool, create func() (T, error)) (uint64, *View[T], bool, error) {
	vs.mu.Lock()
	defer vs.mu.Unlock()
	if vs.closed {
		return 0, nil, false, ErrClosed
	}
	v := vs.views[key]
	if v == nil {
		data, err := create()
		if err != nil {
			return 0, nil, false, err
		}
		v = &View[T]{Key: key, Data: data, Object: object}
		vs.views[key] = v
	}
	v.watchers++
	vs.next++
	vs.watchers[vs.next] = v
	return vs.next, v, v.unsub == nil, nil
}

// Started records the cache subscription of v and the version of its
// first snapshot, and reports whether Data must take that snapshot (its
// version is not the one Data shows). ok is false when the subscription
// came too late (the last watcher left or the Views closed meanwhile): the
// caller then ends it.
func (vs *Views[T]) Started(v *View[T], unsub func(), version uint64) (fresh, ok bool) {
	vs.mu.Lock()
	defer vs.mu.Unlock()
	if vs.closed || v.watchers == 0 || v.unsub != nil {
		return false, false
	}
	v.unsub = unsub
	fresh = version != v.version || v.version == 0
	v.version = version
	return fresh, true
}

// Delta records that v's subscription delivered version, and reports
// whether v is still live (a delta after its last watcher left, or after
// Close, is dropped).
func (vs *Views[T]) Delta(v *View[T], version uint64) bool {
	vs.mu.Lock()
	defer vs.mu.Unlock()
	if vs.closed || v.unsub == nil {
		return false
	}
	v.version = version
	return true
}

// Release drops watcher id and returns its view (nil for an unknown id:
// release is idempotent) and, when it was the view's last watcher, the
// cache subscription the caller must end. Idle views whose data the cache
// no longer holds are dropped.
func (vs *Views[T]) Release(id uint64) (*View[T], func()) {
	vs.mu.Lock()
	defer vs.mu.Unlock()
	v := vs.watchers[id]
	if v == nil {
		return nil, nil
	}
	delete(vs.watchers, id)
	v.watchers--
	var unsub func()
	if v.watchers == 0 {
		unsub, v.unsub = v.unsub, nil
	}
	for k, idle := range vs.views {
		if idle.watchers == 0 && !vs.has(k) {
			delete(vs.views, k)
		}
	}
	return v, unsub
}

// Get returns the view of key, or nil.
func (vs *Views[T]) Get(key cache.Key) *View[T] {
	vs.mu.Lock()
	defer vs.mu.Unlock()
	return vs.views[key]
}

// Counts returns the number of views and of watchers.
func (vs *Views[T]) Counts() (views, watchers int) {
	vs.mu.Lock()
	defer vs.mu.Unlock()
	return len(vs.views), len(vs.watchers)
}

// Close makes every later Watch fail and every later Delta drop; the
// cache, closed with the client, ends the subscriptions. Idempotent.
func (vs *Views[T]) Close() {
	vs.mu.Lock()
	vs.closed = true
	vs.mu.Unlock()
}
