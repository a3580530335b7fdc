package muxwire

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// frameWith returns a DATA frame whose "data" member is quoted, the bytes
// between the quotes as given.
func frameWith(quoted string) []byte {
	return []byte(`{"clusterId":"c","path":"/api/v1/pods","query":"watch=1","userId":"u","data":"` + quoted + `","type":"DATA"}` + "\n")
}

func TestAppendUnescaped(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in, want string // in: the string's bytes after its opening quote
		ok             bool
	}{
		{"plain", `abc"`, "abc", true},
		{"empty", `"`, "", true},
		{"plain, longer than a word", `0123456789abcdefghij"`, "0123456789abcdefghij", true},
		{"quote and backslash", `a\"b\\c"`, `a"b\c`, true},
		{"escaped slash", `\/api\/v1"`, "/api/v1", true},
		{"control escapes", `\b\f\n\r\t"`, "\b\f\n\r\t", true},
		{"escapes across word boundaries", `0123456\"89abcde\\ghij\nk"`, "0123456\"89abcde\\ghij\nk", true},
		{"unicode escape", `\u00e9\u0026\u2028"`, "é&\u2028", true},
		{"a watch event quoted whole", `{\"type\":\"MODIFIED\",\"object\":{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"}}}\n"`, `{"type":"MODIFIED","object":{"kind":"Pod","metadata":{"name":"p"}}}` + "\n", true},
		{"escaped quotes back to back", `01234567\"\"\"\"\"\"\"\"abcdefgh"`, `01234567""""""""abcdefgh`, true},
		{"escaped backslash, then an escaped quote", `0123456\\\"x\\"`, `0123456\"x\`, true},
		{"escaped quote as the last bytes", `01234567\""`, `01234567"`, true},
		{"escaped quote, then no closing quote", `01234567\"abcdefgh`, "", false},
		{"upper-case hex", `\u00E9"`, "é", true},
		{"surrogate pair", `\ud83d\ude00"`, "😀", true},
		{"lone high surrogate", `\ud83dx"`, "\ufffdx", true},
		{"lone low surrogate", `\ude00"`, "\ufffd", true},
		{"high surrogate, then a non-surrogate escape", `\ud83d\u0041"`, "\ufffdA", true},
		{"two high surrogates then a low one", `\ud83d\ud83d\ude00"`, "\ufffd😀", true},
		{"UTF-8 kept", `héllo wörld, 日本語 ✓"`, "héllo wörld, 日本語 ✓", true},
		{"quote after the string ignored", `ab"cd"`, "ab", true},
		{"invalid escape", `a\x"`, "", false},
		{"short unicode escape", `\u00"`, "", false},
		{"non-hex unicode escape", `\u00g0"`, "", false},
		{"backslash at the end", `abc\`, "", false},
		{"unterminated", `abcdefghijklmnop`, "", false},
		{"raw control character", "a\nb\"", "", false},
		{"raw control character in a word", "0123\t567\"", "", false},
		{"invalid UTF-8", "ab\xffcd\"", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dst := make([]byte, 2, 2+len(tc.in))
			copy(dst, "<<")
			out, n, ok := appendUnescaped(dst, []byte(tc.in))
			require.Equal(t, tc.ok, ok)
			if !ok {
				assert.Equal(t, "<<", string(out), "a refused string leaves dst as it was")
				return
			}
			assert.Equal(t, "<<"+tc.want, string(out))
			assert.Equal(t, strings.Index(tc.in, `"`)+1 <= n, true)
			assert.Equal(t, `"`, tc.in[n-1:n], "n ends at the closing quote")
			if !strings.Contains(tc.name, "surrogate") {
				// encoding/json agrees (it keeps lone surrogates as U+FFFD too,
				// but differs on which escape it consumes after one).
				var s string
				require.NoError(t, json.Unmarshal([]byte(`"`+tc.in[:n]), &s))
				assert.Equal(t, s, tc.want)
			}
		})
	}
	t.Run("no room", func(t *testing.T) {
		t.Parallel()
		_, _, ok := appendUnescaped(make([]byte, 0, 3), []byte(`abcd"`))
		assert.False(t, ok)
	})
}

