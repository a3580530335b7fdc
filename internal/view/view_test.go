package view

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/cache"
	"github.com/kubelive/kubelive/internal/reflector"
	"github.com/kubelive/kubelive/internal/wire"
)

func TestParseSpecErrors(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, query, want string }{
		{"not JSON", `{"where":`, "not a JSON object"},
		{"where of the wrong type", `{"where":[1]}`, "not a JSON object"},
		{"bad selector", `{"where":{"labelSelector":"app in (a"}}`, "where.labelSelector"},
		{"fields value not strings", `{"where":{"fields":{"status.phase":[1]}}}`, `where.fields["status.phase"] must be a string or an array`},
		{"fields bad path", `{"where":{"fields":{"a..b":"x"}}}`, "a dot must sit between two keys"},
		{"sort by empty", `{"sort":[{"by":""}]}`, "sort[0].by is empty"},
		{"sort not an object", `{"sort":"name"}`, "sort must be"},
		{"negative offset", `{"window":{"offset":-1}}`, "window.offset must be a whole number"},
		{"fractional limit", `{"window":{"limit":2.5}}`, "window.limit must be a whole number"},
		{"limit too big", `{"window":{"limit":1e9}}`, "window.limit must be at most"},
		{"reserved column", `{"columns":{"name":"spec.nodeName"}}`, "is a name every row already has"},
		{"unknown reducer", `{"columns":{"r":"a[*].b|avg"}}`, `unknown reducer "avg"`},
		{"[*] without reducer", `{"columns":{"r":"a[*].b"}}`, "give a reducer"},
		{"two reducers", `{"columns":{"r":"a[*].b|sum|count"}}`, "more than one reducer"},
		{"bad countBy", `{"countBy":"a["}`, "countBy"},
		{"unknown member", `{"fields":{"a":"b"}}`, `unknown member "fields"`},
		{"unknown member of where", `{"where":{"field":{"a":"b"}}}`, `unknown member where.field`},
		{"textIn not an array", `{"where":{"textIn":"message"}}`, "where.textIn must be an array of column names or expressions"},
		{"textIn bad expression", `{"where":{"textIn":["reason","a["]}}`, "where.textIn[1]"},
		{"textIn empty", `{"where":{"textIn":[""]}}`, "where.textIn[0] is empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseSpec(c.query)
			require.ErrorIs(t, err, ErrQuery)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func TestParseSpec(t *testing.T) {
	t.Parallel()
	s := spec(t, `{"lists":[{"cluster":"c"}],"where":{"labelSelector":"app=web","fields":{"status.phase":["Running","Pending"],"spec.nodeName":"n1"},"text":"Ng","textIn":["restarts","message"]},
		"sort":{"by":"restarts","desc":true},"window":{"offset":10,"limit":50},"columns":{"restarts":"status.containerStatuses[*].restartCount|sum"},"countBy":"status.phase"}`)
	assert.Equal(t, Spec{
		Where:   Where{LabelSelector: "app=web", Fields: map[string][]string{"status.phase": {"Running", "Pending"}, "spec.nodeName": {"n1"}}, Text: "Ng", TextIn: []string{"restarts", "message"}},
		Sort:    []SortKey{{By: "restarts", Desc: true}},
		Window:  Window{Offset: 10, Limit: 50},
		Columns: map[string]string{"restarts": "status.containerStatuses[*].restartCount|sum"},
		CountBy: "status.phase",
	}, s)
}

// TestColumns computes kubectl's pod columns.
func TestColumns(t *testing.T) {
	t.Parallel()
	f := newFeed(t)
	f.add(pod{ns: "a", name: "running", phase: "Running", node: "n1", restarts: []int{1, 2}, ready: []bool{true, true}})
	f.add(pod{ns: "a", name: "waiting", phase: "Pending", node: "n2", waiting: "CrashLoopBackOff", restarts: []int{7, 0}, ready: []bool{false, true}})
	f.add(pod{ns: "a", name: "new", phase: "Pending"})
	v := newView(t, `{"columns":`+columnsJSON(t, podColumns)+`}`)
	v.Reset(f.snapshot())
	s := v.Snapshot()
	require.Equal(t, []string{"a/new", "a/running", "a/waiting"}, names(s))
	num := func(f float64) wire.Value { return wire.Value{Kind: wire.Number, Num: f} }
	str := func(s string) wire.Value { return wire.Value{Kind: wire.String, Str: s} }
	assert.Equal(t, []wire.Value{num(0), num(2), num(1)}, column(s, "ready"))
	assert.Equal(t, []wire.Value{num(0), num(2), num(2)}, column(s, "containers"))
	assert.Equal(t, []wire.Value{str("Pending"), str("Running"), str("CrashLoopBackOff")}, column(s, "status"))
	assert.Equal(t, []wire.Value{num(0), num(3), num(7)}, column(s, "restarts"))
	assert.Equal(t, []wire.Value{{}, str("n1"), str("n2")}, column(s, "node"))
	assert.Equal(t, str("2026-11-20T09:14:27Z"), column(s, "age")[0])
}

func TestReducers(t *testing.T) {
	t.Parallel()
	doc := `{"a":[{"v":1,"s":"x"},{"v":2.5,"s":""},{"v":null,"s":"y"},{"v":"3"},{"v":0}],"t":[true,false,true],"e":[]}`
	num := func(f float64) wire.Value { return wire.Value{Kind: wire.Number, Num: f} }
	cases := []struct {
		expr string
		want wire.Value
	}{
		{"a[*].v|sum", num(3.5)},
		{"a[*].v|count", num(3)}, // 1, 2.5 and "3"; null and 0 are not truthy
		{"t[*]|count", num(2)},
		{"a[*].s|join", wire.Value{Kind: wire.String, Str: "x,y"}},
		{"a[*].v|join", wire.Value{Kind: wire.String, Str: "1,2.5,3,0"}},
		{"a[*].v|first", num(1)},
		{"e[*]|first", wire.Value{}},
		{"e[*]|sum", num(0)},
		{"missing ?? e[*]|first ?? a[*].s|first", wire.Value{Kind: wire.String, Str: "x"}},
		{"missing", wire.Value{}},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			t.Parallel()
			var ps []wire.Path
			e, err := parseExpr(c.expr, &ps)
			require.NoError(t, err)
			var x wire.Extracted
			require.NoError(t, wire.NewExtractor(ps, false).Extract([]byte(doc), &x))
			assert.Equal(t, c.want, e.eval(&x))
		})
	}
}

