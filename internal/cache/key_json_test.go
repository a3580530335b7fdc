package cache

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzKeyMatchesMarshal: a query's key is what json.Marshal wrote for it
// before the module dropped encoding/json, so keys stay as they were.
func FuzzKeyMatchesMarshal(f *testing.F) {
	f.Add("apps", "v1", "deployments", "c", "ns", "labelSelector", "a<b", "n", 2)
	f.Add("", "", "", "", "", "", "", "", 0)
	f.Fuzz(func(t *testing.T, group, version, resource, cluster, ns, pname, pvalue, name string, n int) {
		q := Query{Endpoint: Endpoint{group, version, resource}, Name: name}
		if n&1 != 0 {
			q.Lists = []ListRef{{cluster, ns}, {ns, cluster}}
		}
		if n&2 != 0 {
			q.Params = []Param{{pname, pvalue}, {}}
		}
		want, err := json.Marshal(q)
		require.NoError(t, err)
		require.Equal(t, string(want), string(q.appendJSON(nil)))
	})
}
