package persist

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/cache"
	"github.com/kubelive/kubelive/internal/wire"
)

// recordingWarm is a fake cache.Warm that says which lists were asked for.
type recordingWarm struct {
	seeded  []cache.ListRef
	changed int
}

func (r *recordingWarm) Seed(_ cache.Key, _ cache.Query, ref cache.ListRef) ([]wire.Item, string, time.Time, bool) {
	r.seeded = append(r.seeded, ref)
	return []wire.Item{{UID: "p", Name: "from-next", ResourceVersion: "1"}}, "1", time.Time{}, true
}

func (r *recordingWarm) Changed(cache.Key, cache.Query, cache.ListRef, func() ([]wire.Item, string)) {
	r.changed++
}

func TestHandoffSeedsEachListOnceThenNext(t *testing.T) {
	at := time.UnixMilli(1_700_000_000_000)
	data := `[{"key":"k1","cluster":"c","namespace":"ns","rv":"42","items":[
		{"cluster":"c","metadata":{"uid":"u1","namespace":"ns","name":"a","resourceVersion":"40"}},
		{"cluster":"c","metadata":{"uid":"u2","namespace":"ns","name":"b","resourceVersion":"41"}}]},
		{"key":"k1","cluster":"c","namespace":"empty","rv":"7","items":[]}]`
	next := &recordingWarm{}
	h := NewHandoff(next, wire.Options{})
	require.NoError(t, h.Add([]byte(data), at))
	require.Equal(t, 2, h.Len())

	items, rv, savedAt, ok := h.Seed("k1", cache.Query{}, cache.ListRef{Cluster: "c", Namespace: "ns"})
	require.True(t, ok)
	assert.Equal(t, "42", rv)
	assert.Equal(t, at, savedAt)
	require.Len(t, items, 2)
	assert.Equal(t, []string{"u1", "a", "40"}, []string{items[0].UID, items[0].Name, items[0].ResourceVersion})
	assert.Equal(t, "u2", items[1].UID)
	assert.Contains(t, string(items[1].Raw), `"name":"b"`)
	assert.Len(t, next.seeded, 1, "the older persisted copy is taken (and dropped) too")

	_, rv, _, ok = h.Seed("k1", cache.Query{}, cache.ListRef{Cluster: "c", Namespace: "empty"})
	require.True(t, ok, "an empty list is handed over too")
	assert.Equal(t, "7", rv)
	assert.Equal(t, 0, h.Len())

	// Taken once: the second time, and for lists never handed over, Next answers.
	items, rv, _, ok = h.Seed("k1", cache.Query{}, cache.ListRef{Cluster: "c", Namespace: "ns"})
	require.True(t, ok)
	assert.Equal(t, "1", rv)
	assert.Equal(t, "from-next", items[0].Name)
	_, _, _, ok = h.Seed("k2", cache.Query{}, cache.ListRef{Cluster: "c", Namespace: "ns"})
	assert.True(t, ok)
	assert.Len(t, next.seeded, 4, "both handed-over lists, then the two Next answered")

	h.Changed("k1", cache.Query{}, cache.ListRef{}, nil)
	assert.Equal(t, 1, next.changed)

	alone := NewHandoff(nil, wire.Options{})
	require.NoError(t, alone.Add([]byte(`[]`), at))
	_, _, _, ok = alone.Seed("k1", cache.Query{}, cache.ListRef{Cluster: "c", Namespace: "ns"})
	assert.False(t, ok, "no Next: nothing to seed from")
	alone.Changed("k1", cache.Query{}, cache.ListRef{}, nil) // no Next: nothing to tell, no panic
}

func TestHandoffRefusesWhatDoesNotCheck(t *testing.T) {
	cases := []struct{ name, data, want string }{
		{"not JSON", `{`, "not a JSON array"},
		{"not an array", `{"key":"k"}`, "not a JSON array"},
		{"no key", `[{"cluster":"c","rv":"1","items":[]}]`, "no key or no resourceVersion"},
		{"no resourceVersion", `[{"key":"k","cluster":"c","items":[]}]`, "no key or no resourceVersion"},
		{"object without uid", `[{"key":"k","cluster":"c","namespace":"n","rv":"1","items":[{"metadata":{"name":"a","resourceVersion":"1"}}]}]`, "list 0 (c/n)"},
		{"items not an array", `[{"key":"k","cluster":"c","namespace":"n","rv":"1","items":{"a":1}}]`, "list 0 (c/n)"},
		{"a good list before a bad one", `[{"key":"k","cluster":"c","namespace":"n","rv":"1","items":[]},{"key":"k","cluster":"c","namespace":"m","rv":"1","items":{"a":1}}]`, "list 1 (c/m)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := NewHandoff(nil, wire.Options{})
			err := h.Add([]byte(tc.data), time.Time{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Equal(t, 0, h.Len(), "nothing of a refused handoff is held")
		})
	}
}

// Every page of a worker host hands over its own lists: a later page adds
// the lists the first did not hold, and never replaces one held or taken.
func TestHandoffAddsEachPagesListsOnce(t *testing.T) {
	first, second := time.UnixMilli(1_700_000_000_000), time.UnixMilli(1_700_000_001_000)
	list := func(ns, rv, name string) string {
		return `{"key":"k","cluster":"c","namespace":"` + ns + `","rv":"` + rv + `","items":[{"cluster":"c","metadata":{"uid":"u-` + ns +
			`","namespace":"` + ns + `","name":"` + name + `","resourceVersion":"` + rv + `"}}]}`
	}
	ref := func(ns string) cache.ListRef { return cache.ListRef{Cluster: "c", Namespace: ns} }
	h := NewHandoff(nil, wire.Options{})
	require.NoError(t, h.Add([]byte(`[`+list("shared", "10", "page1")+`,`+list("taken", "11", "page1")+`]`), first))
	items, rv, at, ok := h.Seed("k", cache.Query{}, ref("taken"))
	require.True(t, ok)
	require.Equal(t, "11", rv)
	require.Equal(t, first, at)
	require.Equal(t, "page1", items[0].Name)

	// The second page held the same lists (older or newer) and one of its own.
	require.NoError(t, h.Add([]byte(`[`+list("shared", "9", "page2")+`,`+list("taken", "12", "page2")+`,`+list("own", "13", "page2")+`]`), second))
	assert.Equal(t, 2, h.Len(), "the list held and the one taken are not added again")

	items, rv, at, ok = h.Seed("k", cache.Query{}, ref("shared"))
	require.True(t, ok)
	assert.Equal(t, []string{"10", "page1"}, []string{rv, items[0].Name}, "the first copy held stays")
	assert.Equal(t, first, at)
	items, rv, at, ok = h.Seed("k", cache.Query{}, ref("own"))
	require.True(t, ok, "the second page's own list resumes from its handoff")
	assert.Equal(t, []string{"13", "page2"}, []string{rv, items[0].Name})
	assert.Equal(t, second, at, "each list keeps the time its page handed it over")
	_, _, _, ok = h.Seed("k", cache.Query{}, ref("taken"))
	assert.False(t, ok, "a taken list is not seeded again from a later page's copy")
}
