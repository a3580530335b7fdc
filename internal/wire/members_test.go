package wire

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestScanMembersMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		`{"clusterId":"c","path":"/p","query":"a=1\u0026b=2","userId":"u","data":"{\"type\":\"ADDED\",\"o\":\"\\u00e9 \\\"x\\\"\"}\n","type":"DATA"}` + "\n",
		`{"plain":"no escapes","n":12,"b":true,"z":null,"o":{"x":[1,2]},"k\u0065y":"v"}`,
		`{}`,
		`{"dup":"first","dup":"last"}`,
		`{"pair":"\ud83d\ude00 and \uD83D\uDE00","lone":"\ud83d x \ude00","mixed":"é \u00e9\n\\u0041\"\u0041"}`,
		"{\"bad utf8\":\"a\xffb\xc3\",\"ok\":\"\xc3\xa9\"}",
	} {
		var want map[string]any
		require.NoError(t, json.Unmarshal([]byte(in), &want))
		got := map[string]any{}
		require.NoError(t, ScanMembers([]byte(in), func(key, v []byte, str bool) {
			if str {
				got[string(key)] = string(v)
				return
			}
			var x any
			require.NoError(t, json.Unmarshal(v, &x))
			got[string(key)] = x
		}))
		assert.Equal(t, want, got, "%s", in)
	}
	for _, bad := range []string{``, `[]`, `{"a":}`, `{"a":"x"} {}`, `{"a":"\x"}`, `{"a" "b"}`} {
		err := ScanMembers([]byte(bad), func(_, _ []byte, _ bool) {})
		require.Error(t, err, "%q", bad)
		assert.NotContains(t, err.Error(), "x\"", "errors never quote the input")
	}
}

// A plain string aliases the input; an escaped one is decoded into a buffer
// of its own.
func TestScanMembersAliasesPlainStrings(t *testing.T) {
	t.Parallel()
	in := []byte(`{"a":"plain","b":"esc\"aped"}`)
	var a, b []byte
	require.NoError(t, ScanMembers(in, func(key, v []byte, _ bool) {
		if string(key) == "a" {
			a = v
		} else {
			b = v
		}
	}))
	assert.Equal(t, "plain", string(a))
	assert.Equal(t, `esc"aped`, string(b))
	in[6] = 'P'
	assert.Equal(t, "Plain", string(a), "aliases the input")
	assert.Equal(t, `esc"aped`, string(b))
}

// FuzzScanMembers checks ScanMembers against encoding/json: the same
// documents accepted, the same decoded strings.
func FuzzScanMembers(f *testing.F) {
	f.Add([]byte(`{"a":"x\"y\u00e9\ud83d\ude00","b":1,"c":{"d":"e"}}`))
	f.Add([]byte("{\"a\":\"\xff\\ud800\"}"))
	f.Add([]byte(`{"a":"\\u0041\u0041"}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		got := map[string]any{}
		err := ScanMembers(in, func(key, v []byte, str bool) {
			if str {
				got[string(key)] = string(v)
			} else {
				got[string(key)] = json.RawMessage(append([]byte(nil), v...))
			}
		})
		var want map[string]any
		if jerr := json.Unmarshal(in, &want); jerr != nil || want == nil {
			if err == nil {
				t.Fatalf("accepted what is no JSON object for encoding/json: %v", jerr)
			}
			return
		}
		if err != nil {
			t.Fatalf("refused a valid object: %v", err)
		}
		for k, w := range want {
			if s, ok := w.(string); ok && got[k] != s {
				t.Fatalf("member %q: got %q, want %q", k, got[k], s)
			}
		}
	})
}