// TestJSONDecoderMatchesDecodeJSON checks that the decoder returns what
// DecodeJSON returns, messages and errors alike, for frames of the fast
// path and frames it leaves to DecodeJSON.
func TestJSONDecoderMatchesDecodeJSON(t *testing.T) {
	t.Parallel()
	frames := map[string]string{
		"data":                    string(frameWith(`{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\/b\"}}}\n`)),
		"data, every escape":      string(frameWith(`\"\\\/\b\f\n\r\t\u0041\u00e9\ud83d\ude00\ud800`)),
		"complete":                `{"clusterId":"c","path":"/p","query":"q","userId":"u","type":"COMPLETE"}`,
		"spaces everywhere":       " \t{ \"clusterId\" : \"c\" ,\n\"path\":\"/p\", \"data\" : \"x\" , \"type\" : \"DATA\" } \r\n",
		"member twice: last wins": `{"clusterId":"a","clusterId":"b","path":"/p","data":"1","data":"2","type":"DATA"}`,
		"data null":               `{"clusterId":"c","path":"/p","data":null,"type":"DATA"}`,
		"data string, then null":  `{"clusterId":"c","path":"/p","data":"x","data":null,"type":"DATA"}`,
		"query null":              `{"clusterId":"c","path":"/p","query":null,"data":"x","type":"DATA"}`,
		"escaped key":             `{"clusterId":"c","path":"/p","d\u0061ta":"x","type":"DATA"}`,
		"binary false":            `{"clusterId":"c","path":"/p","data":"x","binary":false,"type":"DATA"}`,
		"binary true (base64)":    `{"clusterId":"c","path":"/p","data":"AAE=","binary":true,"type":"DATA"}`,
		"unknown member":          `{"clusterId":"c","path":"/p","data":"x","type":"DATA","extra":{"a":[1,2]}}`,
		"unknown bool member":     `{"clusterId":"c","path":"/p","data":"x","type":"DATA","extra":true}`,
		"status":                  `{"clusterId":"c","path":"/p","query":"","userId":"","data":"{\"state\":\"connected\",\"error\":\"\"}","type":"STATUS","kubeliveQuery":"q","kubeliveUserId":"u"}`,
		"error":                   `{"clusterId":"c","path":"/p","data":"{\"error\":\"no\"}","type":"ERROR"}`,
		"invalid escape in data":  string(frameWith(`ab\qcd`)),
		"short \\u in data":       string(frameWith(`ab\u12`)),
		"unterminated data":       `{"clusterId":"c","path":"/p","type":"DATA","data":"abc`,
		"raw newline in data":     "{\"clusterId\":\"c\",\"path\":\"/p\",\"data\":\"a\nb\",\"type\":\"DATA\"}",
		"invalid UTF-8 in data":   "{\"clusterId\":\"c\",\"path\":\"/p\",\"data\":\"a\xffb\",\"type\":\"DATA\"}",
		"data a number":           `{"clusterId":"c","path":"/p","data":1,"type":"DATA"}`,
		"data a bool":             `{"clusterId":"c","path":"/p","data":true,"type":"DATA"}`,
		"binary a string":         `{"clusterId":"c","path":"/p","data":"x","binary":"true","type":"DATA"}`,
		"clusterId a bool":        `{"clusterId":true,"path":"/p","data":"x","type":"DATA"}`,
		"kubeliveQuery a bool":    `{"clusterId":"c","path":"/p","data":"x","type":"DATA","kubeliveQuery":false}`,
		"no path":                 `{"clusterId":"c","data":"x","type":"DATA"}`,
		"no type":                 `{"clusterId":"c","path":"/p","data":"x"}`,
		"unknown type":            `{"clusterId":"c","path":"/p","data":"x","type":"NOPE"}`,
		"trailing garbage":        `{"clusterId":"c","path":"/p","data":"x","type":"DATA"}x`,
		"two objects":             `{"clusterId":"c","path":"/p","data":"x","type":"DATA"}{}`,
		"trailing comma":          `{"clusterId":"c","path":"/p","data":"x","type":"DATA",}`,
		"missing colon":           `{"clusterId" "c"}`,
		"bad literal":             `{"clusterId":"c","path":"/p","data":nul,"type":"DATA"}`,
		"empty object":            `{}`,
		"an array":                `[1,2]`,
		"empty":                   ``,
		"not JSON":                `hello`,
	}
	for name, frame := range frames {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			want, wantErr := DecodeJSON([]byte(frame), 0)
			var d JSONDecoder
			got, err := d.Decode([]byte(frame), 0)
			if wantErr != nil {
				require.Error(t, err)
				assert.Equal(t, wantErr.Error(), err.Error())
				assert.NotContains(t, err.Error(), `"clusterId"`, "an error names the length, not the content")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, want, got)
		})
	}
}

