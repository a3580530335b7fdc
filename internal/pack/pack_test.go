package pack

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pod is a pod's JSON as a list holds it: the same shape, a few values
// that differ (name, uid, addresses, a digest).
func pod(i int, pad string) []byte {
	return fmt.Appendf(nil, `{"metadata":{"name":"web-%05d","namespace":"bench","uid":"%08x-17aa-4eff-a14b-%012x","resourceVersion":"%d","labels":{"app":"web","tier":"frontend"}},"spec":{"containers":[{"name":"web","image":"registry.example.com/bench/web:1.8.3","args":["--listen=:8080"]}],"nodeName":"node-%d.example.internal"%s},"status":{"phase":"Running","podIP":"10.248.%d.%d","imageID":"sha256:%064x"}}`,
		i, i*7919, i*104729, 100000+i, i%300, pad, i%256, i/256%256, uint64(i)*0x9e3779b97f4a7c15)
}

func TestRoundTrip(t *testing.T) {
	dict := pod(0, "")
	big := bytes.Repeat([]byte(`{"a":1},`), 20000)
	cases := []struct {
		name string
		dict []byte
		in   []byte
		// packed: the form is smaller than the input (a copy of the dictionary happened)
		packed bool
	}{
		{"the dictionary itself", dict, dict, true},
		{"another pod", dict, pod(1, ""), true},
		{"a pod with a new member", dict, pod(2, `,"hostNetwork":true`), true},
		{"empty", dict, []byte{}, false},
		{"shorter than a copy", dict, []byte(`{"a":1}`), false},
		{"nothing in common", dict, []byte(`[9,8,7,6,5,4,3,2,1,0,9,8,7,6,5,4,3,2,1,0]`), false},
		{"no dictionary", nil, pod(1, ""), false},
		{"a dictionary shorter than a copy", []byte(`{}`), pod(1, ""), false},
		{"bigger than the dictionary cap", big, big, true},
		{"binary bytes", dict, append(pod(3, ""), 0, 0xff, 0x80, '\n'), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := NewPacker(tc.dict)
			packed := p.Pack(tc.in)
			got, err := p.Unpack(packed)
			require.NoError(t, err)
			assert.Equal(t, string(tc.in), string(got), "byte for byte")
			assert.Equal(t, tc.packed, len(packed) < len(tc.in), "packed %d bytes into %d", len(tc.in), len(packed))
			// Appended to a prefix, the prefix stays.
			got, err = p.AppendUnpacked([]byte("prefix"), packed)
			require.NoError(t, err)
			assert.Equal(t, "prefix"+string(tc.in), string(got))
		})
	}
}

// TestPackDoesNotAlias: the packed form and the Packer's dictionary are
// copies: writing the inputs again changes nothing.
func TestPackDoesNotAlias(t *testing.T) {
	dict := pod(0, "")
	in := pod(1, "")
	want := string(in)
	p := NewPacker(dict)
	packed := p.Pack(in)
	raw := Raw(in)
	for i := range dict {
		dict[i] = 'x'
	}
	for i := range in {
		in[i] = 'y'
	}
	for _, f := range [][]byte{packed, raw} {
		got, err := p.Unpack(f)
		require.NoError(t, err)
		assert.Equal(t, want, string(got))
	}
}

// TestPodsPackSmall: a list's pods against its first one keep a fraction of
// their bytes (the differing values), which is what the cache is for.
func TestPodsPackSmall(t *testing.T) {
	p := NewPacker(pod(0, ""))
	in, out := 0, 0
	for i := 1; i < 500; i++ {
		b := pod(i, "")
		f := p.Pack(b)
		in, out = in+len(b), out+len(f)
	}
	assert.Less(t, out*3, in, "500 pods: %d bytes packed into %d", in, out)
}

func TestUnpackRejectsCorruptForms(t *testing.T) {
	p := NewPacker(pod(0, ""))
	good := p.Pack(pod(1, ""))
	cases := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"unknown tag", []byte{7, 1, 2}},
		{"literals past the end", []byte{tagPacked, 50, 'a'}},
		{"no copy length", []byte{tagPacked, 1, 'a'}},
		{"copy out of the dictionary", []byte{tagPacked, 0, 10, 0xff, 0xff, 0x03}},
		{"copy longer than the dictionary", []byte{tagPacked, 0, 0xff, 0xff, 0x03, 0}},
		{"no end", good[:len(good)-1]},
		{"bytes after the end", append(append([]byte(nil), good...), 1)},
		{"bad varint", []byte{tagPacked, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := p.Unpack(tc.in)
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrCorrupt), "%v", err)
		})
	}
}

