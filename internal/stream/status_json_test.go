package stream

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzReadStatusMatchesUnmarshal: readStatus decodes what json.Unmarshal
// into status decoded, and fails where it failed.
func FuzzReadStatusMatchesUnmarshal(f *testing.F) {
	for _, s := range []string{
		`{"status":"Failure","reason":"NonZeroExitCode","code":500,"details":{"causes":[{"reason":"ExitCode","message":"3"}]}}`,
		`{"status":"Success"}`, `{"code":1.5}`, `{"code":1e3}`, `{"details":{"causes":null}}`, `{"details":[]}`,
		`{"details":{"causes":[null]}}`, `null`, `oops`, `{"Status":"Success"}`, `{"code":99999999999999999999}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var want status
		werr := json.Unmarshal(data, &want)
		got, err := readStatus(data)
		if werr != nil {
			require.Error(t, err, "json.Unmarshal failed: %v", werr)
			return
		}
		require.NoError(t, err)
		require.Equal(t, want, got)
	})
}

func TestResizeFrameMatchesMarshal(t *testing.T) {
	t.Parallel()
	f, err := Codec{}.ResizeFrame(120, 40)
	require.NoError(t, err)
	want, err := json.Marshal(struct{ Width, Height int }{120, 40})
	require.NoError(t, err)
	require.Equal(t, string(want), string(f.Data[1:]))
}
