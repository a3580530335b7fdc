package registry

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/transport"
)

// FuzzDecodeDefaultMatchesUnmarshal: a JSON key's frame decodes to what
// json.Unmarshal into an any gave, or is a bad frame where it failed.
func FuzzDecodeDefaultMatchesUnmarshal(f *testing.F) {
	for _, s := range []string{`{"type":"ADDED","object":{"a":[1,2.5,null,true]}}`, `1e400`, `{"a":1,"a":"x"}`, `nope`, `"\ud800"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var want any
		werr := json.Unmarshal(data, &want)
		got := DecodeDefault(Key{}, []transport.Frame{{Data: data, Size: len(data)}})
		require.Len(t, got, 1)
		if werr != nil {
			require.ErrorIs(t, got[0].Err, ErrBadFrame)
			return
		}
		require.NoError(t, got[0].Err)
		require.Equal(t, want, got[0].Value)
	})
}
