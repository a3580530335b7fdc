//go:build js && wasm

package bridge

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hack-pad/safejs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// viewsTestJS watches a view the way a page does and keeps what it saw.
const viewsTestJS = `return {
  watch(api, query) {
    const r = { snaps: 0, last: null, errors: [] };
    query.onError = (e) => r.errors.push(e.message);
    r.id = api.watchView(query, (s) => { r.snaps++; r.last = s; });
    return r;
  },
  update(api, r, query) { return api.updateView(r.id, query); },
  summary(s) {
    if (!s) return 'null';
    return JSON.stringify({ total: s.total, count: s.count, offset: s.offset, status: s.status, key: s.key,
      frozen: Object.isFrozen(s) && Object.isFrozen(s.rows) && s.rows.every(Object.isFrozen),
      rows: s.rows.map((r) => [r.namespace, r.name, r.rv, r.tier]) });
  },
  keep(r) { r.kept = r.last; },
  sameRow(r, name) {
    const a = r.kept.rows.find((x) => x.name === name), b = r.last.rows.find((x) => x.name === name);
    return !!a && a === b;
  },
  object(api, r, uid) { const o = api.getObject(r.id, 'demo', uid); return o ? o.metadata.name + '/' + o.cluster : 'null'; },
};`

type viewSummary struct {
	Total, Count, Offset int
	Status, Key          string
	Frozen               bool
	Rows                 [][]string
}

type viewHarness struct {
	*listHarness
	vjs safejs.Value
}

func eachViewMode(t *testing.T, f func(t *testing.T, v *viewHarness)) {
	eachMode(t, func(t *testing.T, l *listHarness) {
		ctor, _ := safejs.Global().Get("Function")
		fn, err := ctor.New(viewsTestJS)
		require.NoError(t, err)
		vjs, err := fn.Invoke()
		require.NoError(t, err)
		f(t, &viewHarness{listHarness: l, vjs: vjs})
	})
}

func (v *viewHarness) jsQuery(query string) safejs.Value {
	j, _ := safejs.Global().Get("JSON")
	q, err := j.Call("parse", query)
	require.NoError(v.t, err)
	return q
}

func (v *viewHarness) watchView(query string) safejs.Value {
	v.t.Helper()
	r, err := v.vjs.Call("watch", v.api, v.jsQuery(query))
	require.NoError(v.t, err)
	return r
}

func (v *viewHarness) update(r safejs.Value, query string) string {
	v.t.Helper()
	res, err := v.vjs.Call("update", v.api, r, v.jsQuery(query))
	require.NoError(v.t, err)
	s, _ := res.String()
	return s
}

func (v *viewHarness) view(r safejs.Value) viewSummary {
	return lastSummary[viewSummary](v.t, v.vjs, r)
}

type serverPod struct {
	Metadata struct {
		Name, UID, ResourceVersion string
		Labels                     map[string]string
	}
}

// serverPods returns the server's LIST of the pods of ns.
func (v *viewHarness) serverPods(ns string) []serverPod {
	var l struct{ Items []serverPod }
	require.NoError(v.t, json.Unmarshal(v.k.do("GET", "/clusters/demo/api/v1/namespaces/"+ns+"/pods", nil, ""), &l))
	return l.Items
}

// computeView is the view computed from a LIST: the pods with label tier
// (all, when tier is ""), sorted by name descending, the window [off,
// off+limit).
func computeView(ns string, pods []serverPod, tier string, off, limit int) viewSummary {
	var rows [][]string
	for _, it := range pods {
		if tier == "" || it.Metadata.Labels["tier"] == tier {
			rows = append(rows, []string{ns, it.Metadata.Name, it.Metadata.ResourceVersion, it.Metadata.Labels["tier"]})
		}
	}
	slices.SortFunc(rows, func(a, b []string) int { return strings.Compare(b[1], a[1]) })
	out := viewSummary{Total: len(rows), Count: len(pods), Offset: min(off, len(rows)), Status: "live"}
	out.Rows = rows[min(off, len(rows)):min(off+limit, len(rows))]
	return out
}

// equalToServerView waits until the view equals the computation on the
// server's LIST (fetched again on each try when pods is nil).
func (v *viewHarness) equalToServerView(r safejs.Value, ns string, pods []serverPod, tier string, off, limit int) viewSummary {
	v.t.Helper()
	end := time.Now().Add(45 * time.Second)
	for {
		list := pods
		if list == nil {
			list = v.serverPods(ns)
		}
		got, want := v.view(r), computeView(ns, list, tier, off, limit)
		cmp := func(s viewSummary) string { return fmt.Sprint(s.Total, s.Count, s.Offset, s.Status, s.Rows) }
		if cmp(got) == cmp(want) {
			assert.True(v.t, got.Frozen, "snapshots and rows are frozen")
			return got
		}
		if time.Now().After(end) {
			require.Equal(v.t, cmp(want), cmp(got), "the view never equalled the server's LIST")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func viewQuery(ns, tier string, off, limit int) string {
	where := "{}"
	if tier != "" {
		where = fmt.Sprintf(`{"labelSelector":"tier=%s"}`, tier)
	}
	return fmt.Sprintf(`{"lists":[{"cluster":"demo","namespace":%q}],"endpoint":{"group":"","version":"v1","resource":"pods"},
		"where":%s,"sort":[{"by":"name","desc":true}],"window":{"offset":%d,"limit":%d},
		"columns":{"rv":"metadata.resourceVersion","tier":"metadata.labels.tier"}}`, ns, where, off, limit)
}

func (k *kube) tieredPod(ns, name, tier string) {
	k.api("POST", "/api/v1/namespaces/"+ns+"/pods", map[string]any{
		"metadata": map[string]any{"name": name, "labels": map[string]string{"tier": tier}},
		"spec":     map[string]any{"containers": []any{map[string]any{"name": "c", "image": "nginx"}}},
	})
}

// metric returns kubelive_requests_total{cluster="demo",verb} from /metrics.
func (k *kube) requests(verb string) int {
	want := fmt.Sprintf(`kubelive_requests_total{cluster="demo",verb=%q} `, verb)
	sc := bufio.NewScanner(bytes.NewReader(k.do("GET", "/metrics", nil, "")))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), want); ok {
			n, err := strconv.ParseFloat(rest, 64)
			require.NoError(k.t, err)
			return int(n)
		}
	}
	return 0
}

