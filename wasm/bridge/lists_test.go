//go:build js && wasm

package bridge

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hack-pad/safejs"
	"github.com/kubelive/kubelive/internal/cache"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// listsTestJS watches a query the way a page does and keeps what it saw.
const listsTestJS = `return {
  watch(api, query, object) {
    this.api = api;
    const r = { snaps: 0, last: null, errors: [] };
    query.onError = (e) => r.errors.push(e.message);
    const id = api[object ? 'watchObject' : 'watchList'](query, (s) => {
      r.snaps++;
      r.last = s;
      const seen = [...s.errors.map((e) => e.message), ...s.lists.map((l) => l.lastError?.message).filter(Boolean)];
      for (const m of seen) if (!r.errors.includes(m)) r.errors.push(m);
    });
    r.id = id;
    r.unwatch = () => api.unwatch(id);
    return r;
  },
  summary(s) {
    if (!s) return 'null';
    // A raw list (rawLists) holds each object as a handle, its JSON read from Go's cache.
    const RAW = Symbol.for('kubelive.raw');
    const obj = (o) => {
      if (!o || !o[RAW]) return o;
      const r = this.api.rawObjects(o[RAW].key, new Uint8Array(Uint32Array.of(o.slot).buffer), new Uint8Array(Uint32Array.of(o[RAW].pos[o.slot] - 1).buffer));
      if (!Array.isArray(r)) throw new Error(r);
      const index = new Uint32Array(r[1].buffer, r[1].byteOffset, r[1].byteLength >> 2);
      return JSON.parse(new TextDecoder().decode(r[0].subarray(index[0], index[1])));
    };
    const object = s.object && obj(s.object);
    return JSON.stringify({ status: s.status, rv: s.resourceVersion, deleted: !!s.deleted,
      object: s.object === undefined ? undefined : (object ? object.metadata.name : null),
      items: s.items.map(obj).map((o) => [o.cluster, o.metadata.namespace, o.metadata.name, o.metadata.uid, o.metadata.resourceVersion]),
      raw: s.items.length > 0 && s.items.every((o) => Object.isFrozen(o) && Object.keys(o).join() === 'slot' && !!o[RAW]),
      errors: s.errors.map((e) => e.message) });
  },
  errors(r) { return JSON.stringify(r.errors); },
  keep(r) { r.kept = r.last; },
  sameAt(r, i, j = i) { return r.kept.items[i] === r.last.items[j]; },
  // changes is what a raw view's last snapshot says changed (lists.js).
  changes(r) { return JSON.stringify(r.last.changes ? [...r.last.changes.splice] : null); },
  // chunks reads every object of a raw list's last snapshot in one
  // rawObjects call: how many chunks came, and the names cut from them.
  chunks(r) {
    const RAW = Symbol.for('kubelive.raw');
    const hs = r.last.items;
    const v = hs[0][RAW];
    const slots = Uint32Array.from(hs, (h) => h.slot);
    const pos = Uint32Array.from(hs, (h) => v.pos[h.slot] - 1);
    const got = this.api.rawObjects(v.key, new Uint8Array(slots.buffer), new Uint8Array(pos.buffer));
    if (!Array.isArray(got)) throw new Error(got);
    const names = [];
    for (let c = 0; c < got.length; c += 2) {
      const index = new Uint32Array(got[c + 1].slice().buffer);
      for (let w = 0; w < index.length; w += 3 + index[w + 2]) {
        names.push(JSON.parse(new TextDecoder().decode(got[c].subarray(index[w], index[w + 1]))).metadata.name);
      }
    }
    return JSON.stringify({ chunks: got.length / 2, names });
  },
};`

type kube struct {
	t    *testing.T
	addr string
}

func newKube(t *testing.T) *kube {
	addr := os.Getenv("KUBELIVE_ADDR")
	require.NotEmpty(t, addr, "KUBELIVE_ADDR is not set: build .bin/kubelive and run through scripts/go_js_wasm_exec")
	return &kube{t: t, addr: addr}
}

func (k *kube) do(method, path string, body any, contentType string) []byte {
	k.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, "http://"+k.addr+path, r)
	require.NoError(k.t, err)
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(k.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(k.t, err)
	require.Less(k.t, resp.StatusCode, 300, "%s %s: %s", method, path, data)
	return data
}

