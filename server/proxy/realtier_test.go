//go:build realk8s

// The real-cluster tier: the proxy against a real etcd + kube-apiserver
// started by ../../scripts/realtier/run.sh (through
// /work/shared/tools/real-apiserver.sh), which exports REALK8S_KUBECONFIG
// (contexts realk8s = admin and realk8s-viewer = no RBAC rights),
// REALK8S_TOKEN and REALK8S_VIEWER_TOKEN.

package proxy

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/server/wsx"
)

// realEnv is the proxy serving every context of the real kubeconfig under
// /clusters/<context>/.
type realEnv struct {
	srv         *httptest.Server
	adminToken  string
	viewerToken string
	logs        *syncBuffer
}

func newRealEnv(t *testing.T) *realEnv {
	t.Helper()
	kubeconfig := os.Getenv("REALK8S_KUBECONFIG")
	if kubeconfig == "" {
		t.Skip("REALK8S_KUBECONFIG is not set: run scripts/realtier/run.sh")
	}
	logs := &syncBuffer{}
	ctxs, err := LoadWith(kubeconfig, Options{Logger: slog.New(slog.NewTextHandler(logs, nil))})
	require.NoError(t, err)
	mux := http.NewServeMux()
	var names []string
	for _, c := range ctxs {
		names = append(names, c.Name)
		mux.Handle("/clusters/"+c.Name+"/", http.StripPrefix("/clusters/"+c.Name, c.Handler))
	}
	require.Subset(t, names, []string{"realk8s", "realk8s-viewer"})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e := &realEnv{srv: srv, adminToken: os.Getenv("REALK8S_TOKEN"), viewerToken: os.Getenv("REALK8S_VIEWER_TOKEN"), logs: logs}
	t.Cleanup(func() {
		for _, tok := range []string{e.adminToken, e.viewerToken} {
			if tok != "" {
				assert.NotContains(t, logs.String(), tok, "no token in the proxy's logs")
			}
		}
	})
	return e
}

// do sends an API request through the proxy and decodes a JSON answer into out.
func (e *realEnv) do(t *testing.T, cluster, method, path string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(testCtx(t), method, e.srv.URL+"/clusters/"+cluster+path, rd)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if out != nil && resp.StatusCode < 300 {
		require.NoError(t, json.Unmarshal(b, out), string(b))
	}
	return resp.StatusCode
}