func TestWhere(t *testing.T) {
	t.Parallel()
	f := newFeed(t)
	f.add(pod{ns: "shop", name: "web-1", phase: "Running", labels: map[string]string{"app": "web", "tier": "front"}})
	f.add(pod{ns: "shop", name: "db-1", phase: "Pending", labels: map[string]string{"app": "db", "tier": "back"}})
	f.add(pod{ns: "Kube-System", name: "dns", phase: "Running", labels: map[string]string{"k8s-app": "CoreDNS"}})
	f.add(pod{ns: "shop", name: "batch", phase: "Succeeded"})
	cases := []struct{ name, where, want string }{
		{"everything", `{}`, "Kube-System/dns shop/batch shop/db-1 shop/web-1"},
		{"equality", `{"labelSelector":"app=web"}`, "shop/web-1"},
		{"inequality keeps the unlabelled", `{"labelSelector":"app!=web"}`, "Kube-System/dns shop/batch shop/db-1"},
		{"set", `{"labelSelector":"tier in (front,back)"}`, "shop/db-1 shop/web-1"},
		{"exists", `{"labelSelector":"k8s-app"}`, "Kube-System/dns"},
		{"does not exist", `{"labelSelector":"!app"}`, "Kube-System/dns shop/batch"},
		{"several requirements", `{"labelSelector":"app,tier=back"}`, "shop/db-1"},
		{"field equality", `{"fields":{"status.phase":"Running"}}`, "Kube-System/dns shop/web-1"},
		{"field set", `{"fields":{"status.phase":["Pending","Succeeded"]}}`, "shop/batch shop/db-1"},
		{"field on a missing path", `{"fields":{"spec.missing":"x"}}`, ""},
		{"text in a name", `{"text":"WEB"}`, "shop/web-1"},
		{"text in a namespace, any case", `{"text":"kube-sys"}`, "Kube-System/dns"},
		{"text in a label value", `{"text":"coredns"}`, "Kube-System/dns"},
		{"text not in a label key", `{"text":"k8s-app"}`, ""},
		{"text does not span fields", `{"text":"dnskube"}`, ""},
		{"all together", `{"labelSelector":"app","fields":{"status.phase":"Running"},"text":"1"}`, "shop/web-1"},
		{"text not in other paths", `{"text":"succ"}`, ""},
		{"text in a textIn path", `{"text":"SUCC","textIn":["status.phase"]}`, "shop/batch"},
		{"text in any textIn path", `{"text":"pend","textIn":["spec.nodeName","status.phase"]}`, "shop/db-1"},
		{"text in a name beside textIn", `{"text":"dns","textIn":["status.phase"]}`, "Kube-System/dns"},
		{"text does not span textIn values", `{"text":"runningshop","textIn":["status.phase","metadata.namespace"]}`, ""},
	}
	snap := f.snapshot()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			v := newView(t, `{"where":`+c.where+`}`)
			v.Reset(snap)
			s := v.Snapshot()
			got := ""
			for i, n := range names(s) {
				if i > 0 {
					got += " "
				}
				got += n
			}
			assert.Equal(t, c.want, got)
			assert.Equal(t, 4, s.Count)
			assert.Equal(t, len(s.Rows), s.Total)
		})
	}
}

