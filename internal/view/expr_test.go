package view

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/wire"
)

// evalOn parses text and evaluates it on the JSON object doc.
func evalOn(t testing.TB, text, doc string) (wire.Value, error) {
	t.Helper()
	var ps []wire.Path
	e, err := parseExpr(text, &ps)
	if err != nil {
		return wire.Value{}, err
	}
	var x wire.Extracted
	require.NoError(t, wire.NewExtractor(ps, false).Extract([]byte(doc), &x))
	return e.eval(&x), nil
}

// The objects of kubectl's columns that need more than a path.
const (
	svcDoc  = `{"metadata":{"name":"web"},"spec":{"type":"NodePort","ports":[{"port":80,"nodePort":30080,"protocol":"TCP"},{"port":53,"protocol":"UDP"},{"port":8443}]}}`
	nodeDoc = `{"metadata":{"name":"n1","labels":{"node-role.kubernetes.io/control-plane":"","node-role.kubernetes.io/etcd":"","zone":"a"}},` +
		`"spec":{"unschedulable":true},"status":{"conditions":[{"type":"MemoryPressure","status":"False"},{"type":"Ready","status":"True"}],"nodeInfo":{"kubeletVersion":"v1.31.0"}}}`
	jobDoc   = `{"spec":{"completions":3},"status":{"succeeded":1,"active":2,"conditions":[{"type":"Failed","status":"False"},{"type":"Complete","status":"True"}]}}`
	eventDoc = `{"type":"Warning","reason":"BackOff","involvedObject":{"kind":"Pod","name":"web-1"},"count":4}`
)

