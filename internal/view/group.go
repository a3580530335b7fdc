package view

import (
	"errors"

	"github.com/kubelive/kubelive/internal/cache"
)

// Group is the views of one cache entry, fed by one subscription: every
// view moves by the same Deltas, so a new view can always be derived from a
// live one at the same version. Views are shared by spec (the window
// aside): each reader has its own Handle, with its own window, so scrolling
// a table is a new window on the same view, O(log n). It is not safe for
// concurrent use; the owner serialises its calls.
type Group struct {
	// items are the entry's objects as of the last Delta, for a view made
	// when no other exists. Invariant: every view holds exactly these.
	items map[cache.SlotID]*cache.Item
	// byUID finds an object by cluster and uid. Invariant: it maps the
	// objectKey of every item of items to that item, and nothing else.
	byUID map[objectKey]*cache.Item
	lists []cache.ListStatus
	views map[string]*member // by SpecKey
}

// objectKey is how Object finds an object: its cluster and uid.
type objectKey struct{ cluster, uid string }

func keyOf(it *cache.Item) objectKey { return objectKey{it.Cluster, it.UID} }

type member struct {
	v       *View
	handles int
}

// Handle is one reader of a view of a group: its window and what it was
// last shown.
type Handle struct {
	g      *Group
	key    string
	m      *member
	cursor Cursor
	closed bool
}

// NewGroup returns a group holding the objects of s.
func NewGroup(s *cache.Snapshot) *Group {
	g := &Group{views: map[string]*member{}}
	g.Reset(s)
	return g
}

// Reset replaces every object with those of a snapshot.
func (g *Group) Reset(s *cache.Snapshot) {
	g.items = make(map[cache.SlotID]*cache.Item, len(s.Items))
	g.byUID = make(map[objectKey]*cache.Item, len(s.Items))
	for _, it := range s.Items {
		g.items[it.Slot] = it
		g.byUID[keyOf(it)] = it
	}
	g.lists = s.Lists
	for _, m := range g.views {
		m.v.Reset(s)
	}
}

// Apply moves every view of the group by d.
func (g *Group) Apply(d *cache.Delta) {
	for _, it := range d.Changed {
		g.forget(g.items[it.Slot])
		g.items[it.Slot] = it
		g.byUID[keyOf(it)] = it
	}
	for _, slot := range d.Removed {
		g.forget(g.items[slot])
		delete(g.items, slot)
	}
	g.lists = d.Lists
	for _, m := range g.views {
		m.v.Apply(d)
	}
}

// SpecKey is the canonical form of a spec without its window: equal for
// specs that share a view.
func SpecKey(s Spec) string {
	s.Window = Window{}
	return string(s.appendJSON(nil)) // maps are written with sorted keys
}

// Open returns a reader of the view of spec, making the view if the group
// has none: derived from a view computing the same expressions when there
// is one (no raw JSON read), else from any view, else from the objects.
func (g *Group) Open(spec Spec) (*Handle, error) {
	key := SpecKey(spec)
	m := g.views[key]
	if m == nil {
		v, err := g.make(spec)
		if err != nil {
			return nil, err
		}
		m = &member{v: v}
		g.views[key] = m
	}
	m.handles++
	return &Handle{g: g, key: key, m: m, cursor: Cursor{Window: spec.Window}}, nil
}

func (g *Group) make(spec Spec) (*View, error) {
	c, err := compile(spec)
	if err != nil {
		return nil, err
	}
	var donor *View
	for _, m := range g.views {
		if donor == nil || m.v.c.sameExprs(c) {
			donor = m.v
		}
	}
	if donor != nil {
		return donor.Derive(spec)
	}
	v, err := New(spec)
	if err != nil {
		return nil, err
	}
	s := &cache.Snapshot{Items: make([]*cache.Item, 0, len(g.items)), Lists: g.lists}
	for _, it := range g.items {
		s.Items = append(s.Items, it)
	}
	v.Reset(s)
	return v, nil
}

// Views counts the group's views and Handles its open readers.
func (g *Group) Views() (views, handles int) {
	for _, m := range g.views {
		views++
		handles += m.handles
	}
	return views, handles
}

// forget drops old (an item of items, or nil) from byUID, unless another
// slot's item took its key since.
func (g *Group) forget(old *cache.Item) {
	if old != nil && g.byUID[keyOf(old)] == old {
		delete(g.byUID, keyOf(old))
	}
}

// Object returns the object of cluster and uid, or nil: O(1).
func (g *Group) Object(cluster, uid string) *cache.Item {
	return g.byUID[objectKey{cluster, uid}]
}

// Update moves the handle to spec: a new window alone is O(1); a handle
// alone on its view changes that view in place (View.SetSpec: no object is
// copied or read again); otherwise it reads another view, shared or derived.
// On error the handle is unchanged.
func (h *Handle) Update(spec Spec) error {
	if h.closed {
		return errors.New("view: the handle is closed")
	}
	key := SpecKey(spec)
	switch {
	case key == h.key:
	case h.m.handles == 1 && h.g.views[key] == nil:
		if err := h.m.v.SetSpec(spec); err != nil {
			return err
		}
		delete(h.g.views, h.key)
		h.g.views[key], h.key = h.m, key
	default:
		next, err := h.g.Open(spec)
		if err != nil {
			return err
		}
		h.Close()
		*h = *next
	}
	h.cursor.Window = spec.Window
	return nil
}

// Snapshot returns the view in the handle's window (see View.SnapshotOf).
func (h *Handle) Snapshot() *Snapshot { return h.m.v.SnapshotOf(&h.cursor) }

// Close ends the handle (idempotent); the last handle of a view drops it.
// It reports whether the group has no handle left.
func (h *Handle) Close() bool {
	if !h.closed {
		h.closed = true
		if h.m.handles--; h.m.handles == 0 {
			delete(h.g.views, h.key)
		}
	}
	return len(h.g.views) == 0
}