func TestSort(t *testing.T) {
	t.Parallel()
	f := newFeed(t)
	f.add(pod{cluster: "c2", ns: "b", name: "x", restarts: []int{1}, node: "n1"})
	f.add(pod{cluster: "c1", ns: "b", name: "x", restarts: []int{1}, node: "n1"})
	f.add(pod{ns: "a", name: "y", restarts: []int{1}, node: "n2"})
	f.add(pod{ns: "a", name: "z", restarts: []int{5}})
	f.add(pod{ns: "c", name: "w"}) // no containers: restarts 0, no node
	cols := `"columns":{"restarts":"status.containerStatuses[*].restartCount|sum","node":"spec.nodeName"}`
	cases := []struct {
		name, sort string
		want       []string // namespace/name@cluster
	}{
		{"default: namespace, name, cluster", `[]`, []string{"a/y@", "a/z@", "b/x@c1", "b/x@c2", "c/w@"}},
		{"by a column, ties by namespace then name then cluster", `[{"by":"restarts"}]`, []string{"c/w@", "a/y@", "b/x@c1", "b/x@c2", "a/z@"}},
		{"descending keeps the tie-break ascending", `[{"by":"restarts","desc":true}]`, []string{"a/z@", "a/y@", "b/x@c1", "b/x@c2", "c/w@"}},
		{"by a path", `[{"by":"spec.nodeName","desc":true}]`, []string{"a/y@", "b/x@c1", "b/x@c2", "a/z@", "c/w@"}},
		{"missing values last in both directions", `[{"by":"node"}]`, []string{"b/x@c1", "b/x@c2", "a/y@", "a/z@", "c/w@"}},
		{"by a built-in field", `[{"by":"name","desc":true}]`, []string{"a/z@", "a/y@", "b/x@c1", "b/x@c2", "c/w@"}},
		{"two keys", `[{"by":"node"},{"by":"restarts","desc":true}]`, []string{"b/x@c1", "b/x@c2", "a/y@", "a/z@", "c/w@"}},
	}
	snap := f.snapshot()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			v := newView(t, `{"sort":`+c.sort+`,`+cols+`}`)
			v.Reset(snap)
			s := v.Snapshot()
			got := make([]string, len(s.Rows))
			for i, r := range s.Rows {
				got[i] = r.Item.Namespace + "/" + r.Item.Name + "@" + r.Item.Cluster
			}
			assert.Equal(t, c.want, got)
		})
	}
}