// namespace creates a fresh namespace through the proxy. Without a
// controller manager its deletion never finishes, so it is left behind.
func (e *realEnv) namespace(t *testing.T) string {
	t.Helper()
	ns := fmt.Sprintf("kl-real-%d", time.Now().UnixNano())
	code := e.do(t, "realk8s", http.MethodPost, "/api/v1/namespaces",
		map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": ns}}, nil)
	require.Equal(t, http.StatusCreated, code)
	return ns
}

type object struct {
	Metadata struct {
		Name, ResourceVersion string
	}
	Data map[string]string
}

type list struct {
	Metadata struct{ ResourceVersion string }
	Items    []object
}

type event struct {
	Type   string
	Object object
}

func configMap(name, value string) map[string]any {
	return map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": name}, "data": map[string]any{"k": value}}
}

// churn creates, modifies and deletes ConfigMap name in ns through the proxy.
func (e *realEnv) churn(t *testing.T, ns, name string) {
	t.Helper()
	base := "/api/v1/namespaces/" + ns + "/configmaps"
	require.Equal(t, http.StatusCreated, e.do(t, "realk8s", http.MethodPost, base, configMap(name, "v1"), nil))
	require.Equal(t, http.StatusOK, e.do(t, "realk8s", http.MethodPut, base+"/"+name, configMap(name, "v2"), nil))
	require.Equal(t, http.StatusOK, e.do(t, "realk8s", http.MethodDelete, base+"/"+name, nil, nil))
}

func TestRealList(t *testing.T) {
	e := newRealEnv(t)
	ns := e.namespace(t)
	base := "/api/v1/namespaces/" + ns + "/configmaps"
	require.Equal(t, http.StatusCreated, e.do(t, "realk8s", http.MethodPost, base, configMap("listed", "x"), nil))
	var l list
	require.Equal(t, http.StatusOK, e.do(t, "realk8s", http.MethodGet, base, nil, &l))
	require.NotEmpty(t, l.Metadata.ResourceVersion)
	var names []string
	for _, it := range l.Items {
		names = append(names, it.Metadata.Name)
	}
	assert.Contains(t, names, "listed")
	assert.Equal(t, http.StatusForbidden, e.do(t, "realk8s-viewer", http.MethodGet, base, nil, nil),
		"the viewer context's own credentials have no RBAC rights")
}

func TestRealWatchHTTP(t *testing.T) {
	e := newRealEnv(t)
	ns := e.namespace(t)
	var l list
	require.Equal(t, http.StatusOK, e.do(t, "realk8s", http.MethodGet, "/api/v1/namespaces/"+ns+"/configmaps", nil, &l))
	req, err := http.NewRequestWithContext(testCtx(t), http.MethodGet, e.srv.URL+"/clusters/realk8s/api/v1/namespaces/"+ns+
		"/configmaps?watch=1&allowWatchBookmarks=true&resourceVersion="+l.Metadata.ResourceVersion, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	e.churn(t, ns, "watched")
	r := bufio.NewReader(resp.Body)
	var got []string
	for len(got) < 3 {
		line, err := r.ReadBytes('\n')
		require.NoError(t, err, "events so far: %v", got)
		var ev event
		require.NoError(t, json.Unmarshal(line, &ev), string(line))
		if ev.Type == "BOOKMARK" {
			continue
		}
		assert.Equal(t, "watched", ev.Object.Metadata.Name)
		got = append(got, ev.Type)
	}
	assert.Equal(t, []string{"ADDED", "MODIFIED", "DELETED"}, got)
}

// dialWatch opens a WebSocket watch on ns's ConfigMaps through the proxy.
func (e *realEnv) dialWatch(ctx context.Context, cluster, ns, rv string, protocols ...string) (*websocket.Conn, *http.Response, error) {
	url := "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/clusters/" + cluster + "/api/v1/namespaces/" + ns +
		"/configmaps?watch=1&resourceVersion=" + rv
	return websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: protocols})
}

// readEvents reads n watch events (bookmarks skipped) from a WebSocket
// watch; frames are JSON, or base64 JSON should a server encode them.
func readEvents(t *testing.T, ctx context.Context, conn *websocket.Conn, n int) []string {
	t.Helper()
	var got []string
	for len(got) < n {
		_, data, err := conn.Read(ctx)
		require.NoError(t, err, "events so far: %v", got)
		var ev event
		if json.Unmarshal(data, &ev) != nil {
			dec, err := base64.StdEncoding.DecodeString(string(data))
			require.NoError(t, err, string(data))
			require.NoError(t, json.Unmarshal(dec, &ev), string(dec))
		}
		if ev.Type != "BOOKMARK" {
			got = append(got, ev.Type+" "+ev.Object.Metadata.Name)
		}
	}
	return got
}

func TestRealWatchWebSocket(t *testing.T) {
	e := newRealEnv(t)
	ns := e.namespace(t)
	var l list
	require.Equal(t, http.StatusOK, e.do(t, "realk8s", http.MethodGet, "/api/v1/namespaces/"+ns+"/configmaps", nil, &l))
	ctx := testCtx(t)
	// Two protocols from the browser: the proxy forwards only the first, as
	// the API server refuses more than one.
	conn, _, err := e.dialWatch(ctx, "realk8s", ns, l.Metadata.ResourceVersion, "base64.binary.k8s.io", "binary.k8s.io")
	require.NoError(t, err)
	defer conn.CloseNow()
	assert.Equal(t, "base64.binary.k8s.io", conn.Subprotocol())
	e.churn(t, ns, "ws-watched")
	assert.Equal(t, []string{"ADDED ws-watched", "MODIFIED ws-watched", "DELETED ws-watched"}, readEvents(t, ctx, conn, 3))
}

