//go:build js && wasm

package bridge

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The real-cluster tier (scripts/realtier/run.sh): live lists of a real
// kube-apiserver through the kubeconfig proxy, with configmaps created,
// modified and deleted by the test, in both watch modes; every snapshot ends
// equal to the server's LIST.
func TestRealClusterListsMatch(t *testing.T) {
	cluster := os.Getenv("KUBELIVE_REAL_CLUSTER")
	if cluster == "" {
		t.Skip("KUBELIVE_REAL_CLUSTER is not set: this test runs in the real-cluster tier (./build.sh test-real)")
	}
	eachMode(t, func(t *testing.T, l *listHarness) {
		ns := fmt.Sprintf("kl-real-%s-%d", map[bool]string{true: "mux", false: "url"}[l.stats().Multiplexer.Mode == "mux"], time.Now().UnixNano()%1e6)
		api := func(method, path string, body any) {
			ct := "application/json"
			if method == "PATCH" {
				ct = "application/merge-patch+json"
			}
			l.k.do(method, "/clusters/"+cluster+path, body, ct)
		}
		api("POST", "/api/v1/namespaces", map[string]any{"metadata": map[string]any{"name": ns}})
		path := "/api/v1/namespaces/" + ns + "/configmaps"
		cm := func(name, v string) map[string]any {
			return map[string]any{"metadata": map[string]any{"name": name}, "data": map[string]string{"v": v}}
		}
		for i := range 5 {
			api("POST", path, cm(fmt.Sprintf("cm-%d", i), "0"))
		}
		r := l.watch(listQuery(cluster, ns, "configmaps", ""), false)
		real := func() summary {
			var got summary
			var want [][]string
			l.waitForWithin(45*time.Second, "the snapshot to equal the real server's LIST", func() bool {
				got = l.summary(r)
				want = l.k.serverListOf(cluster, path)
				return got.Status == "live" && fmt.Sprint(got.Items) == fmt.Sprint(want)
			})
			return got
		}
		got := real()
		require.Len(t, got.Items, 5)
		api("PATCH", path+"/cm-1", map[string]any{"data": map[string]string{"v": "1"}})
		api("DELETE", path+"/cm-2", nil)
		api("POST", path, cm("cm-9", "9"))
		got = real()
		assert.Equal(t, []string{"cm-0", "cm-1", "cm-3", "cm-4", "cm-9"}, names(got))
	})
}