// A view equals the same filter, sort and window computed on the server's
// LIST, after creates, label changes and deletes, dropped sockets and a
// forced 410; an unchanged row keeps its JS identity.
func TestViewEqualsServerListAfterChurnDropsAnd410(t *testing.T) {
	eachViewMode(t, func(t *testing.T, v *viewHarness) {
		ns := testNS(t)
		v.k.namespace(ns)
		for i := range 20 {
			v.k.tieredPod(ns, fmt.Sprintf("p%02d", i), []string{"front", "back"}[i%3%2])
		}
		r := v.watchView(viewQuery(ns, "front", 2, 5))
		first := v.equalToServerView(r, ns, nil, "front", 2, 5)
		require.Len(t, first.Rows, 5)
		_, err := v.vjs.Call("keep", r)
		require.NoError(t, err)

		// Changes below the window: rows in it keep their identity.
		v.k.api("DELETE", "/api/v1/namespaces/"+ns+"/pods/p00", nil)
		v.equalToServerView(r, ns, nil, "front", 2, 5)
		same, _ := v.vjs.Call("sameRow", r, first.Rows[0][1])
		isSame, _ := same.Bool()
		assert.True(t, isSame, "an unchanged row keeps its identity")

		for round := range 3 {
			v.k.api("PATCH", fmt.Sprintf("/api/v1/namespaces/%s/pods/p%02d", ns, 18-round), map[string]any{"metadata": map[string]any{"labels": map[string]string{"tier": "back"}}})
			v.k.tieredPod(ns, fmt.Sprintf("q%02d", round), "front")
			if round == 1 {
				v.k.do("POST", "/admin/expire-next", nil, "")
			}
			v.k.do("POST", "/admin/drop", nil, "")
			v.k.api("DELETE", fmt.Sprintf("/api/v1/namespaces/%s/pods/p%02d", ns, 3+round), nil)
		}
		got := v.equalToServerView(r, ns, nil, "front", 2, 5)
		t.Logf("view exact after churn, drops and a 410: total %d of %d", got.Total, got.Count)
	})
}

// Changing where, sort and window of a live view re-evaluates from the
// objects held: no LIST reaches the server and no watch is added.
func TestViewChangesCauseNoRequest(t *testing.T) {
	eachViewMode(t, func(t *testing.T, v *viewHarness) {
		ns := testNS(t)
		v.k.namespace(ns)
		for i := range 12 {
			v.k.tieredPod(ns, fmt.Sprintf("p%02d", i), []string{"front", "back"}[i%2])
		}
		r := v.watchView(viewQuery(ns, "", 0, 4))
		pods := v.serverPods(ns) // nothing changes from here on: one LIST serves every check
		v.equalToServerView(r, ns, pods, "", 0, 4)
		lists := v.k.requests("LIST")
		require.Positive(t, lists, "the view's LIST is counted")
		for _, c := range []struct {
			tier      string
			off, size int
		}{{"front", 0, 4}, {"front", 3, 4}, {"back", 1, 10}, {"", 8, 3}} {
			assert.Empty(t, v.update(r, viewQuery(ns, c.tier, c.off, c.size)))
			v.equalToServerView(r, ns, pods, c.tier, c.off, c.size)
		}
		assert.Equal(t, lists, v.k.requests("LIST"), "no LIST for a new where, sort or window")

		assert.Contains(t, v.update(r, `{"lists":[{"cluster":"demo","namespace":"other"}],"endpoint":{"version":"v1","resource":"pods"}}`), "the lists or the endpoint changed")
		assert.Contains(t, v.update(r, strings.Replace(viewQuery(ns, "", 0, 4), `"sort"`, `"sortt"`, 1)), `unknown member "sortt"`)

		obj, err := v.vjs.Call("object", v.api, r, pods[0].Metadata.UID)
		require.NoError(t, err)
		name, _ := obj.String()
		assert.Equal(t, "p00/demo", name, "getObject parses the whole object on demand")

		// stats() counts the views: a window of the same spec shares its view; another filter is a view of its own.
		assert.Equal(t, viewsJSON{Groups: 1, Views: 1, Watchers: 1}, v.stats().Views)
		v.watchView(viewQuery(ns, "", 4, 4))
		assert.Equal(t, viewsJSON{Groups: 1, Views: 1, Watchers: 2}, v.stats().Views)
		v.watchView(viewQuery(ns, "back", 0, 4))
		assert.Equal(t, viewsJSON{Groups: 1, Views: 2, Watchers: 3}, v.stats().Views)
	})
}

// A bad view query is refused with a sentence through onError; nothing is thrown.
func TestViewBadQuery(t *testing.T) {
	eachViewMode(t, func(t *testing.T, v *viewHarness) {
		r := v.watchView(strings.Replace(viewQuery("x", "", 0, 4), `"by":"name"`, `"by":"a[*].b"`, 1))
		id, _ := r.Get("id")
		n, _ := id.Float()
		assert.Zero(t, n)
		errs, _ := r.Get("errors")
		e0, _ := errs.Index(0)
		msg, _ := e0.String()
		assert.Contains(t, msg, "give a reducer")
	})
}