func (k *kube) api(method, path string, body any) []byte {
	ct := "application/json"
	if method == http.MethodPatch {
		ct = "application/merge-patch+json"
	}
	return k.do(method, "/clusters/demo"+path, body, ct)
}

func (k *kube) namespace(name string) {
	k.api("POST", "/api/v1/namespaces", map[string]any{"metadata": map[string]any{"name": name}})
}

func (k *kube) pod(ns, name string) {
	k.api("POST", "/api/v1/namespaces/"+ns+"/pods", map[string]any{
		"metadata": map[string]any{"name": name, "labels": map[string]string{"app": "t"}},
		"spec":     map[string]any{"containers": []any{map[string]any{"name": "c", "image": "nginx"}}},
	})
}

// serverList returns [cluster, ns, name, uid, rv] of the server's LIST, sorted.
func (k *kube) serverList(path string) [][]string {
	return k.serverListOf("demo", path)
}

func (k *kube) serverListOf(cluster, path string) [][]string {
	var l struct {
		Items []struct {
			Metadata struct{ Namespace, Name, UID, ResourceVersion string }
		}
	}
	require.NoError(k.t, json.Unmarshal(k.do("GET", "/clusters/"+cluster+path, nil, ""), &l))
	out := make([][]string, len(l.Items))
	for i, it := range l.Items {
		m := it.Metadata
		out[i] = []string{cluster, m.Namespace, m.Name, m.UID, m.ResourceVersion}
	}
	sort.Slice(out, func(i, j int) bool { return out[i][1]+"/"+out[i][2] < out[j][1]+"/"+out[j][2] })
	return out
}

type summary struct {
	Raw     bool       `json:"raw"`
	Status  string     `json:"status"`
	RV      string     `json:"rv"`
	Deleted bool       `json:"deleted"`
	Object  *string    `json:"object"`
	Items   [][]string `json:"items"`
	Errors  []string   `json:"errors"`
}

type listHarness struct {
	*harness
	k  *kube
	js safejs.Value
}

// modes are the two watch strategies every list test runs under.
var modes = []string{"off", "on"}

func newListHarness(t *testing.T, mode string) *listHarness {
	h := newHarness(t, "", "")
	b, api, err := Start(Config{BaseURL: "http://" + newKube(t).addr, Multiplexer: mode})
	require.NoError(t, err)
	t.Cleanup(b.Close)
	h.b, h.api = b, api
	ctor, _ := safejs.Global().Get("Function")
	f, err := ctor.New(listsTestJS)
	require.NoError(t, err)
	js, err := f.Invoke()
	require.NoError(t, err)
	return &listHarness{harness: h, k: newKube(t), js: js}
}

func (l *listHarness) watch(query string, object bool) safejs.Value {
	l.t.Helper()
	j, _ := safejs.Global().Get("JSON")
	q, err := j.Call("parse", query)
	require.NoError(l.t, err)
	r, err := l.js.Call("watch", l.api, q, object)
	require.NoError(l.t, err)
	return r
}

func (l *listHarness) summary(r safejs.Value) summary { return lastSummary[summary](l.t, l.js, r) }

// lastSummary decodes what the test's JS helpers summarise of the last
// snapshot a watch recorder r saw (their summary(last), as JSON).
func lastSummary[T any](t *testing.T, js, r safejs.Value) T {
	t.Helper()
	last, _ := r.Get("last")
	s, err := js.Call("summary", last)
	require.NoError(t, err)
	text, _ := s.String()
	var out T
	require.NoError(t, json.Unmarshal([]byte(text), &out))
	return out
}

// errorsSeen returns every error message the watch reported: onError and the
// snapshots' errors, each once.
func (l *listHarness) errorsSeen(r safejs.Value) []string {
	v, err := l.js.Call("errors", r)
	require.NoError(l.t, err)
	text, _ := v.String()
	var out []string
	require.NoError(l.t, json.Unmarshal([]byte(text), &out))
	return out
}

