package persist

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzHandoffRecordsMatchUnmarshal: handoffRecords reads what json.Unmarshal
// into a slice of the tagged record struct read, and fails where it failed.
func FuzzHandoffRecordsMatchUnmarshal(f *testing.F) {
	for _, s := range []string{
		`[{"key":"k","cluster":"c","namespace":"n","rv":"5","items":[{"metadata":{"uid":"u"}}]}]`,
		`null`, `[null]`, `[{"items":null}]`, `[{"key":1}]`, `{}`, `[{"KEY":"k","Rv":"1"}]`, `[1]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var want []struct {
			Key       string          `json:"key"`
			Cluster   string          `json:"cluster"`
			Namespace string          `json:"namespace"`
			RV        string          `json:"rv"`
			Items     json.RawMessage `json:"items"`
		}
		werr := json.Unmarshal(data, &want)
		got, err := handoffRecords(data)
		if werr != nil {
			require.Error(t, err, "json.Unmarshal failed: %v", werr)
			return
		}
		require.NoError(t, err)
		require.Len(t, got, len(want))
		for i, w := range want {
			require.Equal(t, handoffRecord{w.Key, w.Cluster, w.Namespace, w.RV, []byte(w.Items)}, got[i])
		}
	})
}
