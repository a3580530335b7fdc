package live

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/wire"
)

// spanCases are objects and non-objects whose member spans appendMemberSpans
// must report exactly as wire.AppendMemberSpans does.
var spanCases = []struct{ name, in string }{
	{"empty", `{}`},
	{"empty with spaces", " { \n } "},
	{"scalars", `{"a":1,"b":-2.5e+3,"c":true,"d":false,"e":null}`},
	{"strings", `{"a":"","b":"x","c":"a long string past one word of eight bytes"}`},
	{"escapes", `{"k\"q":"v\\","\\":"\"","u":"\u00e9\u0022\\u","t":"a\\\\\"b"}`},
	{"escape at a word's end", `{"abcdefg\"":"1234567\\","x":"12345678\"12345678"}`},
	{"non-ASCII", `{"clé":"été ☃","emoji":"😀"}`},
	{"nested", `{"a":{"b":[1,{"c":"]}"},[]]},"d":[{"e":"{"}],"f":{}}`},
	{"whitespace everywhere", "{ \"a\" : [ 1 , 2 ] ,\n\t\"b\" : { \"c\" : \"d\" } , \"e\" : 3 }"},
	{"duplicate keys", `{"a":1,"a":{"b":2}}`},
	{"metadata", `{"metadata":{"name":"p","labels":{"a":"b"}},"spec":{"x":[1,2]},"cluster":"c"}`},
	{"an array", `[1,2]`},
	{"a string", `"x"`},
	{"nothing", ``},
	{"unterminated", `{"a":"b`},
	{"unclosed", `{"a":{"b":1}`},
	{"missing colon", `{"a" 1}`},
	{"missing value", `{"a":}`},
	{"trailing comma", `{"a":1,}`},
	{"trailing bytes", `{"a":1} x`},
	{"two objects", `{"a":1}{"b":2}`},
	{"a key that is no string", `{a:1}`},
	{"garbage scalar", `{"a":tru}`},
}

func TestAppendMemberSpansIsWires(t *testing.T) {
	t.Parallel()
	pod, err := os.ReadFile("../../testdata/bench/pod.json")
	require.NoError(t, err)
	cases := append(spanCases, struct{ name, in string }{"the bench's pod", string(bytes.TrimSpace(pod))})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			want := wire.AppendMemberSpans([]uint32{7}, []byte(c.in))
			got := appendMemberSpans([]uint32{7}, []byte(c.in))
			if json.Valid([]byte(c.in)) {
				assert.Equal(t, want, got)
				if strings.HasPrefix(strings.TrimSpace(c.in), "{") {
					// the fast path itself, not its fallback to wire
					shaped, ok := appendShapedSpans([]uint32{7}, []byte(c.in))
					assert.True(t, ok, "a valid object is shaped as one")
					assert.Equal(t, want, shaped)
				}
				return
			}
			// Not valid JSON: never a panic; what is not shaped as an object is NoSpans as wire says.
			if _, shaped := appendShapedSpans(nil, []byte(c.in)); !shaped {
				assert.Equal(t, want, got)
			}
		})
	}
}

// FuzzAppendMemberSpans: on valid JSON, the spans are wire.AppendMemberSpans'
// (and EncodeItemsSpans' metadata spans with them); on anything, no panic.
func FuzzAppendMemberSpans(f *testing.F) {
	for _, c := range spanCases {
		f.Add([]byte(c.in))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got := appendMemberSpans(nil, b)
		if json.Valid(b) {
			require.Equal(t, wire.AppendMemberSpans(nil, b), got)
			if got[0] != wire.NoSpans {
				shaped, ok := appendShapedSpans(nil, b)
				require.True(t, ok, "a valid object is shaped as one")
				require.Equal(t, got, shaped)
			}
		}
		if len(got) == 0 || got[0] == wire.NoSpans {
			return
		}
		var v any
		for m := 0; m < int(got[0]); m++ {
			w := got[1+4*m:]
			require.LessOrEqual(t, w[2], w[3])
			require.LessOrEqual(t, int(w[3]), len(b))
			if json.Valid(b) {
				require.NoError(t, json.Unmarshal(b[w[2]:w[3]], &v), "member %d's value", m)
			}
		}
	})
}