// equalToServer waits until the snapshot holds exactly the server's LIST.
func (l *listHarness) equalToServer(r safejs.Value, path string) summary {
	l.t.Helper()
	var got summary
	var want [][]string
	end := time.Now().Add(45 * time.Second) // backoff after repeated drops can reach ~13 s
	for {
		got = l.summary(r)
		want = l.k.serverList(path)
		if got.Status == "live" && fmt.Sprint(got.Items) == fmt.Sprint(want) {
			return got
		}
		if time.Now().After(end) {
			require.Equal(l.t, want, got.Items, "snapshot (status %s) never equalled the server's LIST", got.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func podsQuery(namespaces ...string) string {
	lists := make([]string, len(namespaces))
	for i, ns := range namespaces {
		lists[i] = fmt.Sprintf(`{"cluster":"demo","namespace":%q}`, ns)
	}
	return `{"lists":[` + strings.Join(lists, ",") + `],"endpoint":{"group":"","version":"v1","resource":"pods"}}`
}

func testNS(t *testing.T) string {
	return strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
}

// eachMode runs f as a subtest per watch strategy (per-URL sockets, mux).
func eachMode(t *testing.T, f func(t *testing.T, l *listHarness)) {
	for _, m := range modes {
		t.Run("mux-"+m, func(t *testing.T) { f(t, newListHarness(t, m)) })
	}
}

func TestListFollowsCreateModifyDeleteAndKeepsIdentity(t *testing.T) {
	eachMode(t, func(t *testing.T, l *listHarness) {
		ns := testNS(t)
		l.k.namespace(ns)
		for i := range 5 {
			l.k.pod(ns, fmt.Sprintf("p%d", i))
		}
		r := l.watch(podsQuery(ns), false)
		got := l.equalToServer(r, "/api/v1/namespaces/"+ns+"/pods")
		require.Len(t, got.Items, 5)
		if st := l.stats(); st.Multiplexer.Mode == "per-url" {
			found := false
			for _, s := range st.Sockets {
				found = found || (s.Key.Type == "watch" && s.Key.Cluster == "demo" && strings.Contains(s.Key.URL, ns+"/pods?"))
			}
			assert.True(t, found, "stats() lists the watch socket: %+v", st.Sockets)
		}
		_, err := l.js.Call("keep", r)
		require.NoError(t, err)

		l.k.api("PATCH", "/api/v1/namespaces/"+ns+"/pods/p1", map[string]any{"metadata": map[string]any{"labels": map[string]string{"x": "y"}}})
		l.k.api("DELETE", "/api/v1/namespaces/"+ns+"/pods/p3", nil)
		l.k.pod(ns, "p9")
		got = l.equalToServer(r, "/api/v1/namespaces/"+ns+"/pods")
		assert.Equal(t, []string{"p0", "p1", "p2", "p4", "p9"}, names(got))
		same := func(i int) bool { v, _ := l.js.Call("sameAt", r, i); b, _ := v.Bool(); return b }
		assert.True(t, same(0), "p0 unchanged keeps its JS identity")
		assert.False(t, same(1), "p1 changed: a new object")
		snaps := l.num(r, "snaps")
		assert.Less(t, snaps, 12, "notified per frame, not per event")
	})
}

// After rawLists, a list holds each object as a handle, one per object
// version, whose JSON (as Go has it, its cluster member added) rawObjects
// reads from the cache: the same contents as a parsed list, identity kept
// for unchanged objects, a watched object the same. A delete and an add in
// a list of 24 come as splices, and the snapshot says what changed since
// the previous one.
func TestRawListsHoldHandlesWhoseJSONTheCacheKeeps(t *testing.T) {
	l := newListHarness(t, "off")
	ns := testNS(t)
	l.k.namespace(ns)
	for i := range 24 {
		l.k.pod(ns, fmt.Sprintf("p%d", i))
	}
	why, err := l.api.Call("rawLists")
	require.NoError(t, err)
	text, _ := why.String()
	require.Empty(t, text)
	r := l.watch(podsQuery(ns), false)
	path := "/api/v1/namespaces/" + ns + "/pods"
	got := l.equalToServer(r, path)
	assert.True(t, got.Raw, "every item is a handle")
	_, err = l.js.Call("keep", r)
	require.NoError(t, err)
	l.k.api("PATCH", path+"/p1", map[string]any{"metadata": map[string]any{"labels": map[string]string{"x": "y"}}})
	l.k.api("DELETE", path+"/p2", nil)
	l.k.pod(ns, "p99")
	got = l.equalToServer(r, path)
	assert.True(t, got.Raw)
	require.Len(t, got.Items, 24)
	assert.Equal(t, []string{"p0", "p1", "p10"}, names(got)[:3])
	assert.Equal(t, "p99", names(got)[23])
	assert.NotContains(t, names(got), "p2")
	same := func(i int) bool { v, _ := l.js.Call("sameAt", r, i); b, _ := v.Bool(); return b }
	assert.True(t, same(0), "p0 unchanged keeps its identity")
	assert.False(t, same(1), "p1 changed: a new handle")
	v, _ := l.js.Call("sameAt", r, 23, 22)
	moved, _ := v.Bool()
	assert.True(t, moved, "p9 unchanged keeps its identity after the splices before it")
	ch, err := l.js.Call("changes", r)
	require.NoError(t, err)
	text, _ = ch.String()
	// The three writes reach the view in one, two or three flushes: the
	// changes are those since the previous snapshot, ending with the add of
	// p99 at the end of the previous order (24 objects, or 23 after the delete).
	assert.Contains(t, []string{"[23,0,1]", "[12,1,0,24,0,1]", "[1,1,1,12,1,0,24,0,1]"}, text,
		"what changed since the previous snapshot, as splices of its order (patch at 1, delete at 12, add at the end)")
	o := l.watch(`{"cluster":"demo","namespace":"`+ns+`","name":"p3","endpoint":{"group":"","version":"v1","resource":"pods"}}`, true)
	l.waitFor("the raw object", func() bool { s := l.summary(o); return s.Object != nil && *s.Object == "p3" })

	// What rawObjects cannot read it says, in a sentence, and throws nothing.
	u8, _ := safejs.Global().Get("Uint8Array")
	four, err := u8.New(4)
	require.NoError(t, err)
	for _, tc := range []struct {
		args []any
		want string
	}{
		{[]any{"no such list", four, four}, "kubelive: raw objects: cache: no data for no such list"},
		{[]any{5}, "kubelive: raw objects: the arguments must be a list key, its slots and their positions"},
		{[]any{"k", "not bytes", four}, "kubelive: raw objects: the slots: not a Uint8Array of uint32s"},
	} {
		got, err := l.api.Call("rawObjects", tc.args...)
		require.NoError(t, err)
		text, _ := got.String()
		assert.Equal(t, tc.want, text)
	}
}

// rawObjects answers a list bigger than a crossing's chunk in chunks, one
// buffer serving them all (so Go's memory never grows by the list's size),
// every object in order and whole.
func TestRawObjectsAnswersABigListInChunks(t *testing.T) {
	l := newListHarness(t, "off")
	ns := testNS(t)
	l.k.namespace(ns)
	big := strings.Repeat("x", 200<<10)
	var want []string
	for i := range 8 {
		name := fmt.Sprintf("big%d", i)
		want = append(want, name)
		l.k.api("POST", "/api/v1/namespaces/"+ns+"/pods", map[string]any{
			"metadata": map[string]any{"name": name, "annotations": map[string]string{"big": big}},
			"spec":     map[string]any{"containers": []any{map[string]any{"name": "c", "image": "nginx"}}},
		})
	}
	_, err := l.api.Call("rawLists")
	require.NoError(t, err)
	r := l.watch(podsQuery(ns), false)
	l.equalToServer(r, "/api/v1/namespaces/"+ns+"/pods")
	v, err := l.js.Call("chunks", r)
	require.NoError(t, err)
	text, _ := v.String()
	var got struct {
		Chunks int      `json:"chunks"`
		Names  []string `json:"names"`
	}
	require.NoError(t, json.Unmarshal([]byte(text), &got))
	assert.Equal(t, want, got.Names, "every object, in order")
	assert.GreaterOrEqual(t, got.Chunks, 2, "1.6 MB of JSON comes in chunks of about 1 MB")
}

func names(s summary) []string {
	out := make([]string, len(s.Items))
	for i, it := range s.Items {
		out[i] = it[2]
	}
	return out
}

func TestListSurvivesDropsAndExpiredResumes(t *testing.T) {
	eachMode(t, func(t *testing.T, l *listHarness) {
		ns := testNS(t)
		l.k.namespace(ns)
		r := l.watch(podsQuery(ns), false)
		l.equalToServer(r, "/api/v1/namespaces/"+ns+"/pods")
		n := 0
		for round := range 6 {
			for range 5 {
				l.k.pod(ns, fmt.Sprintf("p%d", n))
				n++
			}
			l.k.api("DELETE", fmt.Sprintf("/api/v1/namespaces/%s/pods/p%d", ns, n-3), nil)
			if round%3 == 1 {
				l.k.do("POST", "/admin/expire-next", nil, "")
			}
			l.k.do("POST", "/admin/drop", nil, "")
			l.equalToServer(r, "/api/v1/namespaces/"+ns+"/pods")
		}
		got := l.equalToServer(r, "/api/v1/namespaces/"+ns+"/pods")
		assert.Len(t, got.Items, 24)
		st := l.stats()
		if st.Multiplexer.Mode == "mux" {
			t.Logf("mux: %+v", st.Multiplexer)
			if assert.Len(t, st.Sockets, 1) {
				assert.Equal(t, "wsMultiplexer", st.Sockets[0].Key.URL, "no per-URL socket in mux mode")
			}
			assert.GreaterOrEqual(t, st.Multiplexer.Reconnects, 1, "the drops reached the mux socket")
		} else {
			t.Logf("watch sockets opened: %d", st.BrowserSockets.Created)
			assert.GreaterOrEqual(t, st.BrowserSockets.Created, 7, "every drop reopened the watch")
		}
	})
}

func TestListMergesNamespacesInOrder(t *testing.T) {
	eachMode(t, func(t *testing.T, l *listHarness) {
		a, b := testNS(t)+"-b", testNS(t)+"-a"
		l.k.namespace(a)
		l.k.namespace(b)
		l.k.pod(a, "z")
		l.k.pod(a, "a")
		l.k.pod(b, "m")
		r := l.watch(podsQuery(a, b), false)
		var got summary
		l.waitFor("three items", func() bool { got = l.summary(r); return len(got.Items) == 3 && got.Status == "live" })
		assert.Equal(t, [][]string{{"demo", b, "m"}, {"demo", a, "a"}, {"demo", a, "z"}}, [][]string{got.Items[0][:3], got.Items[1][:3], got.Items[2][:3]})
	})
}

func TestWatchObjectGoesNullOnDelete(t *testing.T) {
	eachMode(t, func(t *testing.T, l *listHarness) {
		ns := testNS(t)
		l.k.namespace(ns)
		l.k.pod(ns, "solo")
		r := l.watch(fmt.Sprintf(`{"cluster":"demo","namespace":%q,"name":"solo","endpoint":{"version":"v1","resource":"pods"}}`, ns), true)
		l.waitFor("the object", func() bool { s := l.summary(r); return s.Object != nil && *s.Object == "solo" })
		l.k.api("DELETE", "/api/v1/namespaces/"+ns+"/pods/solo", nil)
		l.waitFor("null after delete", func() bool { s := l.summary(r); return s.Object == nil && s.Deleted })
		assert.Empty(t, l.summary(r).Errors, "a deletion is not an error")
	})
}

func TestUnwatchStopsSocketsAndBadQueriesReportErrors(t *testing.T) {
	eachMode(t, func(t *testing.T, l *listHarness) {
		ns := testNS(t)
		l.k.namespace(ns)
		funcs := l.b.Funcs()
		for range 5 {
			r := l.watch(podsQuery(ns), false)
			l.waitFor("live", func() bool { return l.summary(r).Status == "live" })
			_, err := r.Call("unwatch")
			require.NoError(t, err)
			_, err = r.Call("unwatch")
			require.NoError(t, err)
		}
		l.waitFor("watches stopped", func() bool {
			st := l.stats()
			return st.BrowserSockets.Live == 0 && st.Cache.Watching == 0 && st.Cache.Watchers == 0
		})
		assert.Equal(t, funcs, l.b.Funcs(), "every js.Func released")
		bad := l.watch(`{"lists":[],"endpoint":{"version":"v1","resource":"pods"}}`, false)
		assert.Equal(t, 1, l.length(bad, "errors"))
		assert.Contains(t, l.strings(bad, "errors")[0], "lists")
	})
}

// A list over 1 MiB of JSON is fetched in pages of listPageSize (3 here) and
// crosses into JS in chunks (a first LIST, and the cached snapshot served to
// a new watcher); it must come out whole and exact.
func TestBigListCrossesInChunks(t *testing.T) {
	l := newListHarness(t, "off")
	ns := testNS(t)
	l.k.namespace(ns)
	blob := strings.Repeat("x", 3000)
	const n = 2*listPageSize + 100
	for i := range n {
		l.k.api("POST", "/api/v1/namespaces/"+ns+"/configmaps", map[string]any{
			"metadata": map[string]any{"name": fmt.Sprintf("cm-%04d", i)}, "data": map[string]string{"blob": blob}})
	}
	path := "/api/v1/namespaces/" + ns + "/configmaps"
	r := l.watch(listQuery("demo", ns, "configmaps", ""), false)
	require.Len(t, l.equalToServer(r, path).Items, n)
	_, err := l.js.Call("keep", r)
	require.NoError(t, err)
	l.k.api("PATCH", path+"/cm-0001", map[string]any{"data": map[string]string{"blob": "changed"}})
	l.k.api("DELETE", path+"/cm-0002", nil)
	got := l.equalToServer(r, path)
	require.Len(t, got.Items, n-1)
	same := func(i int) bool { v, _ := l.js.Call("sameAt", r, i); b, _ := v.Bool(); return b }
	assert.True(t, same(0), "cm-000 unchanged keeps its identity")
	// A second watcher of the same query is served the cached snapshot on
	// the next frame.
	r2 := l.watch(listQuery("demo", ns, "configmaps", ""), false)
	l.waitFor("the second watcher is served the cached snapshot", func() bool { return len(l.summary(r2).Items) == n-1 })
	// A raw client (the worker host's) gets the same list as handles, its JSON read back whole from the cache.
	raw := newListHarness(t, "off")
	_, err = raw.api.Call("rawLists")
	require.NoError(t, err)
	r3 := raw.watch(listQuery("demo", ns, "configmaps", ""), false)
	assert.True(t, raw.equalToServer(r3, path).Raw)
}

// firstJS watches a query twice in one task and records how many snapshots
// each listener had heard when its watchList call returned.
const firstJS = `return {
  watchTwice(api, query) {
    const r = { a: 0, b: 0, duringA: -1, duringB: -1, errors: [] };
    query.onError = (e) => r.errors.push(e.message);
    r.idA = api.watchList(query, () => { r.a++; });
    r.duringA = r.a;
    r.idB = api.watchList(query, () => { r.b++; });
    r.duringB = r.b;
    return r;
  },
};`

func jsonValue(t *testing.T, text string) safejs.Value {
	t.Helper()
	j, _ := safejs.Global().Get("JSON")
	v, err := j.Call("parse", text)
	require.NoError(t, err)
	return v
}

func (l *listHarness) jsInt(r safejs.Value, field string) int {
	l.t.Helper()
	v, err := r.Get(field)
	require.NoError(l.t, err)
	n, err := v.Int()
	require.NoError(l.t, err)
	return n
}

// A listener never runs inside watchList, neither for a new view (its first
// snapshot) nor for a live one (its cached snapshot): both arrive on a later
// task, through the frame scheduler.
func TestWatchListNeverCallsItsListenerInline(t *testing.T) {
	l := newListHarness(t, "off")
	ns := testNS(t)
	l.k.namespace(ns)
	ctor, _ := safejs.Global().Get("Function")
	f, err := ctor.New(firstJS)
	require.NoError(t, err)
	js, err := f.Invoke()
	require.NoError(t, err)
	r, err := js.Call("watchTwice", l.api, jsonValue(t, podsQuery(ns)))
	require.NoError(t, err)
	assert.Equal(t, 0, l.jsInt(r, "duringA"), "the first watcher's listener ran inside watchList")
	assert.Equal(t, 0, l.jsInt(r, "duringB"), "the second watcher's listener ran inside watchList")
	assert.NotZero(t, l.jsInt(r, "idA"))
	assert.NotZero(t, l.jsInt(r, "idB"))
	l.waitFor("both listeners heard a snapshot", func() bool { return l.jsInt(r, "a") > 0 && l.jsInt(r, "b") > 0 })
	assert.Zero(t, l.length(r, "errors"))
}

// When the JS half cannot add the listener, watchList returns 0, says why
// through onError and keeps nothing: no watcher, no view, no js.Func.
func TestWatchListUndoesItsBookkeepingWhenListenFails(t *testing.T) {
	l := newListHarness(t, "off")
	ns := testNS(t)
	l.k.namespace(ns)
	funcs := l.b.Funcs()
	ctor, _ := safejs.Global().Get("Function")
	boom, err := ctor.New("throw new Error('listen failed')")
	require.NoError(t, err)
	require.NoError(t, l.b.shim.Value().Set("listsListen", boom))
	r := l.watch(podsQuery(ns), false)
	assert.Zero(t, l.jsInt(r, "id"), "watchList returned an id for a watch that does not exist")
	st := l.stats()
	assert.Zero(t, st.Cache.Watchers, "a watcher JS can never release is left")
	assert.Zero(t, st.Cache.Views, "a view nobody watches is left")
	assert.Equal(t, funcs, l.b.Funcs(), "every js.Func released")
	errs := l.strings(r, "errors")
	require.Len(t, errs, 1)
	assert.Contains(t, errs[0], "listen failed")
	assert.Zero(t, l.jsInt(r, "snaps"))
}

// fakeLazyJS is a stand-in for js/src/lazy.js's LazyObjects: its make parses
// the object's bytes whole and counts the calls whose spans do not give the
// object's members (their count at spans[from]).
const fakeLazyJS = `return {
  calls: 0,
  wrong: 0,
  make(bytes, spans, report, from) {
    this.calls++;
    const o = JSON.parse(new TextDecoder().decode(bytes));
    if (spans[from] !== Object.keys(o).length) this.wrong++;
    return Object.freeze(o);
  },
};`

// After lazyLists(lazy), each object of a list is what lazy.make makes of its
// JSON and its members' spans (no JSON.parse of the change in lists.js),
// with the identity of unchanged objects kept; an argument that is no
// LazyObjects is refused with a sentence.
func TestLazyListsMakeEachObjectFromItsJSONAndSpans(t *testing.T) {
	l := newListHarness(t, "off")
	for _, bad := range []any{nil, "lazy", map[string]any{}} {
		why, err := l.api.Call("lazyLists", bad)
		require.NoError(t, err)
		text, _ := why.String()
		assert.Contains(t, text, "must be a LazyObjects", "lazyLists(%v)", bad)
	}
	ctor, _ := safejs.Global().Get("Function")
	f, err := ctor.New(fakeLazyJS)
	require.NoError(t, err)
	lazy, err := f.Invoke()
	require.NoError(t, err)
	why, err := l.api.Call("lazyLists", lazy)
	require.NoError(t, err)
	text, _ := why.String()
	require.Empty(t, text)
	ns := testNS(t)
	l.k.namespace(ns)
	for i := range 6 {
		l.k.pod(ns, fmt.Sprintf("p%d", i))
	}
	r := l.watch(podsQuery(ns), false)
	path := "/api/v1/namespaces/" + ns + "/pods"
	l.equalToServer(r, path)
	_, err = l.js.Call("keep", r)
	require.NoError(t, err)
	l.k.api("PATCH", path+"/p1", map[string]any{"metadata": map[string]any{"labels": map[string]string{"x": "y"}}})
	l.waitFor("p1 changed", func() bool {
		v, _ := l.js.Call("sameAt", r, 1)
		b, _ := v.Bool()
		return !b
	})
	l.equalToServer(r, path)
	same := func(i int) bool { v, _ := l.js.Call("sameAt", r, i); b, _ := v.Bool(); return b }
	assert.True(t, same(0), "p0 unchanged keeps its identity")
	count := func(name string) int { v, _ := lazy.Get(name); n, _ := v.Int(); return n }
	assert.GreaterOrEqual(t, count("calls"), 7, "every object, and p1 again, made by lazy.make")
	assert.Equal(t, 0, count("wrong"), "each with its members' spans")
}

// rawObjects' scratch is kept between calls without the items it held (a
// kept pointer would keep an object version the cache let go of) and
// without a slice grown past maxRawScratch; a call while another holds it
// gets one of its own.
func TestRawScratchKeepsNoItemNorAGrownSlice(t *testing.T) {
	j := &listJob{}
	r := j.takeRaw()
	it := &cache.Item{}
	r.items = append(r.items, it, it)
	r.slots = append(r.slots, 1, 2)
	r.index = make([]uint32, 0, maxRawScratch+1)
	j.giveRaw(r)
	again := j.takeRaw()
	require.Same(t, r, again, "the scratch is kept")
	assert.Empty(t, again.items)
	assert.Equal(t, []*cache.Item{nil, nil}, again.items[:2], "no item kept alive")
	assert.Empty(t, again.slots)
	assert.Equal(t, []cache.SlotID{1, 2}, again.slots[:2], "a small slice's memory is kept, emptied")
	assert.Nil(t, again.index, "a slice grown past maxRawScratch is dropped")
	assert.NotSame(t, again, j.takeRaw(), "a call while another holds it gets its own")
}