func TestNatural(t *testing.T) {
	t.Parallel()
	ordered := []string{"", "0", "1", "01a", "2", "9", "10", "100", "a", "A1", "a2", "a10", "B", "pod-9", "pod-10", "pod-10a", "pod-10b"}
	for i := range ordered {
		for j := range ordered {
			want := 0
			switch {
			case i < j:
				want = -1
			case i > j:
				want = 1
			}
			assert.Equal(t, want, natural(ordered[i], ordered[j]), "%q vs %q", ordered[i], ordered[j])
		}
	}
}

func TestWindowEdges(t *testing.T) {
	t.Parallel()
	f := newFeed(t)
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		f.add(pod{ns: "ns", name: n})
	}
	cases := []struct {
		window string
		want   []string
		offset int
	}{
		{`{"offset":0,"limit":2}`, []string{"ns/a", "ns/b"}, 0},
		{`{"offset":3,"limit":2}`, []string{"ns/d", "ns/e"}, 3},
		{`{"offset":4,"limit":10}`, []string{"ns/e"}, 4},
		{`{"offset":5,"limit":2}`, []string{}, 5},
		{`{"offset":50,"limit":2}`, []string{}, 5},
		{`{}`, []string{"ns/a", "ns/b", "ns/c", "ns/d", "ns/e"}, 0},
		{`{"offset":1}`, []string{"ns/b", "ns/c", "ns/d", "ns/e"}, 1},
		{`{"offset":1,"limit":0}`, []string{}, 1}, // the counts alone
	}
	snap := f.snapshot()
	for _, c := range cases {
		t.Run(c.window, func(t *testing.T) {
			t.Parallel()
			v := newView(t, `{"window":`+c.window+`}`)
			v.Reset(snap)
			s := v.Snapshot()
			assert.Equal(t, c.want, names(s))
			assert.Equal(t, c.offset, s.Offset)
			assert.Equal(t, 5, s.Total)
		})
	}
}

// TestRowsEnterAndLeave follows a window of the three pods with the most
// restarts through updates: rows enter and leave, and a row whose object
// did not change keeps its item and is not fresh.
func TestRowsEnterAndLeave(t *testing.T) {
	t.Parallel()
	f := newFeed(t)
	slots := map[string]cache.SlotID{}
	for i, n := range []string{"a", "b", "c", "d", "e"} {
		slots[n] = f.add(pod{ns: "ns", name: n, restarts: []int{10 - i}}) // a 10, b 9, c 8, d 7, e 6
	}
	v := newView(t, `{"sort":[{"by":"status.containerStatuses[*].restartCount|sum","desc":true}],"window":{"limit":3},"columns":{"r":"status.containerStatuses[*].restartCount|sum"}}`)
	v.Reset(f.snapshot())
	s := v.Snapshot()
	require.Equal(t, []string{"ns/a", "ns/b", "ns/c"}, names(s))
	for _, r := range s.Rows {
		assert.True(t, r.Fresh, "the first snapshot sends every row")
	}
	before := s.Rows

	// e climbs to the top; c is pushed out; a and b keep their items.
	f.set(slots["e"], pod{ns: "ns", name: "e", restarts: []int{20}})
	v.Apply(f.delta())
	s = v.Snapshot()
	require.Equal(t, []string{"ns/e", "ns/a", "ns/b"}, names(s))
	assert.Equal(t, []bool{true, false, false}, []bool{s.Rows[0].Fresh, s.Rows[1].Fresh, s.Rows[2].Fresh})
	assert.Same(t, before[0].Item, s.Rows[1].Item)
	assert.Same(t, before[1].Item, s.Rows[2].Item)

	// An update outside the window changes no row.
	f.set(slots["d"], pod{ns: "ns", name: "d", restarts: []int{1}})
	v.Apply(f.delta())
	s = v.Snapshot()
	require.Equal(t, []string{"ns/e", "ns/a", "ns/b"}, names(s))
	for _, r := range s.Rows {
		assert.False(t, r.Fresh)
	}

	// A delete in the window pulls the next row in; a row modified in place is fresh.
	f.remove(slots["a"])
	f.set(slots["b"], pod{ns: "ns", name: "b", restarts: []int{9}, labels: map[string]string{"x": "y"}})
	v.Apply(f.delta())
	s = v.Snapshot()
	require.Equal(t, []string{"ns/e", "ns/b", "ns/c"}, names(s))
	assert.Equal(t, []bool{false, true, true}, []bool{s.Rows[0].Fresh, s.Rows[1].Fresh, s.Rows[2].Fresh})
	assert.Equal(t, 4, s.Total)

	// The cache re-delivering the same *Item (a relist found it unchanged) is no change.
	e := f.items[slots["e"]]
	v.Apply(&cache.Delta{Changed: []*cache.Item{e}})
	s = v.Snapshot()
	assert.False(t, s.Rows[0].Fresh)
	assert.Same(t, e, s.Rows[0].Item)
}

