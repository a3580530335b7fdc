package stream

import (
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

// splitText mixes 1- to 4-byte characters, a literal U+FFFD and ASCII.
const splitText = "a é ✓ 𝄞 \uFFFD z"

// decodeWhole decodes p in one piece.
func decodeWhole(p []byte) string {
	var d UTF8Decoder
	return string(d.Flush(d.Decode(nil, p)))
}

func TestUTF8DecoderSplitAtEveryPosition(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		want string
	}{
		{name: "valid mixed widths", in: splitText, want: splitText},
		{name: "invalid lone continuation", in: "a\x80b", want: "a\uFFFDb"},
		{name: "invalid lead then ASCII", in: "a\xe2\x82b", want: "a\uFFFD\uFFFDb"},
		{name: "truncated at the end", in: "ok\xf0\x9d\x84", want: "ok\uFFFD\uFFFD\uFFFD"},
		{name: "surrogate is invalid", in: "\xed\xa0\x80", want: "\uFFFD\uFFFD\uFFFD"},
		{name: "overlong is invalid", in: "\xc0\xaf", want: "\uFFFD\uFFFD"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := []byte(tc.in)
			assert.Equal(t, tc.want, decodeWhole(in))
			for i := 0; i <= len(in); i++ {
				for j := i; j <= len(in); j++ {
					var d UTF8Decoder
					out := d.Decode(nil, in[:i])
					out = d.Decode(out, in[i:j])
					out = d.Decode(out, in[j:])
					out = d.Flush(out)
					assert.Equal(t, tc.want, string(out), "split at %d and %d", i, j)
					assert.True(t, utf8.Valid(out))
				}
			}
		})
	}
}

func TestUTF8DecoderHoldsOnlyIncompleteTail(t *testing.T) {
	t.Parallel()
	var d UTF8Decoder
	assert.Equal(t, "x", string(d.Decode(nil, []byte("x\xf0\x9d"))))
	assert.Equal(t, 2, d.Pending())
	assert.Equal(t, "𝄞", string(d.Decode(nil, []byte("\x84\x9e"))))
	assert.Zero(t, d.Pending())
	assert.Equal(t, "\uFFFD", string(d.Decode(nil, []byte("\xff"))), "an invalid byte is not held")
	assert.Zero(t, d.Pending())
}
