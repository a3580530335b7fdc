package embedded

import "slices"

// addedMax bounds table.added: past it, set merges it into table.order (a
// sort of the few added and one pass over the order), so that a bulk
// create costs O(n log n) in all rather than a copy of the order per
// object.
const addedMax = 1024

// set makes st the current state of the object at key k (its scoped
// namespace and name), keeping t.order and t.added.
func (t *table) set(k string, st *Stored) {
	old := t.objects[k]
	if t.pods != nil {
		t.pods.replace(old, st)
	}
	t.objects[k] = st
	switch {
	case old == nil:
		t.added = append(t.added, st)
		if len(t.added) > addedMax {
			slices.SortFunc(t.added, compareStored)
			t.order = mergeStored(t.order, t.added)
			t.added = nil
		}
	case !replaceStored(t.order, old, st):
		t.added[slices.Index(t.added, old)] = st
	}
}

// unset removes the object at key k, whose current state is st.
func (t *table) unset(k string, st *Stored) {
	if t.pods != nil {
		t.pods.replace(st, nil)
	}
	delete(t.objects, k)
	if i, found := slices.BinarySearchFunc(t.order, st, compareStored); found {
		t.order = slices.Delete(t.order, i, i+1)
	} else {
		t.added = slices.DeleteFunc(t.added, func(a *Stored) bool { return a == st })
	}
}

// replaceStored replaces old by st in sorted (both of the same namespace and
// name), reporting whether old was there.
func replaceStored(sorted []*Stored, old, st *Stored) bool {
	i, found := slices.BinarySearchFunc(sorted, old, compareStored)
	if found {
		sorted[i] = st
	}
	return found
}

// mergeStored merges two slices sorted by compareStored into a new one
// (a itself when b is empty). b is the short one: each of its objects
// finds its place in a by a binary search, and the runs of a between are
// copied, so the cost is O(len(b) log len(a)) comparisons and one copy.
func mergeStored(a, b []*Stored) []*Stored {
	if len(b) == 0 {
		return a
	}
	out := make([]*Stored, 0, len(a)+len(b))
	for _, st := range b {
		i, _ := slices.BinarySearchFunc(a, st, compareStored)
		out = append(append(out, a[:i]...), st)
		a = a[i:]
	}
	return append(out, a...)
}
