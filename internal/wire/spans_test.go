package wire

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Each member's value, cut at its span, is what encoding/json decodes for
// that member, and each key's span holds the key as written, in order.
func TestAppendMemberSpans(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in string
		keys     []string // as written, between the quotes
	}{
		{"a pod", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","labels":{"x":"}"}},"spec":{"c":[1,{"d":"]"}]},"cluster":"demo"}`, []string{"apiVersion", "kind", "metadata", "spec", "cluster"}},
		{"spaces everywhere", " { \"a\" : 1 ,\n\"b\":\t[ ] , \"c\" : \"x\" } \n", []string{"a", "b", "c"}},
		{"escapes and non-ASCII", `{"k\u0065y":"v\"\\","é":"☃","n":-1.5e3,"t":true,"z":null}`, []string{`k\u0065y`, "é", "n", "t", "z"}},
		{"a duplicate key, reported twice", `{"a":1,"a":2}`, []string{"a", "a"}},
		{"empty", `{}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := []byte(tc.in)
			got := AppendMemberSpans([]uint32{7}, b)
			require.Equal(t, uint32(7), got[0], "appended after what dst held")
			require.Equal(t, uint32(len(tc.keys)), got[1])
			require.Len(t, got, 2+4*len(tc.keys))
			var whole map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(b, &whole))
			for i, k := range tc.keys {
				w := got[2+4*i:]
				assert.Equal(t, k, string(b[w[0]:w[1]]), "key %d", i)
				var key string
				require.NoError(t, json.Unmarshal([]byte(`"`+k+`"`), &key))
				var value any
				require.NoError(t, json.Unmarshal(b[w[2]:w[3]], &value), "member %s: %q", key, b[w[2]:w[3]])
				if i == len(tc.keys)-1 || tc.keys[i+1] != k { // the last of equal keys is the one decoded
					var want any
					require.NoError(t, json.Unmarshal(whole[key], &want))
					assert.Equal(t, want, value, "member %s", key)
				}
			}
		})
	}
}

func TestAppendMemberSpansRefusesWhatIsNotOneObject(t *testing.T) {
	t.Parallel()
	for _, in := range []string{``, `[1]`, `"s"`, `{"a":1`, `{"a":}`, `{"a":1}{}`, `{"a" 1}`, `{a:1}`, `{"a":1,}`} {
		assert.Equal(t, []uint32{3, NoSpans}, AppendMemberSpans([]uint32{3}, []byte(in)), "%q", in)
	}
}