func TestRealBearerSubprotocol(t *testing.T) {
	e := newRealEnv(t)
	require.NotEmpty(t, e.adminToken)
	require.NotEmpty(t, e.viewerToken)
	ns := e.namespace(t)
	var l list
	require.Equal(t, http.StatusOK, e.do(t, "realk8s", http.MethodGet, "/api/v1/namespaces/"+ns+"/configmaps", nil, &l))
	tests := []struct {
		name, cluster, token string
		code                 int
	}{
		{"viewer token on the admin context is refused", "realk8s", e.viewerToken, http.StatusForbidden},
		{"viewer token on the viewer context is refused", "realk8s-viewer", e.viewerToken, http.StatusForbidden},
		{"bad token", "realk8s", "not-a-real-token", http.StatusUnauthorized},
		{"admin token on the viewer context works", "realk8s-viewer", e.adminToken, http.StatusSwitchingProtocols},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testCtx(t)
			conn, resp, err := e.dialWatch(ctx, tc.cluster, ns, l.Metadata.ResourceVersion,
				"base64.binary.k8s.io", bearerProtocol(tc.token), wsx.HeadlampUserPrefix+"dXNlcg")
			require.NotNil(t, resp, "%v", err)
			require.Equal(t, tc.code, resp.StatusCode, "%v", err)
			if tc.code != http.StatusSwitchingProtocols {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			defer conn.CloseNow()
			assert.Equal(t, "base64.binary.k8s.io", conn.Subprotocol())
			e.churn(t, ns, "bearer-watched")
			assert.Equal(t, []string{"ADDED bearer-watched", "MODIFIED bearer-watched", "DELETED bearer-watched"}, readEvents(t, ctx, conn, 3))
		})
	}
}

// TestRealNeedsOrigin shows why the proxy sets Origin: the real API server
// refuses a WebSocket watch without one.
func TestRealNeedsOrigin(t *testing.T) {
	server, caFile := os.Getenv("REALK8S_SERVER"), os.Getenv("REALK8S_CA_FILE")
	if server == "" || caFile == "" {
		t.Skip("REALK8S_SERVER or REALK8S_CA_FILE is not set")
	}
	ca, err := os.ReadFile(caFile)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(ca))
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	for _, origin := range []string{"", server} {
		h := http.Header{"Authorization": {"Bearer " + os.Getenv("REALK8S_TOKEN")}}
		if origin != "" {
			h.Set("Origin", origin)
		}
		conn, resp, err := websocket.Dial(testCtx(t), "wss"+strings.TrimPrefix(server, "https")+"/api/v1/namespaces/default/configmaps?watch=1",
			&websocket.DialOptions{HTTPClient: client, HTTPHeader: h, Subprotocols: []string{"base64.binary.k8s.io"}})
		require.NotNil(t, resp, "%v", err)
		if origin == "" {
			assert.Equal(t, http.StatusForbidden, resp.StatusCode)
			continue
		}
		require.NoError(t, err)
		_ = conn.CloseNow()
	}
}

func TestRealBadTokenHTTP(t *testing.T) {
	e := newRealEnv(t)
	for _, tc := range []struct {
		authorization string
		code          int
	}{
		{"Bearer not-a-real-token", http.StatusUnauthorized},
		{"Bearer " + e.viewerToken, http.StatusForbidden},
		{"Bearer " + e.adminToken, http.StatusOK},
	} {
		req, err := http.NewRequestWithContext(testCtx(t), http.MethodGet, e.srv.URL+"/clusters/realk8s/api/v1/namespaces/default/configmaps", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", tc.authorization)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		assert.Equal(t, tc.code, resp.StatusCode, "the browser's Authorization header replaces the kubeconfig's credentials")
	}
}