func TestJSONDecoderErrors(t *testing.T) {
	t.Parallel()
	var d JSONDecoder
	_, err := d.Decode(frameWith(`a\qb`), 0)
	require.ErrorIs(t, err, ErrBadFrame)
	assert.Contains(t, err.Error(), "is not a message object")
	frame := frameWith(strings.Repeat("x", 100))
	_, err = d.Decode(frame, 64)
	require.ErrorIs(t, err, ErrFrameTooLarge)
	assert.Contains(t, err.Error(), "cap 64")
	m, err := d.Decode(frame, len(frame))
	require.NoError(t, err, "a frame of exactly the cap is taken")
	assert.Len(t, m.Data, 100)
}

// TestJSONDecoderArena checks that the messages of one burst keep their
// data while the burst's later frames are decoded (the arena grows, never
// moves under them), and that a DATA frame of a stream, routing repeated,
// costs no allocation once the arena is grown.
func TestJSONDecoderArena(t *testing.T) { // not parallel: AllocsPerRun
	var d JSONDecoder
	var msgs []Message
	var want []string
	for i := range 200 { // ~6 KB a frame: the first arena (64 KB) is outgrown
		ev := strings.Repeat(`{\"n\":`+string(rune('a'+i%26))+`}`, 600)
		m, err := d.Decode(frameWith(ev), 0)
		require.NoError(t, err)
		msgs = append(msgs, m)
		want = append(want, strings.ReplaceAll(ev, `\"`, `"`))
	}
	for i, m := range msgs {
		require.Equal(t, want[i], string(m.Data), "message %d", i)
	}
	d.Reset()
	frame := frameWith(`{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"p\"}}}\n`)
	allocs := testing.AllocsPerRun(100, func() {
		d.Reset()
		m, err := d.Decode(frame, 0)
		if err != nil || m.Kind != KindData || len(m.Data) == 0 {
			panic("decode failed")
		}
	})
	assert.Zero(t, allocs, "allocations per DATA frame")
}

// FuzzJSONDecoder checks the decoder against DecodeJSON: the same message
// or the same error for any frame, and earlier messages intact.
func FuzzJSONDecoder(f *testing.F) {
	f.Add(frameWith(`{\"type\":\"ADDED\"}\n`))
	f.Add(frameWith(`\"\\\/\b\f\n\r\t\u0041\ud83d\ude00\ud800x`))
	f.Add([]byte(`{"clusterId":"c","path":"/p","type":"COMPLETE"}`))
	f.Add([]byte(`{"clusterId":"c","path":"/p","data":null,"binary":false,"type":"DATA","x":true}`))
	f.Add([]byte(`{"clusterId":"c","path":"/p","query":"","userId":"","data":"{\"state\":\"closed\",\"error\":\"\"}","type":"STATUS"}`))
	f.Fuzz(func(t *testing.T, frame []byte) {
		var d JSONDecoder
		first, err := d.Decode(frameWith(`first\n`), 0)
		require.NoError(t, err)
		want, wantErr := DecodeJSON(frame, 4096)
		got, err := d.Decode(frame, 4096)
		if wantErr != nil {
			require.Error(t, err)
			require.Equal(t, wantErr.Error(), err.Error())
			require.True(t, errors.Is(err, ErrBadFrame) || errors.Is(err, ErrFrameTooLarge) || errors.Is(err, ErrUnsupportedType))
		} else {
			require.NoError(t, err)
			require.Equal(t, want, got)
		}
		require.Equal(t, "first\n", string(first.Data))
	})
}
