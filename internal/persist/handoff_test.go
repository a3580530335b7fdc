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
	h, err := NewHandoff([]byte(data), at, wire.Options{})
	require.NoError(t, err)
	next := &recordingWarm{}
	h.Next = next
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

	alone, err := NewHandoff([]byte(`[]`), at, wire.Options{})
	require.NoError(t, err)
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
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewHandoff([]byte(tc.data), time.Time{}, wire.Options{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
