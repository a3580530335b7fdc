//go:build js && wasm

package bridge

import (
	"fmt"
	"testing"
	"time"

	"github.com/hack-pad/safejs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func listQuery(cluster, ns, resource string, params string) string {
	group := ""
	if resource == "deployments" {
		group = "apps"
	}
	q := fmt.Sprintf(`{"lists":[{"cluster":%q,"namespace":%q}],"endpoint":{"group":%q,"version":"v1","resource":%q}`, cluster, ns, group, resource)
	if params != "" {
		q += `,"queryParams":` + params
	}
	return q + "}"
}

// 3 clusters x 10 namespaces x 3 resources = 90 watches, one socket.
func TestMuxNinetyWatchesOverOneSocket(t *testing.T) {
	l := newListHarness(t, "on")
	var rs []safejs.Value
	for _, cluster := range []string{"demo", "demo-2", "demo-3"} {
		for i := range 10 {
			ns := fmt.Sprintf("ninety-%d", i)
			l.k.do("POST", "/clusters/"+cluster+"/api/v1/namespaces", map[string]any{"metadata": map[string]any{"name": ns}}, "application/json")
			for _, res := range []string{"pods", "configmaps", "events"} {
				rs = append(rs, l.watch(listQuery(cluster, ns, res, ""), false))
			}
		}
	}
	l.waitFor("90 live lists", func() bool {
		for _, r := range rs {
			if l.summary(r).Status != "live" {
				return false
			}
		}
		return true
	})
	st := l.stats()
	assert.Equal(t, 1, st.BrowserSockets.Created, "one browser socket for 90 watches")
	assert.Equal(t, 90, st.Multiplexer.Keys)
	require.Len(t, st.Sockets, 1)
	assert.Equal(t, "wsMultiplexer", st.Sockets[0].Key.URL)
	t.Logf("90 watches: %+v", st.Multiplexer)
}

// Closing one watch never disturbs another on the same path with a
// different selector (Headlamp's upstream key ignored the query).
func TestMuxSelectorsOnOnePathStayIndependent(t *testing.T) {
	l := newListHarness(t, "on")
	ns := testNS(t)
	l.k.namespace(ns)
	a := l.watch(listQuery("demo", ns, "pods", `{"labelSelector":"app=a"}`), false)
	b := l.watch(listQuery("demo", ns, "pods", `{"labelSelector":"app=b"}`), false)
	l.waitFor("both live", func() bool { return l.summary(a).Status == "live" && l.summary(b).Status == "live" })
	_, err := a.Call("unwatch")
	require.NoError(t, err)
	for i, app := range []string{"a", "b", "b"} {
		l.k.api("POST", "/api/v1/namespaces/"+ns+"/pods", map[string]any{
			"metadata": map[string]any{"name": fmt.Sprintf("p%d", i), "labels": map[string]string{"app": app}},
			"spec":     map[string]any{"containers": []any{map[string]any{"name": "c", "image": "x"}}},
		})
	}
	got := l.equalToServer(b, "/api/v1/namespaces/"+ns+"/pods?labelSelector=app%3Db")
	assert.Equal(t, []string{"p1", "p2"}, names(got))
}

// The mux socket dropped 10 times under churn: every list ends equal to the
// server's LIST.
func TestMuxSurvivesTenDropsUnderChurn(t *testing.T) {
	l := newListHarness(t, "on")
	nss := []string{testNS(t) + "-1", testNS(t) + "-2"}
	var rs []safejs.Value
	var paths []string
	for _, ns := range nss {
		l.k.namespace(ns)
		for _, res := range []string{"pods", "configmaps"} {
			rs = append(rs, l.watch(listQuery("demo", ns, res, ""), false))
			paths = append(paths, "/api/v1/namespaces/"+ns+"/"+res)
		}
	}
	n := 0
	for drop := range 10 {
		for _, ns := range nss {
			for range 3 {
				l.k.pod(ns, fmt.Sprintf("p%d", n))
				l.k.api("POST", "/api/v1/namespaces/"+ns+"/configmaps", map[string]any{"metadata": map[string]any{"name": fmt.Sprintf("c%d", n)}, "data": map[string]string{"k": "v"}})
				n++
			}
			l.k.api("PATCH", fmt.Sprintf("/api/v1/namespaces/%s/pods/p%d", ns, n-1), map[string]any{"metadata": map[string]any{"labels": map[string]string{"round": fmt.Sprint(drop)}}})
			l.k.api("DELETE", fmt.Sprintf("/api/v1/namespaces/%s/configmaps/c%d", ns, n-2), nil)
		}
		l.k.do("POST", "/admin/drop", nil, "")
	}
	l.waitForWithin(45*time.Second, "the mux socket back", func() bool { return l.stats().Multiplexer.State == "open" })
	l.k.pod(nss[0], "after-drops") // an event that only a working watch can deliver
	for i, r := range rs {
		l.equalToServer(r, paths[i])
	}
	st := l.stats()
	t.Logf("after 10 drops: %+v", st.Multiplexer)
	assert.GreaterOrEqual(t, st.Multiplexer.Reconnects, 1, "the mux socket itself was dropped and came back")
}

// Against a backend without /wsMultiplexer, 'auto' falls back to per-URL
// sockets and kl.mux.subscribe works the same.
func TestMuxAutoFallsBackToPerURL(t *testing.T) {
	h := newHarness(t, "", "")
	b, api, err := Start(Config{BaseURL: "http://" + h.addr, Multiplexer: "auto"})
	require.NoError(t, err)
	t.Cleanup(b.Close)
	h.b, h.api = b, api
	assert.Equal(t, "per-url", h.stats().Multiplexer.Mode)
	path := uniquePath(t)
	r := h.recorder(false)
	onMessage, _ := r.Get("onMessage")
	onError, _ := r.Get("onError")
	id, err := api.Call("muxSubscribe", "demo", "/"+path, "watch=1", onMessage, onError)
	require.NoError(t, err)
	h.waitFor("the per-URL socket", func() bool { return h.conns("/clusters/demo/"+path).Open == 1 })
	h.send("/clusters/demo/"+path, `{"seq":0}`)
	h.waitFor("the message", func() bool { return h.length(r, "msgs") == 1 })
	_, err = api.Call("muxUnsubscribe", id)
	require.NoError(t, err)
	h.waitFor("closed", func() bool { return h.conns("/clusters/demo/"+path).Open == 0 })
}
