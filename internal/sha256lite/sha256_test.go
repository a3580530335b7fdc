package sha256lite

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKnownDigests(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"two blocks", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
		{"a million a", strings.Repeat("a", 1_000_000), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := Sum256([]byte(tc.in))
			assert.Equal(t, tc.want, hex.EncodeToString(got[:]))
		})
	}
}

// TestAgainstCryptoSHA256 writes every length around the block and padding
// boundaries, in pieces of every size, and compares with crypto/sha256.
func TestAgainstCryptoSHA256(t *testing.T) {
	t.Parallel()
	data := make([]byte, 300)
	for i := range data {
		data[i] = byte(i*7 + 3)
	}
	for n := 0; n <= len(data); n++ {
		want := sha256.Sum256(data[:n])
		for _, piece := range []int{1, 3, 55, 56, 63, 64, 65, 300} {
			d := New()
			for p := data[:n]; len(p) > 0; {
				m := min(piece, len(p))
				w, err := d.Write(p[:m])
				require.NoError(t, err)
				require.Equal(t, m, w)
				p = p[m:]
			}
			require.Equal(t, want[:], d.Sum(nil), "length %d in pieces of %d", n, piece)
			require.Equal(t, want[:], d.Sum(nil), "Sum leaves the digest as it was")
		}
	}
}

func FuzzAgainstCryptoSHA256(f *testing.F) {
	f.Add([]byte(""), 0)
	f.Add([]byte(strings.Repeat("x", 119)), 55)
	f.Fuzz(func(t *testing.T, b []byte, cut int) {
		if cut < 0 || cut > len(b) {
			cut = len(b) / 2
		}
		d := New()
		_, _ = d.Write(b[:cut])
		_, _ = d.Write(b[cut:])
		want := sha256.Sum256(b)
		require.Equal(t, want[:], d.Sum(nil))
	})
}