// TestSetSpec changes a live view's filter, sort, window and columns:
// rows keep their identity across a new filter, sort or window, and every
// row is fresh after a change of columns.
func TestSetSpec(t *testing.T) {
	t.Parallel()
	f := newFeed(t)
	for _, n := range []string{"web-1", "web-2", "db-1", "db-2"} {
		f.add(pod{ns: "ns", name: n, phase: "Running", restarts: []int{len(n)}})
	}
	v := newView(t, `{"columns":{"phase":"status.phase"}}`)
	v.Reset(f.snapshot())
	s := v.Snapshot()
	require.Equal(t, []string{"ns/db-1", "ns/db-2", "ns/web-1", "ns/web-2"}, names(s))

	require.NoError(t, v.SetSpec(spec(t, `{"columns":{"phase":"status.phase"},"where":{"text":"web"}}`)))
	s = v.Snapshot()
	assert.Equal(t, []string{"ns/web-1", "ns/web-2"}, names(s))
	assert.False(t, s.Rows[0].Fresh || s.Rows[1].Fresh, "a new filter resends no row JS holds")

	require.NoError(t, v.SetSpec(spec(t, `{"columns":{"phase":"status.phase"},"where":{"text":"web"},"sort":[{"by":"name","desc":true}]}`)))
	s = v.Snapshot()
	assert.Equal(t, []string{"ns/web-2", "ns/web-1"}, names(s))
	assert.False(t, s.Rows[0].Fresh || s.Rows[1].Fresh)

	require.NoError(t, v.SetSpec(spec(t, `{"columns":{"phase":"status.phase"},"sort":[{"by":"name","desc":true}],"window":{"offset":1,"limit":2}}`)))
	s = v.Snapshot()
	assert.Equal(t, []string{"ns/web-1", "ns/db-2"}, names(s))
	assert.Equal(t, []bool{false, true}, []bool{s.Rows[0].Fresh, s.Rows[1].Fresh})

	require.NoError(t, v.SetSpec(spec(t, `{"columns":{"phase":"status.phase","node":"spec.nodeName"},"sort":[{"by":"name","desc":true}],"window":{"offset":1,"limit":2}}`)))
	s = v.Snapshot()
	assert.Equal(t, []string{"ns/web-1", "ns/db-2"}, names(s))
	assert.Equal(t, []bool{true, true}, []bool{s.Rows[0].Fresh, s.Rows[1].Fresh}, "new columns resend every row")
	assert.Equal(t, []string{"node", "phase"}, s.Columns)

	_, err := ParseSpec(`{"sort":[{"by":""}]}`)
	require.Error(t, err)
	assert.Error(t, v.SetSpec(Spec{Where: Where{LabelSelector: "a in ("}}), "a bad spec is refused")
	assert.Equal(t, []string{"ns/web-1", "ns/db-2"}, names(v.Snapshot()), "and the view is unchanged")

	// where.textIn alone changes what the text searches, though the
	// expressions (the column phase) are the same.
	require.NoError(t, v.SetSpec(spec(t, `{"columns":{"phase":"status.phase"},"where":{"text":"running"}}`)))
	assert.Empty(t, names(v.Snapshot()))
	require.NoError(t, v.SetSpec(spec(t, `{"columns":{"phase":"status.phase"},"where":{"text":"running","textIn":["phase"]}}`)))
	assert.Equal(t, []string{"ns/db-1", "ns/db-2", "ns/web-1", "ns/web-2"}, names(v.Snapshot()))
	require.NoError(t, v.SetSpec(spec(t, `{"columns":{"phase":"status.phase"},"where":{"text":"running2","textIn":["phase"]}}`)))
	assert.Empty(t, names(v.Snapshot()))
}