func TestExprs(t *testing.T) {
	t.Parallel()
	str := func(s string) wire.Value { return wire.Value{Kind: wire.String, Str: s} }
	num := func(f float64) wire.Value { return wire.Value{Kind: wire.Number, Num: f} }
	cases := []struct {
		name, expr, doc string
		want            wire.Value
	}{
		{"literal string as a default", `type ?? "Normal"`, `{}`, str("Normal")},
		{"literal not used when the path has a value", `type ?? "Normal"`, eventDoc, str("Warning")},
		{"literal number as a default", `count ?? series.count ?? 1`, `{"series":{"count":9}}`, num(9)},
		{"literal number alone", `count ?? 1`, `{"count":null}`, num(1)},
		{"negative and fractional number", `-2.5e1`, `{}`, num(-25)},
		{"template", `"{involvedObject.kind|lower}/{involvedObject.name}"`, eventDoc, str("pod/web-1")},
		{"template absent when a part is", `"{involvedObject.kind|lower}/{involvedObject.name}" ?? "{regarding.kind|lower}/{regarding.name}"`, `{"regarding":{"kind":"Node","name":"n1"}}`, str("node/n1")},
		{"template with a number, braces escaped, a ?? inside", `"{{{spec.completions ?? 1}}}"`, `{}`, str("{1}")},
		{"template of literal text only", `"{{x}}"`, `{}`, str("{x}")},
		{"ready ratio as a template", `"{status.succeeded ?? 0}/{spec.completions ?? 1}"`, jobDoc, str("1/3")},
		{"each over ports, joined with a separator", `each(spec.ports[*], "{port}:{nodePort}/{protocol}" ?? "{port}/{protocol ?? \"TCP\"}")|join(", ")`, svcDoc, str("80:30080/TCP, 53/UDP, 8443/TCP")},
		{"each counted", `each(spec.ports[*], port)|count`, svcDoc, num(3)},
		{"each on no array", `each(spec.ports[*], port)|join`, `{}`, str("")},
		{"each over a filter", `each(spec.ports[protocol=UDP], "{port}")|first`, svcDoc, str("53")},
		{"each as a condition: a literal per matching element", `each(status.conditions[type=Complete,status=True], "Completed")|first ?? "Pending"`, jobDoc, str("Completed")},
		{"each as a condition that fails", `each(status.conditions[type=Failed,status=True], "Failed")|first ?? "Pending"`, jobDoc, str("Pending")},
		{"filter on an object: truthy member", `each(status[active], "Running")|first`, jobDoc, str("Running")},
		{"filter step in a path", `status.conditions[type=Ready].status|first`, nodeDoc, str("True")},
		{"keys with a prefix, joined", `metadata.labels.keys("node-role.kubernetes.io/")|join(", ")`, nodeDoc, str("control-plane, etcd")},
		{"keys counted", `data.keys()|count`, `{"data":{"a":"","b":"x","c":"y"}}`, num(3)},
		{"keys of nothing", `data.keys()|count`, `{}`, num(0)},
		{"lower of a missing value", `kind|lower`, `{}`, wire.Value{}},
		{"lower of a number", `n|lower`, `{"n":12}`, str("12")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := evalOn(t, c.expr, c.doc)
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
}

func TestExprErrors(t *testing.T) {
	t.Parallel()
	cases := []struct{ expr, want string }{
		{``, "empty"},
		{`a ??`, "empty"},
		{`a[*]`, "give a reducer"},
		{`a.keys()`, "give a reducer"},
		{`a[k=v].b`, "give a reducer"},
		{`each(a[*], b)`, "give a reducer"},
		{`a|avg`, `unknown reducer "avg"`},
		{`a[*]|sum|count`, "more than one reducer"},
		{`a[*]|join(",`, "not closed"},
		{`a[*]|join(1)`, "separator"},
		{`a[*]|join(","`, "one JSON string"},
		{`"abc`, "not closed"},
		{`"\q"`, "not a valid JSON string"},
		{`"{a"`, "{ is not closed"},
		{`"a}"`, "} without its {"},
		{`"{a[*]}"`, "give a reducer"},
		{`each(a[*] b)`, "needs a comma"},
		{`each(a[*], b`, "not closed"},
		{`each(a[*], b[*])|first`, "in each()"},
		{`1.2.3`, "not a number"},
		{`a b`, `unexpected "b"`},
		{`a[0]`, "an index such as [0]"},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			t.Parallel()
			_, err := evalOn(t, c.expr, `{}`)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

// FuzzParseExpr: any text either fails to parse with an error or parses
// into an expression that evaluates, on any object, without a panic.
func FuzzParseExpr(f *testing.F) {
	for _, s := range []string{`type ?? "Normal"`, `"{a|lower}/{b}"`, `each(spec.ports[*], "{port}/{protocol}")|join(", ")`,
		`status.conditions[type=Ready].status|first`, `metadata.labels.keys("p/")|join`, `a[k="x,y",z].b|count ?? -1`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		var ps []wire.Path
		e, err := parseExpr(text, &ps)
		if err != nil {
			return
		}
		for _, doc := range []string{svcDoc, nodeDoc, jobDoc, eventDoc, `{}`} {
			var x wire.Extracted
			require.NoError(t, wire.NewExtractor(ps, true).Extract([]byte(doc), &x))
			e.eval(&x)
		}
	})
}

// BenchmarkExprKinds is the cost per object of the kinds of term the
// dashboard's tables use: a plain path, a filter, keys(), a template and
// each() (the extraction included).
func BenchmarkExprKinds(b *testing.B) {
	for _, c := range []struct{ name, expr, doc string }{
		{"path", "status.nodeInfo.kubeletVersion", nodeDoc},
		{"filter", "status.conditions[type=Ready].status|first", nodeDoc},
		{"keys", `metadata.labels.keys("node-role.kubernetes.io/")|join(", ")`, nodeDoc},
		{"template", `"{involvedObject.kind|lower}/{involvedObject.name}"`, eventDoc},
		{"each", `each(spec.ports[*], "{port}:{nodePort}/{protocol}" ?? "{port}/{protocol}")|join(", ")`, svcDoc},
	} {
		b.Run(c.name, func(b *testing.B) {
			var ps []wire.Path
			e, err := parseExpr(c.expr, &ps)
			require.NoError(b, err)
			x := wire.NewExtractor(ps, true)
			doc := []byte(c.doc)
			var out wire.Extracted
			b.ReportAllocs()
			for b.Loop() {
				if err := x.Extract(doc, &out); err != nil {
					b.Fatal(err)
				}
				e.eval(&out)
			}
		})
	}
}
