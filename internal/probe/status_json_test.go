package probe

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzStatusOfMatchesUnmarshal: statusOf reads a body as the decode into
// the Status struct it replaced did (kind, reason, message, the causes).
func FuzzStatusOfMatchesUnmarshal(f *testing.F) {
	for _, s := range []string{
		`{"kind":"Status","reason":"Forbidden","message":"no","details":{"causes":[{"reason":"` + CauseOriginRefused + `"}]}}`,
		`{"kind":"Status","details":{"causes":[{"reason":"` + CauseOriginRefused + `"},{"reason":"FieldValueInvalid"}]}}`,
		`{"kind":"Status","details":null}`, `{"kind":"Status","details":{"causes":[null,1]}}`, `{"kind":"Status","reason":1}`,
		`{"Kind":"Status"}`, `[]`, `null`, `{"kind":"Pod"}`, `not json`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var st struct {
			Kind    string `json:"kind"`
			Reason  string `json:"reason"`
			Message string `json:"message"`
			Details struct {
				Causes []struct {
					Type string `json:"reason"`
				} `json:"causes"`
			} `json:"details"`
		}
		ok := json.Unmarshal(body, &st) == nil && st.Kind == "Status"
		got, gotOK := statusOf(body)
		require.Equal(t, ok, gotOK)
		if !ok {
			return
		}
		refused := false
		for _, c := range st.Details.Causes {
			refused = refused || c.Type == CauseOriginRefused
		}
		require.Equal(t, statusBody{reason: st.Reason, message: st.Message, originRefused: refused}, got)
	})
}
