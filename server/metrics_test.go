package server_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gauge returns the value of the gauge (or counter) name with exactly labels, 0 if absent.
func gauge(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if matches(m, labels) {
				if c := m.GetCounter(); c != nil {
					return c.GetValue()
				}
				return m.GetGauge().GetValue()
			}
		}
	}
	return 0
}

func matches(m *dto.Metric, labels map[string]string) bool {
	if len(m.GetLabel()) != len(labels) {
		return false
	}
	for _, l := range m.GetLabel() {
		if labels[l.GetName()] != l.GetValue() {
			return false
		}
	}
	return true
}

// TestMetricsAfterRealRequests drives real requests through the server and reads /metrics.
func TestMetricsAfterRealRequests(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t, envOptions{})
	self := map[string]string{"Origin": e.base, "Content-Type": "application/json"}
	cm := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"m"}}`
	for _, r := range []struct{ method, path, body string }{
		{"GET", "/clusters/demo/api/v1/namespaces/default/configmaps", ""},
		{"GET", "/clusters/demo/api/v1/pods?limit=1", ""},
		{"GET", "/clusters/demo/api/v1/namespaces", ""},
		{"GET", "/clusters/demo/api/v1/namespaces/default", ""},
		{"GET", "/clusters/demo/apis/apps/v1/namespaces/default/deployments", ""},
		{"POST", "/clusters/demo/api/v1/namespaces/default/configmaps", cm},
		{"GET", "/clusters/demo/api/v1/namespaces/default/configmaps/m", ""},
		{"PUT", "/clusters/demo/api/v1/namespaces/default/configmaps/m", cm},
		{"DELETE", "/clusters/demo/api/v1/namespaces/default/configmaps/m", ""},
		{"GET", "/clusters/prod/api/v1/namespaces/kube-system/secrets", ""},
		{"POST", "/clusters/prod/api/v1/namespaces/default/configmaps", cm},
		{"GET", "/clusters/prod/api/v1/namespaces/kube-system/secrets?watch=1", ""},
		{"GET", "/clusters/demo/version", ""},
	} {
		h := self
		if r.body == "" {
			h = nil
		}
		code, body := e.do(t, r.method, "", r.path, h, r.body)
		require.Less(t, code, 300, "%s %s: %s", r.method, r.path, body)
	}
	code, _ := e.do(t, "PATCH", "", "/clusters/demo/api/v1/namespaces/default/configmaps/nope",
		map[string]string{"Content-Type": "application/merge-patch+json"}, `{}`)
	assert.Equal(t, http.StatusNotFound, code, "a PATCH that reached the cluster (and failed there) is counted")
	code, _ = e.do(t, "POST", "", "/clusters/demo/api/v1/namespaces/default/configmaps", map[string]string{"Origin": "http://evil.example"}, cm)
	assert.Equal(t, http.StatusForbidden, code, "a refused request is not counted")
	for verb, want := range map[string]float64{"LIST": 4, "GET": 3, "POST": 1, "PUT": 1, "DELETE": 1, "PATCH": 1, "WATCH": 0} {
		assert.Equal(t, want, gauge(t, e.reg, "kubelive_requests_total", map[string]string{"cluster": "demo", "verb": verb}), "demo %s", verb)
	}
	for verb, want := range map[string]float64{"LIST": 1, "POST": 1, "WATCH": 1} {
		assert.Equal(t, want, gauge(t, e.reg, "kubelive_requests_total", map[string]string{"cluster": "prod", "verb": verb}), "prod %s", verb)
	}

	// Watches served now: a WebSocket watch, an HTTP watch and a multiplexer subscription.
	rv := e.store.ResourceVersion()
	ws, _, err := e.dial(t, "", "/clusters/demo/api/v1/pods?watch=1&resourceVersion="+rv, "", "base64.binary.k8s.io")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.base+"/clusters/demo/api/v1/configmaps?watch=1&resourceVersion="+rv, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	mux, _, err := e.dial(t, "", "/wsMultiplexer", "")
	require.NoError(t, err)
	assert.Equal(t, "connected", muxRequest(t, mux, "demo", "/api/v1/events", "watch=1&resourceVersion="+rv).State)
	demo := map[string]string{"cluster": "demo"}
	require.Eventually(t, func() bool { return gauge(t, e.reg, "kubelive_watches", demo) == 3 }, 10*time.Second, 10*time.Millisecond)
	assert.Equal(t, 1.0, gauge(t, e.reg, "kubelive_websockets_open", map[string]string{"route": "watch"}))
	assert.Equal(t, 1.0, gauge(t, e.reg, "kubelive_websockets_open", map[string]string{"route": "mux"}))
	assert.Equal(t, 1.0, gauge(t, e.reg, "kubelive_upstream_watches", nil))
	assert.Equal(t, 0.0, gauge(t, e.reg, "kubelive_websockets_open", map[string]string{"route": "exec"}))

	code, text := e.do(t, "GET", "", "/metrics", nil, "")
	require.Equal(t, http.StatusOK, code)
	for _, line := range []string{
		`kubelive_watches{cluster="demo"} 3`, `kubelive_websockets_open{route="watch"} 1`, `kubelive_websockets_open{route="mux"} 1`,
		`kubelive_upstream_watches 1`, `kubelive_requests_total{cluster="demo",verb="LIST"} 4`, `kubelive_requests_total{cluster="prod",verb="POST"} 1`,
	} {
		assert.Contains(t, text, line+"\n")
	}

	require.NoError(t, ws.Close(websocket.StatusNormalClosure, ""))
	cancel()
	require.NoError(t, mux.Close(websocket.StatusNormalClosure, ""))
	require.Eventually(t, func() bool {
		return gauge(t, e.reg, "kubelive_watches", demo) == 0 && gauge(t, e.reg, "kubelive_websockets_open", map[string]string{"route": "watch"}) == 0 &&
			gauge(t, e.reg, "kubelive_websockets_open", map[string]string{"route": "mux"}) == 0 && gauge(t, e.reg, "kubelive_upstream_watches", nil) == 0
	}, 10*time.Second, 10*time.Millisecond, "every gauge back to 0 once the watches ended")
}
