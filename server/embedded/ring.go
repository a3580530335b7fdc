package embedded

import (
	"cmp"
	"slices"
	"sort"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// ring is a bounded FIFO of events in increasing rv order.
// Invariant: 0 <= n <= len(buf); the oldest event is buf[start].
type ring struct {
	buf   []*event
	start int
	n     int
}

// push appends ev and returns the event it evicted, if any.
func (r *ring) push(ev *event) (evicted *event) {
	if r.n == len(r.buf) {
		evicted = r.buf[r.start]
		r.buf[r.start] = ev
		r.start = (r.start + 1) % len(r.buf)
		return evicted
	}
	r.buf[(r.start+r.n)%len(r.buf)] = ev
	r.n++
	return nil
}

func (r *ring) at(i int) *event { return r.buf[(r.start+i)%len(r.buf)] }

// after returns the index of the first event with rv > rv (r.n if none).
func (r *ring) after(rv uint64) int {
	return sort.Search(r.n, func(i int) bool { return r.at(i).rv > rv })
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareKeys)
	return keys
}

// compareKeys orders "namespace/name" keys by namespace, then name.
func compareKeys(a, b string) int {
	nsA, nameA := splitKey(a)
	nsB, nameB := splitKey(b)
	if c := cmp.Compare(nsA, nsB); c != 0 {
		return c
	}
	return cmp.Compare(nameA, nameB)
}

func splitKey(k string) (ns, name string) {
	for i := 0; i < len(k); i++ {
		if k[i] == '/' {
			return k[:i], k[i+1:]
		}
	}
	return "", k
}

func metav1SchemaGVK(r *Resource) schema.GroupVersionKind {
	return schema.GroupVersionKind{Group: r.Group, Version: r.Version, Kind: r.Kind}
}

func metav1SchemaResource(plural string) schema.GroupResource {
	return schema.GroupResource{Resource: plural}
}
