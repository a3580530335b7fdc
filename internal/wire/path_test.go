package wire

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParsePath(t *testing.T) {
	t.Parallel()
	cases := []struct {
		text  string
		steps []step // nil: an error
		err   string
	}{
		{text: "status.phase", steps: []step{{key: "status"}, {key: "phase"}}},
		{text: "spec.containers[*].name", steps: []step{{key: "spec"}, {key: "containers"}, {all: true}, {key: "name"}}},
		{text: "spec.containers[*]", steps: []step{{key: "spec"}, {key: "containers"}, {all: true}}},
		{text: `metadata.labels["app.kubernetes.io/name"]`, steps: []step{{key: "metadata"}, {key: "labels"}, {key: "app.kubernetes.io/name"}}},
		{text: `a["b\"c"].d`, steps: []step{{key: "a"}, {key: `b"c`}, {key: "d"}}},
		{text: "", err: "empty"},
		{text: "a..b", err: "dot"},
		{text: ".a", err: "dot"},
		{text: "a.", err: "dot"},
		{text: "a[0]", err: "an index such as [0] is not supported"},
		{text: "a[]", err: "only [*]"},
		{text: "s.cs[type=Ready].status", steps: []step{{key: "s"}, {key: "cs"}, {where: []cond{{key: "type", value: "Ready", hasValue: true}}}, {key: "status"}}},
		{text: `s.cs[type="a,b]", ok].x`, steps: []step{{key: "s"}, {key: "cs"}, {where: []cond{{key: "type", value: "a,b]", hasValue: true}, {key: "ok"}}}, {key: "x"}}},
		{text: `a["k"=""]`, steps: []step{{key: "a"}, {where: []cond{{key: "k", hasValue: true}}}}},
		{text: "a[type=Ready", err: "not closed"},
		{text: "a[=x]", err: "needs a member"},
		{text: "a[x=1,]", err: "needs a member"},
		{text: `a[x="y]`, err: "not closed"},
		{text: `a[x=y"z"]`, err: "member=value"},
		{text: "metadata.labels.keys()", steps: []step{{key: "metadata"}, {key: "labels"}, {keys: true}}},
		{text: `metadata.labels.keys("node-role.kubernetes.io/")`, steps: []step{{key: "metadata"}, {key: "labels"}, {keys: true, prefix: "node-role.kubernetes.io/"}}},
		{text: "keys()", steps: []step{{keys: true}}},
		{text: "data.keys().x", err: "last step"},
		{text: "data.keys(x)", err: "one JSON string"},
		{text: `data.keys("x"`, err: "one JSON string"},
		{text: "data.mykeys()", steps: []step{{key: "data"}, {key: "mykeys()"}}},
		{text: `a["b"`, err: "not closed"},
		{text: "a[*]b", err: "follow a dot"},
	}
	for _, c := range cases {
		t.Run(c.text, func(t *testing.T) {
			t.Parallel()
			p, err := ParsePath(c.text)
			if c.err != "" {
				require.ErrorIs(t, err, ErrPath)
				assert.Contains(t, err.Error(), c.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.steps, p.steps)
			assert.Equal(t, c.text, p.String())
		})
	}
}

func paths(t *testing.T, texts ...string) []Path {
	t.Helper()
	out := make([]Path, len(texts))
	for i, s := range texts {
		p, err := ParsePath(s)
		require.NoError(t, err)
		out[i] = p
	}
	return out
}

func TestExtract(t *testing.T) {
	t.Parallel()
	str := func(s string) Value { return Value{Kind: String, Str: s} }
	num := func(f float64) Value { return Value{Kind: Number, Num: f} }
	cases := []struct {
		name   string
		doc    string
		paths  []string
		want   [][]Value
		labels map[string]string
	}{
		{
			name:  "scalars of every kind",
			doc:   `{"a":"x","b":1.5,"c":true,"d":null,"e":{"f":1},"g":[1]}`,
			paths: []string{"a", "b", "c", "d", "e", "g", "missing"},
			want:  [][]Value{{str("x")}, {num(1.5)}, {{Kind: Bool, Bool: true}}, {{Kind: Null}}, {{Kind: Object}}, {{Kind: Array}}, {}},
		},
		{
			name:  "arrays, nested arrays and an object path with children",
			doc:   `{"s":{"cs":[{"n":"a","r":1},{"n":"b","r":2},{"r":3}],"m":[[1,2],[3]]}}`,
			paths: []string{"s.cs[*].n", "s.cs[*].r", "s.cs[*]", "s.m[*][*]", "s.cs"},
			want:  [][]Value{{str("a"), str("b")}, {num(1), num(2), num(3)}, {{Kind: Object}, {Kind: Object}, {Kind: Object}}, {num(1), num(2), num(3)}, {{Kind: Array}}},
		},
		{
			name:  "a path through a value of the wrong type finds nothing",
			doc:   `{"a":"x","b":[1],"c":{"d":1}}`,
			paths: []string{"a.b", "b.c", "c[*]"},
			want:  [][]Value{{}, {}, {}},
		},
		{
			name:   "labels, and a path to one label, escaped strings decoded",
			doc:    `{"metadata":{"labels":{"app":"w\u00e9b","n":1,"t\"x":"y"}},"k":"a\nb"}`,
			paths:  []string{`metadata.labels["app"]`, "k"},
			want:   [][]Value{{str("wéb")}, {str("a\nb")}},
			labels: map[string]string{"app": "wéb", `t"x`: "y"},
		},
		{
			name: "a filter keeps the elements whose members match, in any member order",
			doc: `{"s":{"cs":[{"status":"False","type":"Ready"},{"type":"Complete","status":"True","n":1},` +
				`{"type":"Failed","status":"True"},{"type":"Complete","status":"False","n":2},"x",{"type":{"o":1}}]}}`,
			paths: []string{"s.cs[type=Ready].status", "s.cs[type=Complete,status=True].n", "s.cs[type=Complete].n", "s.cs[status=True].type", "s.cs[*].n", "s.cs[n].type", "s.cs[type=missing].n"},
			want:  [][]Value{{str("False")}, {num(1)}, {num(1), num(2)}, {str("Complete"), str("Failed")}, {num(1), num(2)}, {str("Complete"), str("Complete")}, {}},
		},
		{
			name:  "a filter on an object tests the object itself; numbers and bools match by their text",
			doc:   `{"st":{"active":2,"ok":true,"zero":0},"e":{"active":0}}`,
			paths: []string{"st[active].active", "e[active].active", "st[active=2,ok=true].zero", "st[zero].active", "st[active=3].active"},
			want:  [][]Value{{num(2)}, {}, {num(0)}, {}, {}},
		},
		{
			name:  "nested filters",
			doc:   `{"a":[{"k":"x","b":[{"k":"y","v":1},{"k":"z","v":2}]},{"k":"w","b":[{"k":"y","v":3}]}]}`,
			paths: []string{"a[k=x].b[k=y].v", "a[*].b[k=y].v", "a[k=w].b[*].v"},
			want:  [][]Value{{num(1)}, {num(1), num(3)}, {num(3)}},
		},
		{
			name:   "keys, all or by a prefix cut off, next to the labels",
			doc:    `{"metadata":{"labels":{"node-role.kubernetes.io/control-plane":"","node-role.kubernetes.io/etcd":"true","zone":"a"}},"data":{"a.txt":"","b":"x"},"empty":{},"s":"x"}`,
			paths:  []string{`metadata.labels.keys("node-role.kubernetes.io/")`, "data.keys()", "empty.keys()", "s.keys()", "missing.keys()", "metadata.labels.zone"},
			want:   [][]Value{{str("control-plane"), str("etcd")}, {str("a.txt"), str("b")}, {}, {}, {}, {str("a")}},
			labels: map[string]string{"node-role.kubernetes.io/control-plane": "", "node-role.kubernetes.io/etcd": "true", "zone": "a"},
		},
		{
			name:  "the same path twice, and a duplicated key yields both",
			doc:   `{"a":1,"a":2}`,
			paths: []string{"a", "a"},
			want:  [][]Value{{num(1), num(2)}, {num(1), num(2)}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			x := NewExtractor(paths(t, c.paths...), true)
			// A fresh Extracted, and one a pod with other labels was read into
			// first: nothing of that pod (its labels' map is reused) remains.
			var fresh, reused Extracted
			require.NoError(t, x.Extract([]byte(`{"metadata":{"labels":{"zone":"b","other":"x"}},"a":7}`), &reused))
			for _, out := range []*Extracted{&fresh, &reused} {
				require.NoError(t, x.Extract([]byte(c.doc), out))
				require.Len(t, out.Values, len(c.want))
				for i := range c.want {
					assert.Equal(t, c.want[i], append([]Value{}, out.Values[i]...), c.paths[i])
				}
				assert.Equal(t, c.labels, out.Labels)
			}
		})
	}
}

// TestExtractRaw: a raw path's values carry their JSON text, of every
// kind, through filters too.
func TestExtractRaw(t *testing.T) {
	t.Parallel()
	ps := paths(t, "p[*]", "p[proto=UDP]", "o", "n")
	for i := range ps {
		ps[i] = ps[i].Raw()
	}
	ps = append(ps, paths(t, "p[*].port")...)
	var out Extracted
	require.NoError(t, NewExtractor(ps, false).Extract([]byte(`{"p":[{"port":80},{"port":53, "proto":"UDP"},"s",1,true,null,[2]],"o":{"a":1},"n":5}`), &out))
	assert.Equal(t, []Value{{Kind: Object, Str: `{"port":80}`}, {Kind: Object, Str: `{"port":53, "proto":"UDP"}`}, {Kind: String, Str: `"s"`},
		{Kind: Number, Str: "1"}, {Kind: Bool, Str: "true"}, {Kind: Null, Str: "null"}, {Kind: Array, Str: "[2]"}}, out.Values[0])
	assert.Equal(t, []Value{{Kind: Object, Str: `{"port":53, "proto":"UDP"}`}}, out.Values[1])
	assert.Equal(t, []Value{{Kind: Object, Str: `{"a":1}`}}, out.Values[2])
	assert.Equal(t, []Value{{Kind: Number, Str: "5"}}, out.Values[3])
	assert.Equal(t, []Value{{Kind: Number, Num: 80}, {Kind: Number, Num: 53}}, out.Values[4])
	assert.Len(t, out.Values, 5, "the hidden slots of filters are not among the values")
}

func TestExtractErrors(t *testing.T) {
	t.Parallel()
	x := NewExtractor(paths(t, "a.b"), true)
	var out Extracted
	for _, doc := range []string{``, `["s3cret"]`, `{"a":{"b":"s3cret",}}`, `{"a":"s3cret"`} {
		err := x.Extract([]byte(doc), &out)
		require.Error(t, err, doc)
		assert.NotContains(t, err.Error(), "s3cret", "an error never quotes the input")
	}
}

// TestExtractPod checks the extractor against encoding/json on the fixture
// pod, for the paths of kubectl's pod columns.
func TestExtractPod(t *testing.T) {
	t.Parallel()
	pod := readPod(t)
	var obj struct {
		Metadata struct {
			Labels            map[string]string
			CreationTimestamp string
		}
		Spec struct {
			NodeName   string
			Containers []struct{ Name string }
		}
		Status struct {
			Phase             string
			ContainerStatuses []struct {
				Ready        bool
				RestartCount float64
			}
		}
	}
	require.NoError(t, json.Unmarshal(pod, &obj))
	x := NewExtractor(paths(t, "status.phase", "spec.nodeName", "metadata.creationTimestamp",
		"status.containerStatuses[*].ready", "status.containerStatuses[*].restartCount", "spec.containers[*].name"), true)
	var out Extracted
	require.NoError(t, x.Extract(pod, &out))
	assert.Equal(t, []Value{{Kind: String, Str: obj.Status.Phase}}, out.Values[0])
	assert.Equal(t, []Value{{Kind: String, Str: obj.Spec.NodeName}}, out.Values[1])
	assert.Equal(t, []Value{{Kind: String, Str: obj.Metadata.CreationTimestamp}}, out.Values[2])
	require.Len(t, out.Values[3], len(obj.Status.ContainerStatuses))
	for i, cs := range obj.Status.ContainerStatuses {
		assert.Equal(t, Value{Kind: Bool, Bool: cs.Ready}, out.Values[3][i])
		assert.Equal(t, Value{Kind: Number, Num: cs.RestartCount}, out.Values[4][i])
	}
	require.Len(t, out.Values[5], len(obj.Spec.Containers))
	for i, c := range obj.Spec.Containers {
		assert.Equal(t, Value{Kind: String, Str: c.Name}, out.Values[5][i])
	}
	assert.Equal(t, obj.Metadata.Labels, out.Labels)
}

// TestExtractPodFilters checks filter steps and keys() against
// encoding/json on the fixture pod: each condition's status by its type,
// and the label keys by a prefix.
func TestExtractPodFilters(t *testing.T) {
	t.Parallel()
	pod := readPod(t)
	var obj struct {
		Metadata struct{ Labels map[string]string }
		Status   struct {
			Conditions []struct{ Type, Status, LastTransitionTime string }
		}
	}
	require.NoError(t, json.Unmarshal(pod, &obj))
	require.NotEmpty(t, obj.Status.Conditions)
	var texts []string
	for _, c := range obj.Status.Conditions {
		texts = append(texts, "status.conditions[type="+c.Type+"].status", `status.conditions[type="`+c.Type+`",status=`+c.Status+"].lastTransitionTime")
	}
	texts = append(texts, `metadata.labels.keys("app.kubernetes.io/")`)
	var out Extracted
	require.NoError(t, NewExtractor(paths(t, texts...), false).Extract(pod, &out))
	for i, c := range obj.Status.Conditions {
		assert.Equal(t, []Value{{Kind: String, Str: c.Status}}, out.Values[2*i], texts[2*i])
		assert.Equal(t, []Value{{Kind: String, Str: c.LastTransitionTime}}, out.Values[2*i+1], texts[2*i+1])
	}
	var want []string
	for k := range obj.Metadata.Labels {
		if rest, ok := strings.CutPrefix(k, "app.kubernetes.io/"); ok {
			want = append(want, rest)
		}
	}
	var got []string
	for _, v := range out.Values[len(texts)-1] {
		got = append(got, v.Str)
	}
	assert.ElementsMatch(t, want, got)
	assert.NotEmpty(t, got)
}

// BenchmarkExtractPod reads kubectl's pod columns and the labels from the
// fixture pod; BenchmarkExtractPodJSON is encoding/json doing the same.
func BenchmarkExtractPod(b *testing.B) {
	pod := readPod(b)
	ps := make([]Path, 0, 5)
	for _, s := range []string{"status.phase", "spec.nodeName", "metadata.creationTimestamp",
		"status.containerStatuses[*].ready", "status.containerStatuses[*].restartCount"} {
		p, err := ParsePath(s)
		if err != nil {
			b.Fatal(err)
		}
		ps = append(ps, p)
	}
	x := NewExtractor(ps, true)
	var out Extracted
	b.SetBytes(int64(len(pod)))
	b.ReportAllocs()
	for b.Loop() {
		if err := x.Extract(pod, &out); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExtractPodJSON(b *testing.B) {
	pod := readPod(b)
	b.SetBytes(int64(len(pod)))
	b.ReportAllocs()
	for b.Loop() {
		var m map[string]any
		if err := json.Unmarshal(pod, &m); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzExtract checks the extractor against encoding/json: it accepts
// exactly the JSON objects json.Valid accepts, and a path to a top-level
// member or one below it yields what encoding/json decodes there, every
// occurrence of a duplicated key in order (encoding/json keeps the last).
func FuzzExtract(f *testing.F) {
	for _, seed := range []string{
		`{"a":1,"b":{"c":"x"}}`, `{"a":[{"c":1},{"c":true}],"b":null}`, `{"a":"\u00e9\n","a":2}`,
		`{"metadata":{"labels":{"k":"v","n":1}}}`, `{"a":{}}`, `{}`, `[]`, `{"a":1}x`, `{"a":}`, `{"a":1e400}`,
	} {
		f.Add([]byte(seed))
	}
	var ps []Path
	for _, text := range []string{"a", "b.c", "a[*].c", "metadata.labels.k"} {
		p, err := ParsePath(text)
		if err != nil {
			f.Fatal(err)
		}
		ps = append(ps, p)
	}
	x := NewExtractor(ps, true)
	f.Fuzz(func(t *testing.T, doc []byte) {
		var out Extracted
		err := x.Extract(doc, &out)
		var top map[string]json.RawMessage
		// json.Unmarshal takes null into a map as a nil map: not an object.
		isObject := json.Valid(doc) && json.Unmarshal(doc, &top) == nil && top != nil
		require.Equal(t, isObject, err == nil, "accepted iff a JSON object: %v", err)
		if err != nil {
			return
		}
		vals := out.Values[0]
		a, ok := top["a"]
		if !ok {
			require.Empty(t, vals)
			return
		}
		require.NotEmpty(t, vals)
		last := vals[len(vals)-1]
		var want any
		if json.Unmarshal(a, &want) != nil { // a number out of float64's range
			require.Equal(t, Null, last.Kind)
			return
		}
		switch w := want.(type) {
		case string:
			require.Equal(t, Value{Kind: String, Str: w}, last)
		case float64:
			require.Equal(t, Value{Kind: Number, Num: w}, last)
		case bool:
			require.Equal(t, Value{Kind: Bool, Bool: w}, last)
		case nil:
			require.Equal(t, Null, last.Kind)
		case map[string]any:
			require.Equal(t, Object, last.Kind)
		case []any:
			require.Equal(t, Array, last.Kind)
		}
	})
}

// FuzzExtractFilters: on any input, Extract with filters, keys() and raw
// paths rejects what is not JSON, and every raw value it returns is the
// JSON text of one value.
func FuzzExtractFilters(f *testing.F) {
	for _, s := range append(fuzzSeeds, `{"s":{"cs":[{"type":"Ready","status":"True","x":{"y":[1]}},{"type":"Ready"}]},"d":{"a":1,"b":"c"}}`) {
		f.Add([]byte(s))
	}
	var ps []Path
	for i, text := range []string{"s.cs[type=Ready].status", "s.cs[type=Ready,status=True].x", "s.cs[*]", "s[cs]", "d.keys()", `metadata.labels.keys("a")`, "items[*]", "s.cs[type=Ready][*]"} {
		p, err := ParsePath(text)
		require.NoError(f, err)
		if i%2 == 1 {
			p = p.Raw()
		}
		ps = append(ps, p)
	}
	x := NewExtractor(ps, true)
	f.Fuzz(func(t *testing.T, doc []byte) {
		var out Extracted
		err := x.Extract(doc, &out)
		if !json.Valid(doc) {
			require.Error(t, err, "invalid JSON must be rejected")
			return
		}
		if err != nil {
			return // JSON, but not an object (or nested too deep)
		}
		for i := 1; i < len(ps); i += 2 {
			for _, v := range out.Values[i] {
				assert.True(t, json.Valid([]byte(v.Str)), "raw value %q of %s", v.Str, ps[i])
			}
		}
	})
}
