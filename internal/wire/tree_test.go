package wire

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in string
		want     any // what encoding/json decodes into an any
		err      string
	}{
		{name: "object", in: ` {"a": [1, "x", true, null, {"b": -2.5e1}], "c": {}} `,
			want: map[string]any{"a": []any{1.0, "x", true, nil, map[string]any{"b": -25.0}}, "c": map[string]any{}}},
		{name: "escapes", in: `"\u00e9\ud83d\ude00\n\"\ud800"`, want: "é😀\n\"\ufffd"},
		{name: "duplicate keys keep the last", in: `{"a":1,"a":2}`, want: map[string]any{"a": 2.0}},
		{name: "number", in: `0`, want: 0.0},
		{name: "empty", in: ``, err: "unexpected end"},
		{name: "trailing data", in: `{} {}`, err: "data after the top-level value"},
		{name: "bad literal", in: `[tru]`, err: "invalid literal"},
		{name: "unterminated", in: `{"a":"b`, err: "unterminated string"},
		{name: "leading zero", in: `01`, err: "data after the top-level value"},
		{name: "nesting too deep", in: strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1), err: "nesting too deep"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n, err := Parse([]byte(tc.in))
			if tc.err != "" {
				require.ErrorIs(t, err, ErrSyntax)
				assert.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			got, err := n.Any()
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestNodeLookups(t *testing.T) {
	t.Parallel()
	n, err := Parse([]byte(`{"Kind":"x","kind":"y","n":3,"f":1.5,"big":1e400,"b":true,"s":["a",null],"o":{},"z":null}`))
	require.NoError(t, err)
	assert.Equal(t, "y", n.Get("kind").Str, "Get is exact, the last duplicate")
	assert.Equal(t, "x", n.Get("Kind").Str)
	assert.Equal(t, "y", n.Field("KIND").Str, "Field ignores case, the last match")
	assert.Equal(t, Absent, n.Get("nope").Kind)
	assert.Equal(t, `{}`, string(n.Get("o").Raw))

	for _, tc := range []struct {
		name string
		got  func() (any, error)
		want any
		err  string
	}{
		{"text", func() (any, error) { return n.Get("kind").Text("kind") }, "y", ""},
		{"text of null", func() (any, error) { return n.Get("z").Text("z") }, "", ""},
		{"text of a number", func() (any, error) { return n.Get("n").Text("where.n") }, "", "where.n is a number, not a string"},
		{"int", func() (any, error) { return n.Get("n").Int("n") }, 3, ""},
		{"int of a fraction", func() (any, error) { return n.Get("f").Int("f") }, 0, "f is a number, not an integer an int holds"},
		{"float", func() (any, error) { return n.Get("f").Float("f") }, 1.5, ""},
		{"float out of range", func() (any, error) { return n.Get("big").Float("big") }, 0.0, "big is a number, not a number a float64 holds"},
		{"flag", func() (any, error) { return n.Get("b").Flag("b") }, true, ""},
		{"flag of an object", func() (any, error) { return n.Get("o").Flag("o") }, false, "o is an object, not a boolean"},
		{"texts", func() (any, error) { return n.Get("s").Texts("s") }, []string{"a", ""}, ""},
		{"texts of a string", func() (any, error) { return n.Get("kind").Texts("kind") }, []string(nil), "kind is a string, not an array of strings"},
		{"texts of numbers", func() (any, error) {
			return Node{Kind: Array, Elems: []Node{{Kind: Number, Raw: []byte("1")}}}.Texts("t")
		}, []string(nil), "t[0] is a number, not a string"},
		{"any out of range", func() (any, error) { return n.Any() }, nil, "value is a number, not a number a float64 holds"},
	} {
		got, err := tc.got()
		if tc.err != "" {
			assert.EqualError(t, err, tc.err, tc.name)
		} else {
			assert.NoError(t, err, tc.name)
		}
		assert.Equal(t, tc.want, got, tc.name)
	}
	require.NoError(t, n.Get("o").CheckKind("o", Object, "an object"))
	require.NoError(t, n.Get("z").CheckKind("z", Object, "an object"), "null passes as a Go decode leaves it")
	require.EqualError(t, n.Get("s").CheckKind("s", Object, "an object"), "s is an array, not an object")
}

// FuzzParse checks Parse against encoding/json on the same input: the same
// documents accepted, and each decoded as Unmarshal into an any decodes it.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`{"a":[1,{"b":null}],"c":"\u00e9"}`, `"\ud800\udc00"`, `-0.5e-3`, `[1,]`, `{"a" 1}`, "\"\xff\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		n, err := Parse(in)
		var want any
		jerr := json.Unmarshal(in, &want)
		if !json.Valid(in) {
			require.Error(t, err, "accepted what encoding/json refuses")
			return
		}
		require.NoError(t, err, "refused valid JSON")
		got, aerr := n.Any()
		if jerr != nil { // valid JSON that does not decode: a number out of range
			require.Error(t, aerr)
			return
		}
		require.NoError(t, aerr)
		require.Equal(t, want, got)
	})
}
