package persist

import (
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/kubelive/kubelive/internal/cache"
	"github.com/kubelive/kubelive/internal/wire"
)

// Handoff is a cache.Warm of lists handed over in memory: the lists the
// pages of a worker host held when their worker died, given to the worker
// that replaces it so that each list resumes from its resourceVersion
// instead of listing again. Every page hands over what it held (Add): the
// first page to reach the new worker starts it, the others join it, and
// each page's lists are taken from its own handoff.
//
// Invariants: each handed-over list seeds at most one entry (it is taken
// once, and a list taken or already held is never added again, so a later
// page's older copy never replaces the one an entry resumed from); a list
// with no resourceVersion is never handed over; lists it does not hold, and
// every Changed, go to Next (nil: none), so a handoff and a persisted cache
// work together, the handoff first (it is the newer copy).
type Handoff struct {
	Next cache.Warm
	opts wire.Options // how handed-over objects are scanned

	mu    sync.Mutex
	lists map[handoffKey]handoffList // guarded by mu: each taken once
	taken map[handoffKey]bool        // guarded by mu: lists seeded from here
}

type handoffKey struct{ key, cluster, namespace string }

type handoffList struct {
	rv      string
	savedAt time.Time
	items   []wire.Item
}

// NewHandoff returns a Handoff holding no list yet, in front of next (nil:
// none), that scans handed-over objects with opts (as a LIST's are).
func NewHandoff(next cache.Warm, opts wire.Options) *Handoff {
	return &Handoff{Next: next, opts: opts, lists: map[handoffKey]handoffList{}, taken: map[handoffKey]bool{}}
}

// Add reads data, a JSON array of {key, cluster, namespace, rv, items}, as
// the lists were at savedAt, and holds each list that was neither taken nor
// held already. Every object must have a uid and a resourceVersion; when a
// list does not check, nothing of data is added and the reason is returned.
func (h *Handoff) Add(data []byte, savedAt time.Time) error {
	recs, err := handoffRecords(data)
	if err != nil {
		return fmt.Errorf("handoff: the lists are not a JSON array of lists: %w", err)
	}
	lists := make(map[handoffKey]handoffList, len(recs))
	for i, r := range recs {
		if r.Key == "" || r.RV == "" {
			return fmt.Errorf("handoff: list %d has no key or no resourceVersion", i)
		}
		items := r.Items
		if len(items) == 0 {
			items = []byte("[]")
		}
		// The objects are scanned as the items of a LIST body, with the checks a LIST gets.
		body := make([]byte, 0, len(items)+len(r.RV)+48)
		body = append(body, `{"metadata":{"resourceVersion":`...)
		body = strconv.AppendQuote(body, r.RV)
		body = append(body, `},"items":`...)
		body = append(body, items...)
		body = append(body, '}')
		l, err := h.opts.ScanList(body)
		if err != nil {
			return fmt.Errorf("handoff: list %d (%s/%s): %w", i, r.Cluster, r.Namespace, err)
		}
		lists[handoffKey{r.Key, r.Cluster, r.Namespace}] = handoffList{rv: r.RV, savedAt: savedAt, items: l.Items}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for k, l := range lists {
		if _, held := h.lists[k]; !held && !h.taken[k] {
			h.lists[k] = l
		}
	}
	return nil
}

// Len returns how many lists were handed over that no entry took yet.
func (h *Handoff) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.lists)
}

// Seed implements cache.Warm: the handed-over list, taken once, else Next's.
func (h *Handoff) Seed(key cache.Key, q cache.Query, ref cache.ListRef) ([]wire.Item, string, time.Time, bool) {
	k := handoffKey{string(key), ref.Cluster, ref.Namespace}
	h.mu.Lock()
	l, ok := h.lists[k]
	if ok {
		delete(h.lists, k)
		h.taken[k] = true
	}
	h.mu.Unlock()
	if ok {
		if h.Next != nil {
			// The older persisted copy of this list is not wanted any more; taking it drops it.
			h.Next.Seed(key, q, ref)
		}
		return l.items, l.rv, l.savedAt, true
	}
	if h.Next == nil {
		return nil, "", time.Time{}, false
	}
	return h.Next.Seed(key, q, ref)
}

// Changed implements cache.Warm: Next hears it.
func (h *Handoff) Changed(key cache.Key, q cache.Query, ref cache.ListRef, export func() ([]wire.Item, string)) {
	if h.Next != nil {
		h.Next.Changed(key, q, ref, export)
	}
}
