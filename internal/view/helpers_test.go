package view

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/cache"
	"github.com/kubelive/kubelive/internal/wire"
)

// pod is a test pod; raw renders it as a Kubernetes Pod.
type pod struct {
	cluster, ns, name, phase, node, waiting string
	restarts                                []int // one per container
	ready                                   []bool
	labels                                  map[string]string
}

func (p pod) raw(uid, rv string) []byte {
	var containers, statuses []any
	for i, r := range p.restarts {
		containers = append(containers, map[string]any{"name": fmt.Sprintf("c%d", i), "image": "img"})
		st := map[string]any{"name": fmt.Sprintf("c%d", i), "restartCount": r, "ready": i < len(p.ready) && p.ready[i]}
		if p.waiting != "" && i == 0 {
			st["state"] = map[string]any{"waiting": map[string]any{"reason": p.waiting}}
		} else {
			st["state"] = map[string]any{"running": map[string]any{"startedAt": "2026-11-20T09:14:27Z"}}
		}
		statuses = append(statuses, st)
	}
	obj := map[string]any{
		"kind": "Pod", "apiVersion": "v1",
		"metadata": map[string]any{"name": p.name, "namespace": p.ns, "uid": uid, "resourceVersion": rv,
			"creationTimestamp": "2026-11-20T09:14:27Z", "labels": p.labels},
		"spec":   map[string]any{"containers": containers},
		"status": map[string]any{"phase": p.phase, "containerStatuses": statuses},
	}
	if p.node != "" {
		obj["spec"].(map[string]any)["nodeName"] = p.node
	}
	b, err := json.Marshal(obj)
	if err != nil {
		panic(err)
	}
	return b
}

// feed plays a cache entry: it hands out Items and Deltas as the cache does
// (a new *Item per change, stable slots, slots never reused).
type feed struct {
	t     testing.TB
	items map[cache.SlotID]*cache.Item
	pods  map[cache.SlotID]pod
	next  cache.SlotID
	rv    int
	d     cache.Delta
}

func newFeed(t testing.TB) *feed {
	return &feed{t: t, items: map[cache.SlotID]*cache.Item{}, pods: map[cache.SlotID]pod{}}
}

func (f *feed) item(slot cache.SlotID, p pod) *cache.Item {
	f.rv++
	uid := fmt.Sprintf("uid-%d", slot)
	rv := fmt.Sprint(f.rv)
	return &cache.Item{Slot: slot, Cluster: p.cluster, Item: wire.Item{UID: uid, Namespace: p.ns, Name: p.name, ResourceVersion: rv, Raw: p.raw(uid, rv)}}
}

// add adds a pod and returns its slot.
func (f *feed) add(p pod) cache.SlotID {
	f.next++
	f.set(f.next, p)
	return f.next
}

// set adds or modifies the pod of slot.
func (f *feed) set(slot cache.SlotID, p pod) {
	it := f.item(slot, p)
	f.items[slot], f.pods[slot] = it, p
	f.d.Changed = slices.DeleteFunc(f.d.Changed, func(c *cache.Item) bool { return c.Slot == slot })
	f.d.Changed = append(f.d.Changed, it)
}

// remove deletes the pod of slot; as in the cache, a slot is never both
// changed and removed in one delta.
func (f *feed) remove(slot cache.SlotID) {
	delete(f.items, slot)
	delete(f.pods, slot)
	f.d.Changed = slices.DeleteFunc(f.d.Changed, func(c *cache.Item) bool { return c.Slot == slot })
	f.d.Removed = append(f.d.Removed, slot)
}

// delta returns the changes since the last delta.
func (f *feed) delta() *cache.Delta {
	d := f.d
	f.d = cache.Delta{}
	return &d
}

// snapshot returns every item, as a cache snapshot holds them.
func (f *feed) snapshot() *cache.Snapshot {
	f.d = cache.Delta{}
	s := &cache.Snapshot{}
	for _, it := range f.items {
		s.Items = append(s.Items, it)
	}
	return s
}

// podColumns are kubectl's pod columns (READY is ready/containers).
var podColumns = map[string]string{
	"ready":      "status.containerStatuses[*].ready|count",
	"containers": "spec.containers[*]|count",
	"status":     "status.containerStatuses[*].state.waiting.reason|first ?? status.reason ?? status.phase",
	"restarts":   "status.containerStatuses[*].restartCount|sum",
	"age":        "metadata.creationTimestamp",
	"node":       "spec.nodeName",
}

func spec(t testing.TB, query string) Spec {
	t.Helper()
	s, err := ParseSpec(query)
	require.NoError(t, err)
	return s
}

func newView(t testing.TB, query string) *View {
	t.Helper()
	v, err := New(spec(t, query))
	require.NoError(t, err)
	return v
}

// names returns the window's rows as namespace/name.
func names(s *Snapshot) []string {
	out := make([]string, len(s.Rows))
	for i, r := range s.Rows {
		out[i] = r.Item.Namespace + "/" + r.Item.Name
	}
	return out
}

// column returns the named column of every row.
func column(s *Snapshot, name string) []wire.Value {
	i := -1
	for j, c := range s.Columns {
		if c == name {
			i = j
		}
	}
	out := make([]wire.Value, len(s.Rows))
	for j, r := range s.Rows {
		out[j] = r.Columns[i]
	}
	return out
}

func columnsJSON(t testing.TB, cols map[string]string) string {
	b, err := json.Marshal(cols)
	require.NoError(t, err)
	return string(b)
}
