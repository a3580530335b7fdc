package live

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/cache"
	"github.com/kubelive/kubelive/internal/reflector"
	"github.com/kubelive/kubelive/internal/stream"
	"github.com/kubelive/kubelive/internal/wire"
)

func item(slot cache.SlotID, cluster, raw string) *cache.Item {
	return &cache.Item{Slot: slot, Cluster: cluster, Item: wire.Item{Raw: []byte(raw)}}
}

func TestEncodeItems(t *testing.T) {
	t.Parallel()
	buf, slots := EncodeItems([]byte("old"), []*cache.Item{item(7, "c1", `{"a":1}`), item(2, "c2", `{"b":2}`), item(3, "c2", `{"c":3}`)})
	assert.Equal(t, `old[{"a":1,"cluster":"c1"},{"b":2,"cluster":"c2"},{"c":3,"cluster":"c2"}]`, string(buf))
	assert.Equal(t, []cache.SlotID{7, 2, 3}, slots)
	buf, slots = EncodeItems(nil, nil)
	assert.Equal(t, "[]", string(buf))
	assert.Empty(t, slots)
	buf, slots, ends := EncodeItemsEnds([]byte("old"), []*cache.Item{item(7, "c1", `{"a":1}`), item(2, "c2", `{"b":2}`), item(3, "c2", `[3]`)})
	assert.Equal(t, `old[{"a":1,"cluster":"c1"},{"b":2,"cluster":"c2"},[3]]`, string(buf))
	assert.Equal(t, []cache.SlotID{7, 2, 3}, slots)
	// Each object is cut out at its end, starting one past the '[' or the ','.
	var cut []string
	for i, start := 0, 4; i < len(ends); i++ {
		cut = append(cut, string(buf[start:ends[i]]))
		start = int(ends[i]) + 1
	}
	assert.Equal(t, []string{`{"a":1,"cluster":"c1"}`, `{"b":2,"cluster":"c2"}`, `[3]`}, cut)
	assert.Equal(t, []byte{26, 0, 0, 0}, SlotBytes([]uint32{26}))
	assert.Equal(t, []byte{7, 0, 0, 0, 0x00, 0x01, 0, 0}, SlotBytes([]cache.SlotID{7, 256}))
	assert.Nil(t, SlotBytes[cache.SlotID](nil))
	assert.Equal(t, []byte{9, 7, 0, 0, 0, 0x00, 0x01, 0, 0}, AppendSlotBytes([]byte{9}, []cache.SlotID{7, 256}), "appended after what the buffer holds")
}

// Each object carries its cluster as its last member, whatever the
// object's own spacing, members or cluster name; JSON.parse (here
// encoding/json, which also keeps the last of two equal members) reads it.
func TestEncodeItemsAddsTheCluster(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, cluster, raw, want string
	}{
		{"members", "c1", `{"a":1}`, `{"a":1,"cluster":"c1"}`},
		{"empty object", "c1", `{}`, `{"cluster":"c1"}`},
		{"empty with spaces", "c1", "{ \n}", "{ \n\"cluster\":\"c1\"}"},
		{"trailing space", "c1", "{\"a\":1} \n", `{"a":1,"cluster":"c1"}`},
		{"a cluster member of its own is overridden", "c1", `{"cluster":"x"}`, `{"cluster":"x","cluster":"c1"}`},
		{"a name that needs escaping", `a"b\c<`, `{"a":1}`, `{"a":1,"cluster":"a\"b\\c\u003c"}`},
		{"not an object", "c1", `[1]`, `[1]`},
	} {
		buf, _ := EncodeItems(nil, []*cache.Item{item(1, tc.cluster, tc.raw)})
		assert.Equal(t, "["+tc.want+"]", string(buf), tc.name)
		if strings.HasPrefix(tc.raw, "{") {
			var got []map[string]any
			assert.NoError(t, json.Unmarshal(buf, &got), tc.name)
			assert.Equal(t, tc.cluster, got[0]["cluster"], tc.name)
		}
	}
}