func TestCountBy(t *testing.T) {
	t.Parallel()
	f := newFeed(t)
	a := f.add(pod{ns: "ns", name: "a", phase: "Running"})
	f.add(pod{ns: "ns", name: "b", phase: "Running"})
	f.add(pod{ns: "ns", name: "c", phase: "Pending"})
	f.add(pod{ns: "other", name: "d", phase: "Failed"})
	v := newView(t, `{"countBy":"status.phase","where":{"text":"ns"}}`)
	v.Reset(f.snapshot())
	assert.Equal(t, map[string]int{"Running": 2, "Pending": 1}, v.Snapshot().CountBy)
	f.set(a, pod{ns: "ns", name: "a", phase: "Pending"})
	v.Apply(f.delta())
	assert.Equal(t, map[string]int{"Running": 1, "Pending": 2}, v.Snapshot().CountBy)
	require.NoError(t, v.SetSpec(spec(t, `{"countBy":"status.phase"}`)))
	assert.Equal(t, map[string]int{"Running": 1, "Pending": 2, "Failed": 1}, v.Snapshot().CountBy)
	assert.Nil(t, newView(t, `{}`).Snapshot().CountBy)

	// The same expressions counted by another one: in place, and derived.
	byPhase, byNS := `{"columns":{"a":"status.phase","b":"metadata.namespace"},"countBy":"a"}`, `{"columns":{"a":"status.phase","b":"metadata.namespace"},"countBy":"b"}`
	require.NoError(t, v.SetSpec(spec(t, byPhase)))
	assert.Equal(t, map[string]int{"Running": 1, "Pending": 2, "Failed": 1}, v.Snapshot().CountBy)
	d, err := v.Derive(spec(t, byNS))
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"ns": 3, "other": 1}, d.Snapshot().CountBy)
	require.NoError(t, v.SetSpec(spec(t, byNS)))
	assert.Equal(t, map[string]int{"ns": 3, "other": 1}, v.Snapshot().CountBy)
	f.set(a, pod{ns: "ns", name: "a", phase: "Running"})
	dl := f.delta()
	v.Apply(dl)
	d.Apply(dl)
	assert.Equal(t, map[string]int{"ns": 3, "other": 1}, v.Snapshot().CountBy)
	back, err := d.Derive(spec(t, byPhase))
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"Running": 2, "Pending": 1, "Failed": 1}, back.Snapshot().CountBy)
}

func TestStatus(t *testing.T) {
	t.Parallel()
	at := time.Unix(100, 0)
	older, newer := errors.New("older"), errors.New("newer")
	cases := []struct {
		name   string
		lists  []cache.ListStatus
		status string
		err    error
	}{
		{"no lists", nil, "loading", nil},
		{"all live", []cache.ListStatus{{Phase: reflector.PhaseLive}, {Phase: reflector.PhaseLive}}, "live", nil},
		{"the worst wins", []cache.ListStatus{{Phase: reflector.PhaseStale}, {Phase: reflector.PhaseReconnecting}, {Phase: reflector.PhaseLoading}}, "reconnecting", nil},
		{"the latest error", []cache.ListStatus{{Phase: reflector.PhaseLive, LastErr: newer, LastErrAt: at.Add(time.Second)}, {Phase: reflector.PhaseError, LastErr: older, LastErrAt: at}}, "error", newer},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			v := newView(t, `{}`)
			v.Apply(&cache.Delta{Lists: c.lists})
			s := v.Snapshot()
			assert.Equal(t, c.status, s.Status)
			assert.Equal(t, c.err, s.LastError)
		})
	}
}

