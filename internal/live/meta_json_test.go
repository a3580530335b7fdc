package live

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/jsonw"
)

// FuzzMetaMatchesMarshal: a snapshot's lists, errors and log lines are
// written as json.Marshal wrote the tagged structs (omitempty included).
func FuzzMetaMatchesMarshal(f *testing.F) {
	f.Add("c", "ns<", "live", int64(1700000000000), "42", "boom", 403, "Forbidden", true, 3)
	f.Add("", "", "", int64(0), "", "", 0, "", false, 0)
	f.Fuzz(func(t *testing.T, cluster, ns, status string, at int64, rv, msg string, code int, reason string, deleted bool, n int) {
		e := &ErrorJSON{Message: msg, Code: code, Reason: reason}
		m := listMeta{Cluster: cluster, Namespace: ns, Status: status, Since: at, LastEvent: at / 2, ResourceVersion: rv,
			LastErrorAt: -at, Deleted: deleted}
		if n&1 != 0 {
			m.Error = e
		}
		if n&2 != 0 {
			m.LastError = e
		}
		want, err := json.Marshal(m)
		require.NoError(t, err)
		require.Equal(t, string(want), string(appendListMeta(nil, m)))
		want, err = json.Marshal((*ErrorJSON)(nil))
		require.NoError(t, err)
		require.Equal(t, string(want), string((*ErrorJSON)(nil).AppendJSON(nil)))
		lines := []lineJSON{{Text: msg, Time: reason}, {Text: rv}}
		want, err = json.Marshal(lines)
		require.NoError(t, err)
		require.Equal(t, string(want), string(jsonw.Array(nil, lines, appendLine)))
		want, err = json.Marshal(struct {
			Version   uint64     `json:"version"`
			UpdatedAt int64      `json:"updatedAt"`
			Status    string     `json:"status"`
			Lists     []listMeta `json:"lists"`
		}{uint64(at), ms(time.UnixMilli(at)), Overall(nil).String(), []listMeta{}})
		require.NoError(t, err)
		require.Equal(t, string(want), MetaJSON(nil, uint64(at), time.UnixMilli(at)))
	})
}
