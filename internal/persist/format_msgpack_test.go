package persist

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzMsgpackMatchesMsgp checks format_msgpack.go against the codec msgp
// generates for Record (format_msgp_test.go): the same bytes for the same
// record, and on any input the same record, or an error where msgp errs.
func FuzzMsgpackMatchesMsgp(f *testing.F) {
	f.Add(uint16(1), "k", "42", int64(1700000000000), "u1", "ns", "n", "7", []byte(`{"a":1}`), 2)
	f.Add(uint16(300), "", "", int64(-5), "", "", "", "", []byte(nil), 0)
	f.Fuzz(func(t *testing.T, format uint16, key, rv string, at int64, uid, ns, name, orv string, raw []byte, n int) {
		r := Record{Format: format, Key: key, ResourceVersion: rv, SavedAtMs: at, Items: make([]Object, n&3)}
		for i := range r.Items {
			r.Items[i] = Object{UID: uid, Namespace: ns, Name: name, ResourceVersion: orv, Raw: raw}
		}
		want, err := r.MarshalMsg(nil)
		require.NoError(t, err)
		require.Equal(t, want, r.appendMsgpack(nil))
		for _, in := range [][]byte{want, raw} {
			var w, g Record
			wrest, werr := w.UnmarshalMsg(in)
			rest, err := g.readMsgpack(in)
			if werr != nil {
				require.Error(t, err, "msgp fails: %v", werr)
				continue
			}
			require.NoError(t, err)
			require.Equal(t, wrest, rest)
			require.Equal(t, w, g)
		}
	})
}
