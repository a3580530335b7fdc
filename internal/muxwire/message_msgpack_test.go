package muxwire

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzMsgpackMatchesMsgp checks message_msgpack.go against the codec msgp
// generates for Message (message_msgp_test.go): the same bytes for the same
// batch, and on any input the same batch, or an error where msgp errs.
func FuzzMsgpackMatchesMsgp(f *testing.F) {
	f.Add(uint8(3), uint64(7), "c", "/api/v1/pods", "watch=1", "kl-1", []byte(`{"type":"ADDED"}`), false, "", "", 2)
	f.Add(uint8(5), uint64(0), "", "", "", "", []byte(nil), true, "error", "gone", 1)
	f.Fuzz(func(t *testing.T, kind uint8, id uint64, cluster, path, query, user string, data []byte, binary bool, state, errText string, n int) {
		m := Message{Kind: Kind(kind), ID: id, Cluster: cluster, Path: path, Query: query, UserID: user, Data: data, Binary: binary, State: State(state), Err: errText}
		b := make(Batch, 1+(n&3))
		for i := range b {
			b[i] = m
			b[i].ID += uint64(i)
		}
		want, err := b.MarshalMsg(nil)
		require.NoError(t, err)
		got, err := EncodeMsgp([]byte("x"), b)
		require.NoError(t, err)
		require.Equal(t, append([]byte("x"), want...), got)
		// the frame and its data read back as msgp reads them
		for _, frame := range [][]byte{want, data} {
			var wb Batch
			wrest, werr := wb.UnmarshalMsg(frame)
			gb, rest, err := readBatch(frame)
			if werr != nil {
				require.Error(t, err, "msgp fails: %v", werr)
				continue
			}
			require.NoError(t, err)
			require.Equal(t, wrest, rest)
			require.Equal(t, wb, gb)
		}
	})
}
