package server_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/server"
	"github.com/kubelive/kubelive/server/embedded"
)

func jsonDecode(resp *http.Response, v any) error { return json.NewDecoder(resp.Body).Decode(v) }

func get(t *testing.T, url string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	require.NoError(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	tr := &http.Transport{DisableCompression: true}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(body)
}

func staticDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{"index.html": "<html>kubelive</html>", "app.js": "console.log(1)", "kubelive.wasm": "\x00asm-plain"}
	for name, body := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte("\x00asm-plain"))
	require.NoError(t, zw.Close())
	require.NoError(t, os.WriteFile(filepath.Join(dir, "kubelive.wasm.gz"), gz.Bytes(), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(filepath.Dir(dir), "secret.txt"), []byte("secret"), 0o644))
	return dir
}

func TestServerRoutes(t *testing.T) {
	t.Parallel()
	store := embedded.NewStore(embedded.Options{Seed: 1})
	require.NoError(t, embedded.Seed(store, nil, 1))
	srv, err := server.New(server.Config{
		Clusters:  []server.Cluster{{Name: "demo", Source: "embedded", Handler: embedded.NewHandler(store, embedded.HandlerOptions{})}, {Name: "other", Source: "kubeconfig", Handler: http.NotFoundHandler()}},
		StaticDir: staticDir(t),
	})
	require.NoError(t, err)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	tests := []struct {
		name, path string
		header     map[string]string
		code       int
		body       string // substring
		headers    map[string]string
	}{
		{name: "config", path: "/config", code: 200, body: `{"clusters":[{"name":"demo","source":"embedded"},{"name":"other","source":"kubeconfig"}],"multiplexer":false}`},
		{name: "healthz", path: "/healthz", code: 200, body: "ok"},
		{name: "cluster api", path: "/clusters/demo/api/v1/namespaces/default/configmaps", code: 200, body: `"kind":"ConfigMapList"`},
		{name: "unknown cluster", path: "/clusters/nope/api/v1/pods", code: 404,
			body: `"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"cluster \"nope\" not found","reason":"NotFound","code":404`},
		{name: "admin off", path: "/admin/state", code: 404},
		{name: "index", path: "/", code: 200, body: "kubelive", headers: map[string]string{"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache"}},
		{name: "spa fallback", path: "/some/route", code: 200, body: "kubelive"},
		{name: "missing asset", path: "/missing.js", code: 404},
		{name: "js", path: "/app.js", code: 200, headers: map[string]string{"Content-Type": "text/javascript; charset=utf-8"}},
		{name: "wasm plain", path: "/kubelive.wasm", code: 200, body: "asm-plain", headers: map[string]string{"Content-Type": "application/wasm", "Content-Encoding": ""}},
		{name: "wasm gzip", path: "/kubelive.wasm", header: map[string]string{"Accept-Encoding": "br, gzip"}, code: 200,
			headers: map[string]string{"Content-Type": "application/wasm", "Content-Encoding": "gzip", "Vary": "Accept-Encoding"}},
		{name: "traversal", path: "/../secret.txt", code: 404},
		{name: "encoded traversal", path: "/%2e%2e/secret.txt", code: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, body := get(t, ts.URL+tt.path, tt.header)
			assert.Equal(t, tt.code, resp.StatusCode, body)
			assert.Contains(t, body, tt.body)
			assert.NotContains(t, body, "secret")
			for k, v := range tt.headers {
				assert.Equal(t, v, resp.Header.Get(k), k)
			}
		})
	}
}

func TestCORSAndOrigins(t *testing.T) {
	t.Parallel()
	closed, open := corsServer(t, nil), corsServer(t, []string{"localhost:*"})
	tests := []struct {
		name     string
		ts       *httptest.Server
		origin   string
		wantCORS bool
		wantWS   bool
	}{
		{name: "default, foreign origin", ts: closed, origin: "http://localhost:3000"},
		{name: "default, no origin", ts: closed, origin: "", wantWS: true},
		{name: "allowed pattern", ts: open, origin: "http://localhost:3000", wantCORS: true, wantWS: true},
		{name: "not matching pattern", ts: open, origin: "http://evil.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := "/clusters/demo/api/v1/namespaces/default/configmaps"
			resp, _ := get(t, tt.ts.URL+path, map[string]string{"Origin": tt.origin})
			assert.Equal(t, tt.wantCORS, resp.Header.Get("Access-Control-Allow-Origin") == tt.origin && tt.origin != "")
			h := http.Header{}
			if tt.origin != "" {
				h.Set("Origin", tt.origin)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			conn, wsResp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(tt.ts.URL, "http")+path+"?watch=1", &websocket.DialOptions{HTTPHeader: h})
			if tt.wantWS {
				require.NoError(t, err)
				conn.CloseNow()
			} else {
				require.Error(t, err)
				assert.Equal(t, http.StatusForbidden, wsResp.StatusCode)
			}
		})
	}
	req, err := http.NewRequest(http.MethodOptions, open.URL+"/clusters/demo/api/v1/pods", nil)
	require.NoError(t, err)
	req.Header.Set("Origin", "http://localhost:5173")
	req.Header.Set("Access-Control-Request-Method", "PATCH")
	req.Header.Set("Access-Control-Request-Headers", "content-type")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Access-Control-Allow-Methods"), "PATCH")
	assert.Equal(t, "content-type", resp.Header.Get("Access-Control-Allow-Headers"))
}

func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	store := embedded.NewStore(embedded.Options{Seed: 1})
	require.NoError(t, embedded.Seed(store, nil, 1))
	srv, err := server.New(server.Config{Clusters: []server.Cluster{{Name: "demo", Handler: embedded.NewHandler(store, embedded.HandlerOptions{})}}})
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	base := "http://" + ln.Addr().String()
	conn, _, err := websocket.Dial(t.Context(), "ws://"+ln.Addr().String()+"/clusters/demo/api/v1/pods?watch=1&resourceVersion="+store.ResourceVersion(), nil)
	require.NoError(t, err)
	defer conn.CloseNow()
	resp, err := http.Get(base + "/clusters/demo/api/v1/pods?watch=1&resourceVersion=" + store.ResourceVersion())
	require.NoError(t, err)
	defer resp.Body.Close()

	cancel()
	_, _, err = conn.Read(t.Context())
	assert.Equal(t, websocket.StatusGoingAway, websocket.CloseStatus(err), "%v", err)
	_, err = io.ReadAll(resp.Body)
	assert.NoError(t, err, "the HTTP watch ends cleanly")
	select {
	case err := <-served:
		assert.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  server.Config
	}{
		{name: "duplicate cluster", cfg: server.Config{Clusters: []server.Cluster{{Name: "a", Handler: http.NotFoundHandler()}, {Name: "a", Handler: http.NotFoundHandler()}}}},
		{name: "slash in name", cfg: server.Config{Clusters: []server.Cluster{{Name: "a/b", Handler: http.NotFoundHandler()}}}},
		{name: "bad origin pattern", cfg: server.Config{AllowOrigins: []string{"["}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := server.New(tt.cfg)
			assert.Error(t, err)
		})
	}
}