// TestRoundTripRandom: random edits of pods (bytes changed, inserted,
// removed) round-trip byte for byte.
func TestRoundTripRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	p := NewPacker(pod(0, ""))
	for n := 0; n < 2000; n++ {
		b := pod(r.IntN(10000), "")
		for k := r.IntN(8); k > 0; k-- {
			i := r.IntN(len(b))
			switch r.IntN(3) {
			case 0:
				b[i] = byte(r.Uint32())
			case 1:
				b = append(b[:i], append([]byte{byte(r.Uint32())}, b[i:]...)...)
			default:
				b = append(b[:i], b[i+1:]...)
			}
		}
		got, err := p.Unpack(p.Pack(b))
		require.NoError(t, err)
		require.Equal(t, string(b), string(got), "edit %d", n)
	}
}

func FuzzRoundTrip(f *testing.F) {
	f.Add(pod(0, ""), pod(1, ""))
	f.Add([]byte(`{}`), []byte(`{"a":"b"}`))
	f.Add([]byte("aaaaaaaaaaaaaaaa"), []byte("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"))
	f.Fuzz(func(t *testing.T, dict, in []byte) {
		p := NewPacker(dict)
		got, err := p.Unpack(p.Pack(in))
		if err != nil || !bytes.Equal(got, in) {
			t.Fatalf("round trip of %q against %q: %q, %v", in, dict, got, err)
		}
	})
}

// FuzzUnpack: any bytes unpack to an object or an error, never a panic.
func FuzzUnpack(f *testing.F) {
	p := NewPacker(pod(0, ""))
	f.Add(p.Pack(pod(1, "")))
	f.Add([]byte{tagPacked, 0, 10, 3, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		_, _ = p.Unpack(in)
	})
}

// TestUvarintAgreesWithEncodingBinary: the varints are encoding/binary's.
func TestUvarintAgreesWithEncodingBinary(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	vals := []uint64{0, 1, 127, 128, 16383, 16384, 1<<63 - 1, 1 << 63, ^uint64(0)}
	for i := 0; i < 1000; i++ {
		vals = append(vals, r.Uint64()>>r.IntN(64))
	}
	for _, v := range vals {
		b := appendUvarint(nil, v)
		require.Equal(t, binary.AppendUvarint(nil, v), b, "%d", v)
		got, n := uvarint(b)
		require.Equal(t, v, got)
		require.Equal(t, len(b), n)
		for k := 0; k < len(b); k++ {
			wv, wn := binary.Uvarint(b[:k])
			gv, gn := uvarint(b[:k])
			require.Equal(t, [2]int64{int64(wv), int64(wn)}, [2]int64{int64(gv), int64(gn)}, "prefix %d of %x", k, b)
		}
	}
	over := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}
	wv, wn := binary.Uvarint(over)
	gv, gn := uvarint(over)
	assert.Equal(t, [2]int64{int64(wv), int64(wn)}, [2]int64{int64(gv), int64(gn)})
}

// TestHolds: Holds is true for exactly the bytes a form unpacks to.
func TestHolds(t *testing.T) {
	p := NewPacker(pod(0, ""))
	in := pod(1, "")
	f := p.Pack(in)
	assert.True(t, p.Holds(f, in))
	assert.True(t, p.Holds(Raw(in), in))
	other := append([]byte(nil), in...)
	other[len(other)/2]++
	assert.False(t, p.Holds(f, other), "one byte differs")
	assert.False(t, p.Holds(f, in[:len(in)-1]), "shorter")
	assert.False(t, p.Holds(f, append(append([]byte(nil), in...), ' ')), "longer")
	assert.False(t, p.Holds(f[:len(f)-1], in), "a corrupt form")
	assert.False(t, p.Holds(nil, nil), "no form")
}

// BenchmarkPack packs pods against the first one, as the cache keeps them.
func BenchmarkPack(b *testing.B) {
	p := NewPacker(pod(0, ""))
	pods := make([][]byte, 64)
	for i := range pods {
		pods[i] = pod(i+1, "")
	}
	scratch := make([]byte, 0, 4096) // the cache's packBuf
	b.SetBytes(int64(len(pods[0])))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		f := p.PackWith(scratch, pods[i%len(pods)])
		if !p.Holds(f, pods[i%len(pods)]) {
			b.Fatal("does not hold")
		}
	}
}
