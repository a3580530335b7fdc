package msgpack

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tinylib/msgp/msgp"
)

// appendAll writes one value of each kind with both encoders.
func appendAll(s string, p []byte, u uint64, i int64, n uint32, v bool) (ours, theirs []byte) {
	ours = AppendString(ours, s)
	ours = AppendBytes(ours, p)
	ours = AppendUint(ours, u)
	ours = AppendInt(ours, i)
	ours = AppendMapHeader(ours, n)
	ours = AppendArrayHeader(ours, n)
	ours = AppendBool(ours, v)
	theirs = msgp.AppendString(theirs, s)
	theirs = msgp.AppendBytes(theirs, p)
	theirs = msgp.AppendUint64(theirs, u)
	theirs = msgp.AppendInt64(theirs, i)
	theirs = msgp.AppendMapHeader(theirs, n)
	theirs = msgp.AppendArrayHeader(theirs, n)
	theirs = msgp.AppendBool(theirs, v)
	return ours, theirs
}

func TestAppendMatchesMsgp(t *testing.T) {
	t.Parallel()
	lengths := []int{0, 1, 15, 16, 31, 32, 255, 256, 65535, 65536}
	ints := []int64{0, 1, 127, 128, 255, 256, 32767, 32768, 65535, 65536, math.MaxInt32, math.MaxInt32 + 1, math.MaxInt64,
		-1, -32, -33, -128, -129, -32768, -32769, math.MinInt32, math.MinInt32 - 1, math.MinInt64}
	for _, l := range lengths {
		for _, i := range ints {
			ours, theirs := appendAll(strings.Repeat("x", l), bytes.Repeat([]byte{7}, l), uint64(i), i, uint32(l), i < 0)
			require.Equal(t, theirs, ours, "length %d, integer %d", l, i)
		}
	}
	ours, theirs := appendAll("", nil, math.MaxUint64, 0, math.MaxUint32, true)
	assert.Equal(t, theirs, ours)
}

func FuzzAppendMatchesMsgp(f *testing.F) {
	f.Add("k", []byte("v"), uint64(200), int64(-200), uint32(20), true)
	f.Fuzz(func(t *testing.T, s string, p []byte, u uint64, i int64, n uint32, v bool) {
		ours, theirs := appendAll(s, p, u, i, n, v)
		require.Equal(t, theirs, ours)
	})
}

// readers pairs each Read function with msgp's for the same input.
var readers = []struct {
	name   string
	ours   func([]byte) (any, []byte, error)
	theirs func([]byte) (any, []byte, error)
}{
	{"map header", wrap(ReadMapHeader), wrap(msgp.ReadMapHeaderBytes)},
	{"array header", wrap(ReadArrayHeader), wrap(msgp.ReadArrayHeaderBytes)},
	{"str", wrap(ReadString), wrap(msgp.ReadStringBytes)},
	{"map key", wrapBytes(ReadMapKey), wrapBytes(msgp.ReadMapKeyZC)},
	{"bin header", wrap(ReadBytesHeader), wrap(msgp.ReadBytesHeader)},
	{"bin", wrapBytes(func(b []byte) ([]byte, []byte, error) { return ReadBytesZC(b, ^uint32(0)) }), wrapBytes(msgp.ReadBytesZC)},
	{"bool", wrap(ReadBool), wrap(msgp.ReadBoolBytes)},
	{"uint8", wrap(func(b []byte) (uint64, []byte, error) { return ReadUint(b, 8) }), wrap(widen(msgp.ReadUint8Bytes))},
	{"uint16", wrap(func(b []byte) (uint64, []byte, error) { return ReadUint(b, 16) }), wrap(widen(msgp.ReadUint16Bytes))},
	{"uint64", wrap(func(b []byte) (uint64, []byte, error) { return ReadUint(b, 64) }), wrap(msgp.ReadUint64Bytes)},
	{"int64", wrap(ReadInt), wrap(msgp.ReadInt64Bytes)},
	{"skip", func(b []byte) (any, []byte, error) { r, err := Skip(b); return nil, r, err },
		func(b []byte) (any, []byte, error) { r, err := msgp.Skip(b); return nil, r, err }},
}

func wrap[T any](f func([]byte) (T, []byte, error)) func([]byte) (any, []byte, error) {
	return func(b []byte) (any, []byte, error) { v, r, err := f(b); return v, r, err }
}

func wrapBytes(f func([]byte) ([]byte, []byte, error)) func([]byte) (any, []byte, error) {
	return func(b []byte) (any, []byte, error) { v, r, err := f(b); return string(v), r, err }
}

func widen[T uint8 | uint16](f func([]byte) (T, []byte, error)) func([]byte) (uint64, []byte, error) {
	return func(b []byte) (uint64, []byte, error) { v, r, err := f(b); return uint64(v), r, err }
}

// checkReaders: on every input each Read function fails where msgp's does,
// and otherwise returns msgp's value and leaves msgp's rest.
func checkReaders(t *testing.T, b []byte) {
	for _, r := range readers {
		v, rest, err := r.ours(b)
		wv, wrest, werr := r.theirs(b)
		if werr != nil {
			require.Error(t, err, "%s of % x: msgp fails (%v)", r.name, b, werr)
			continue
		}
		require.NoError(t, err, "%s of % x", r.name, b)
		require.Equal(t, wv, v, "%s of % x", r.name, b)
		require.Equal(t, wrest, rest, "%s of % x", r.name, b)
	}
}

func TestReadMatchesMsgp(t *testing.T) {
	t.Parallel()
	var inputs [][]byte
	for c := 0; c < 256; c++ { // every lead, with nothing, a little and enough after it
		inputs = append(inputs, []byte{byte(c)}, []byte{byte(c), 1, 0}, append([]byte{byte(c)}, bytes.Repeat([]byte{0}, 20)...))
	}
	nested := AppendMapHeader(nil, 2)
	nested = AppendString(AppendArrayHeader(AppendString(nested, "a"), 2), "x")
	nested = AppendInt(AppendBytes(AppendString(nested, "b"), []byte{1, 2}), -5)
	nested = AppendBool(nested, true)
	inputs = append(inputs, nil, nested, nested[:len(nested)-1], []byte{0xdf, 0x80, 0, 0, 0})
	for _, b := range inputs {
		checkReaders(t, b)
	}
}

func FuzzReadMatchesMsgp(f *testing.F) {
	f.Add([]byte{0x82, 0xa1, 'k', 0x03, 0xa1, 'd', 0xc4, 0x01, 'x'})
	f.Add([]byte{0xc7, 0x02, 0x05, 1, 2})
	f.Add([]byte{0xdd, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(checkReaders)
}

// TestErrorsSaySo: an error is a sentence naming what was found.
func TestErrorsSaySo(t *testing.T) {
	t.Parallel()
	_, _, err := ReadString([]byte{0x05})
	assert.EqualError(t, err, "msgpack: an int where a str belongs")
	_, _, err = ReadUint([]byte{0xff}, 8)
	assert.EqualError(t, err, "msgpack: a negative integer where an unsigned one belongs")
	_, _, err = ReadUint([]byte{0xcd, 1, 0}, 8)
	assert.EqualError(t, err, "msgpack: an integer over 8 bits")
	_, err = Skip([]byte{0xc1})
	assert.EqualError(t, err, "msgpack: 0xc1 starts no value, a value belongs")
	_, _, err = ReadMapHeader([]byte{0xde, 0})
	assert.ErrorIs(t, err, ErrShort)
}