func TestAppendJSON(t *testing.T) {
	t.Parallel()
	f := newFeed(t)
	f.add(pod{cluster: "c", ns: "ns", name: "a\"q", phase: "Running", restarts: []int{2}})
	f.add(pod{ns: "ns", name: "b", phase: "Pending"})
	v := newView(t, `{"columns":{"phase":"status.phase","r":"status.containerStatuses[*].restartCount|sum","x":"spec"},"countBy":"status.phase"}`)
	v.Reset(f.snapshot())
	lists := []cache.ListStatus{{Phase: reflector.PhaseLive, LastErr: errors.New("boom"), LastErrAt: time.Unix(1, 0)}}
	_ = v.Snapshot()
	f.set(2, pod{ns: "ns", name: "b", phase: "Running"})
	d := f.delta()
	d.Lists = lists
	v.Apply(d)
	out := v.Snapshot().AppendJSON(nil, func(err error) any { return map[string]string{"message": err.Error()} })
	var got map[string]any
	require.NoError(t, json.Unmarshal(out, &got), string(out))
	assert.Equal(t, map[string]any{
		"version": got["version"], "total": 2.0, "count": 2.0, "offset": 0.0, "status": "live",
		"lastError": map[string]any{"message": "boom"},
		"countBy":   map[string]any{"Running": 2.0},
		"slots":     []any{1.0, 2.0},
		"rows": []any{nil, map[string]any{"uid": "uid-2", "cluster": "", "namespace": "ns", "name": "b",
			"phase": "Running", "r": 0.0, "x": nil}},
	}, got)
	assert.NotZero(t, got["version"])
}

// TestAppendString: every string decodes back to itself through
// encoding/json (invalid UTF-8 to U+FFFD, as encoding/json does).
func TestAppendString(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "plain", `q"uote`, `back\slash`, "tab\tnl\ncr\r\x00\x1f", "é☃😀", "<&>", "bad\xffutf8", "\u2028"} {
		out := appendString(nil, s)
		var back string
		require.NoError(t, json.Unmarshal(out, &back), string(out))
		want := s
		if s == "bad\xffutf8" {
			want = "bad\uFFFDutf8"
		}
		assert.Equal(t, want, back)
	}
}

// TestBareView: a view that reads nothing of its objects (a count) makes
// its records without their JSON, and reads it once a new spec needs it.
func TestBareView(t *testing.T) {
	t.Parallel()
	f := newFeed(t)
	f.add(pod{ns: "shop", name: "web-1", phase: "Running", labels: map[string]string{"app": "web"}})
	f.add(pod{ns: "shop", name: "db-1", phase: "Pending", labels: map[string]string{"app": "db"}})
	v := newView(t, `{"window":{"limit":1}}`)
	require.True(t, v.c.bare)
	v.Reset(f.snapshot())
	s := v.Snapshot()
	assert.Equal(t, []string{"shop/db-1"}, names(s))
	assert.Equal(t, 2, s.Count)
	assert.Equal(t, 2, s.Total)
	for _, q := range []struct{ query, want string }{
		{`{"where":{"text":"web"}}`, "shop/web-1"},
		{`{"window":{"limit":1}}`, "shop/db-1"},
		{`{"where":{"labelSelector":"app=web"}}`, "shop/web-1"},
		{`{"columns":{"phase":"status.phase"},"where":{"fields":{"status.phase":"Running"}}}`, "shop/web-1"},
	} {
		require.NoError(t, v.SetSpec(spec(t, q.query)))
		assert.Equal(t, []string{q.want}, names(v.Snapshot()), q.query)
	}
	b, err := v.Derive(spec(t, `{"where":{"text":"db"}}`))
	require.NoError(t, err)
	assert.Equal(t, []string{"shop/db-1"}, names(b.Snapshot()), "derived from a view that read the objects")
	bare := newView(t, `{}`)
	bare.Reset(f.snapshot())
	b, err = bare.Derive(spec(t, `{"where":{"text":"db"}}`))
	require.NoError(t, err)
	assert.Equal(t, []string{"shop/db-1"}, names(b.Snapshot()), "derived from a bare view")
}