func TestChunksBoundEachCrossing(t *testing.T) {
	t.Parallel()
	half := strings.Repeat("x", SnapshotChunk/2-8)
	big := strings.Repeat("y", SnapshotChunk+1)
	for _, tc := range []struct {
		name  string
		items []*cache.Item
		ends  []int
	}{
		{"none", nil, nil},
		{"small ones in one", []*cache.Item{item(1, "", "a"), item(2, "", "b")}, []int{2}},
		{"two halves fit, a third does not", []*cache.Item{item(1, "", half), item(2, "", half), item(3, "", half)}, []int{2, 3}},
		{"a big one alone", []*cache.Item{item(1, "", "a"), item(2, "", big), item(3, "", "c")}, []int{1, 2, 3}},
	} {
		assert.Equal(t, tc.ends, Chunks(tc.items), tc.name)
	}
}

func TestMetaJSONSaysEachListsStatus(t *testing.T) {
	t.Parallel()
	at := time.UnixMilli(1_700_000_000_000).UTC()
	lists := []cache.ListStatus{
		{ListRef: cache.ListRef{Cluster: "c1", Namespace: "a"}, Phase: reflector.PhaseLive, Since: at, LastEvent: at, ResourceVersion: "9"},
		{ListRef: cache.ListRef{Cluster: "c2"}, Phase: reflector.PhaseReconnecting, Err: errors.New("dial failed"), LastErr: errors.New("dial failed"), LastErrAt: at},
	}
	assert.JSONEq(t, `{"version":3,"updatedAt":1700000000000,"status":"reconnecting","lists":[
		{"cluster":"c1","namespace":"a","status":"live","since":1700000000000,"lastEvent":1700000000000,"resourceVersion":"9"},
		{"cluster":"c2","namespace":"","status":"reconnecting","resourceVersion":"",
		 "error":{"message":"dial failed"},"lastError":{"message":"dial failed"},"lastErrorAt":1700000000000}]}`,
		MetaJSON(lists, 3, at))
	assert.JSONEq(t, `{"version":0,"updatedAt":0,"status":"loading","lists":[]}`, MetaJSON(nil, 0, time.Time{}))
}

func TestOverallIsTheWorstList(t *testing.T) {
	t.Parallel()
	const (
		loading = reflector.PhaseLoading
		live    = reflector.PhaseLive
		recon   = reflector.PhaseReconnecting
		stale   = reflector.PhaseStale
		failed  = reflector.PhaseError
	)
	for _, tc := range []struct {
		phases []reflector.Phase
		want   reflector.Phase
	}{
		{nil, loading},
		{[]reflector.Phase{live}, live},
		{[]reflector.Phase{live, live, live}, live},
		{[]reflector.Phase{live, stale}, stale},
		{[]reflector.Phase{stale, loading, live}, loading},
		{[]reflector.Phase{loading, recon, stale}, recon},
		{[]reflector.Phase{recon, failed, live}, failed},
		{[]reflector.Phase{failed, recon}, failed},
		{[]reflector.Phase{live, reflector.Phase(42)}, failed},
	} {
		lists := make([]cache.ListStatus, len(tc.phases))
		for i, p := range tc.phases {
			lists[i].Phase = p
		}
		assert.Equal(t, tc.want, Overall(lists), "%v", tc.phases)
	}
}

func TestLinesJSON(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC)
	assert.JSONEq(t, `[{"text":"a \"quoted\" line","time":"2026-01-02T03:04:05.0000006Z"},{"text":"no time"}]`,
		LinesJSON([]stream.Line{{Time: at, Text: `a "quoted" line`}, {Text: "no time"}}))
	assert.Equal(t, "[]", LinesJSON(nil))
}

// SpliceWords writes each splice as at, removed, inserted and the inserted
// slots, in order; nil for no splices.
func TestSpliceWords(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   []cache.Splice
		want []uint32
	}{
		{"none", nil, nil},
		{"a delete", []cache.Splice{{At: 4, Removed: 1}}, []uint32{4, 1, 0}},
		{"an add, then a replacement by two", []cache.Splice{{At: 0, Inserted: []cache.SlotID{9}}, {At: 7, Removed: 1, Inserted: []cache.SlotID{3, 5}}},
			[]uint32{0, 0, 1, 9, 7, 1, 2, 3, 5}},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, SpliceWords(tc.in), tc.name)
	}
}

