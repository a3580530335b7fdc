package stream

import (
	"bytes"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/transport"
)

// fuzzProtocols are the codecs a fuzz input picks from, by index.
var fuzzProtocols = [...]string{ProtocolV5Channel, ProtocolV4Channel, ProtocolV4Base64Channel, ProtocolChannel, ProtocolBase64Channel}

// FuzzDecodeChannelFrame checks that any frame decodes without panicking and
// that whatever decodes re-encodes to a frame that decodes to the same result.
// Seeds: testdata/fuzz/FuzzDecodeChannelFrame.
func FuzzDecodeChannelFrame(f *testing.F) {
	f.Add([]byte("\x01hello"), uint8(0), true)
	f.Add([]byte("1aGVsbG8="), uint8(2), false)
	f.Fuzz(func(t *testing.T, payload []byte, proto uint8, binary bool) {
		c, err := CodecFor(fuzzProtocols[int(proto)%len(fuzzProtocols)])
		require.NoError(t, err)
		ch, data, err := c.Decode(transport.Frame{Binary: binary, Size: len(payload), Data: payload})
		if err != nil {
			return
		}
		if !c.base64 {
			assert.Equal(t, payload, c.Encode(ch, data).Data, "binary framing is lossless")
		}
		ch2, data2, err := c.Decode(c.Encode(ch, data))
		require.NoError(t, err)
		assert.Equal(t, ch, ch2)
		assert.True(t, bytes.Equal(data, data2))
	})
}

// FuzzLineAssembler checks that lines do not depend on how the bytes were
// framed: split every chunk bytes, in base64 or binary frames, the lines equal
// those of the whole input, are valid UTF-8 and hold no '\n'.
// Seeds: testdata/fuzz/FuzzLineAssembler.
func FuzzLineAssembler(f *testing.F) {
	f.Add([]byte("2026-01-01T00:00:00Z héllo\r\nno ts\n2026-01-01T00:00:01.5Z 𝄞"), uint8(3), false)
	f.Fuzz(func(t *testing.T, raw []byte, chunk uint8, binary bool) {
		whole := LineAssembler{Timestamps: true}
		want := whole.Write(raw)

		parts := LineAssembler{Timestamps: true}
		var got []Line
		step := int(chunk)%64 + 1
		for p := raw; len(p) > 0; {
			n := min(step, len(p))
			lines, err := parts.Feed(logFrame(p[:n], binary))
			require.NoError(t, err)
			got = append(got, lines...)
			p = p[n:]
		}
		require.Equal(t, want, got)
		assert.Equal(t, whole.Partial(), parts.Partial())
		for _, l := range got {
			assert.True(t, utf8.ValidString(l.Text))
			assert.NotContains(t, l.Text, "\n")
		}
	})
}

// FuzzUTF8Decoder checks that a split never changes the decoded text.
func FuzzUTF8Decoder(f *testing.F) {
	f.Add([]byte("a é ✓ 𝄞"), uint8(4))
	f.Fuzz(func(t *testing.T, raw []byte, cut uint8) {
		i := int(cut) % (len(raw) + 1)
		var d UTF8Decoder
		out := d.Flush(d.Decode(d.Decode(nil, raw[:i]), raw[i:]))
		assert.Equal(t, decodeWhole(raw), string(out))
		assert.True(t, utf8.Valid(out))
		if utf8.Valid(raw) {
			assert.Equal(t, string(raw), string(out))
		}
	})
}
