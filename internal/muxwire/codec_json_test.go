package muxwire

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzDataMatchesJSON: ERROR and STATUS data are written as json.Marshal
// wrote them, and read as json.Unmarshal read them.
func FuzzDataMatchesJSON(f *testing.F) {
	for _, s := range []string{`{"error":"x"}`, `{"state":"error","error":"gone"}`, `null`, `{"state":1}`, `"text"`, `{"ERROR":"x"}`} {
		f.Add([]byte(s), "a<b\u2028", "connected")
	}
	f.Fuzz(func(t *testing.T, data []byte, text, state string) {
		e := jsonErrorData{Error: text}
		want, err := json.Marshal(e)
		require.NoError(t, err)
		require.Equal(t, string(want), string(e.appendJSON(nil)))
		s := jsonStatusData{State: State(state), Error: text}
		want, err = json.Marshal(s)
		require.NoError(t, err)
		require.Equal(t, string(want), string(s.appendJSON(nil)))

		var we jsonErrorData
		werr := json.Unmarshal(data, &we)
		ge, err := readErrorData(data)
		require.Equal(t, werr == nil, err == nil, "error data %q: %v / %v", data, werr, err)
		if werr == nil {
			require.Equal(t, we, ge)
		}
		var ws jsonStatusData
		werr = json.Unmarshal(data, &ws)
		gs, err := readStatusData(data)
		require.Equal(t, werr == nil, err == nil, "status data %q: %v / %v", data, werr, err)
		if werr == nil {
			require.Equal(t, ws, gs)
		}
	})
}