// EncodeItemsSpans' index: per object its end (as EncodeItemsEnds'), then
// the spans of its members as written, cluster member included, relative
// to the object's first byte; NoSpans for a value that is not an object.
func TestEncodeItemsSpans(t *testing.T) {
	t.Parallel()
	buf, slots, index := EncodeItemsSpans([]byte("old"), []*cache.Item{
		item(7, "c1", `{"a":1,"metadata":{"name":"n","labels":{"x":"}"}},"b":{"c":"}"}}`), item(2, "c2", `[3]`), item(3, "c2", `{}`), item(4, "c2", `{"metadata":null}`),
	})
	assert.Equal(t, `old[{"a":1,"metadata":{"name":"n","labels":{"x":"}"}},"b":{"c":"}"},"cluster":"c1"},[3],{"cluster":"c2"},{"metadata":null,"cluster":"c2"}]`, string(buf))
	assert.Equal(t, []cache.SlotID{7, 2, 3, 4}, slots)
	type member struct{ Key, Value string }
	var objects, metas [][]member
	for k, start := 0, 4; k < len(index); {
		end := int(index[k])
		obj := buf[start:end]
		k++
		members := func() []member {
			n := index[k]
			k++
			if n == wire.NoSpans {
				return nil
			}
			ms := []member{}
			for m := 0; m < int(n); m++ {
				w := index[k+4*m:]
				ms = append(ms, member{string(obj[w[0]:w[1]]), string(obj[w[2]:w[3]])})
			}
			k += 4 * int(n)
			return ms
		}
		ms := members()
		objects = append(objects, ms)
		if ms == nil {
			metas = append(metas, nil)
		} else {
			metas = append(metas, members())
		}
		start = end + 1
	}
	assert.Equal(t, [][]member{
		{{"a", "1"}, {"metadata", `{"name":"n","labels":{"x":"}"}}`}, {"b", `{"c":"}"}`}, {"cluster", `"c1"`}},
		nil,
		{{"cluster", `"c2"`}},
		{{"metadata", "null"}, {"cluster", `"c2"`}},
	}, objects)
	assert.Equal(t, [][]member{{{"name", `"n"`}, {"labels", `{"x":"}"}`}}, nil, nil, nil}, metas, "metadata's members, where it is an object")
}

// EncodeObjects writes what EncodeItemsSpans writes, object for object:
// the same bytes and the same spans, cut by start and end instead of a
// JSON array's commas.
func TestEncodeObjectsCutsWhatEncodeItemsSpansWrites(t *testing.T) {
	t.Parallel()
	items := []*cache.Item{
		item(7, "c1", `{"a":1,"metadata":{"name":"n","labels":{"x":"}"}},"b":{"c":"}"}}`), item(2, "c2", `[3]`), item(3, "c2", `{}`), item(4, "c1", `{"metadata":null}`),
	}
	arr, _, spans := EncodeItemsSpans(nil, items)
	buf, index := EncodeObjects([]byte("old"), []uint32{9}, items)
	require.Equal(t, "old", string(buf[:3]), "appended after what buf held")
	require.Equal(t, uint32(9), index[0], "appended after what index held")
	for i, k, s, start := 0, 1, 0, 1; i < len(items); i++ {
		end := int(spans[s])
		words := spanWordsOf(spans, s+1)
		require.Less(t, k+3, len(index)+1, "object %d has an index entry", i)
		assert.Equal(t, string(arr[start:end]), string(buf[index[k]:index[k+1]]), "object %d's bytes", i)
		require.Equal(t, uint32(words), index[k+2], "object %d's word count", i)
		assert.Equal(t, spans[s+1:s+1+words], index[k+3:k+3+words], "object %d's spans", i)
		k += 3 + words
		s += 1 + words
		start = end + 1
		if i == len(items)-1 {
			assert.Equal(t, len(index), k, "nothing after the last object")
		}
	}
	empty, none := EncodeObjects(nil, nil, nil)
	assert.Empty(t, empty)
	assert.Empty(t, none)
}

// spanWordsOf is how many words from spans[k] (a member count) describe one
// object: its members' spans and its metadata's.
func spanWordsOf(spans []uint32, k int) int {
	n := spans[k]
	if n == wire.NoSpans {
		return 1
	}
	m := spans[k+1+4*int(n)]
	if m == wire.NoSpans {
		return 2 + 4*int(n)
	}
	return 2 + 4*int(n) + 4*int(m)
}
