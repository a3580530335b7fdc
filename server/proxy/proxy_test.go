package proxy

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/server/wsx"
)

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// proxyEnv serves every context of the fake API's kubeconfig under
// /clusters/<name>/, as the kubelive server does.
type proxyEnv struct {
	api      *fakeAPI
	contexts []Context
	srv      *httptest.Server
	logs     *syncBuffer
}

func newProxyEnv(t *testing.T) *proxyEnv {
	t.Helper()
	api := newFakeAPI(t)
	logs := &syncBuffer{}
	ctxs, err := LoadWith(api.kubeconfig(t, t.TempDir()), Options{Logger: slog.New(slog.NewTextHandler(logs, nil))})
	require.NoError(t, err)
	mux := http.NewServeMux()
	for _, c := range ctxs {
		mux.Handle("/clusters/"+c.Name+"/", http.StripPrefix("/clusters/"+c.Name, c.Handler))
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &proxyEnv{api: api, contexts: ctxs, srv: srv, logs: logs}
}

func bearerProtocol(token string) string {
	return wsx.BearerPrefix + base64.RawURLEncoding.EncodeToString([]byte(token))
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestLoadContexts(t *testing.T) {
	t.Parallel()
	e := newProxyEnv(t)
	var names []string
	for _, c := range e.contexts {
		names = append(names, c.Name)
		if c.Name != "broken" {
			assert.Equal(t, e.api.srv.URL, c.Server, c.Name)
		}
	}
	assert.Equal(t, []string{"anonymous", "broken", "cert", "exec", "insecure", "token", "tokenfile", "wrong-ca"}, names)
	assert.Contains(t, e.logs.String(), "context broken")

	_, err := Load("/nonexistent/kubeconfig")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "/nonexistent/kubeconfig")
}

func TestHTTPAuth(t *testing.T) {
	t.Parallel()
	e := newProxyEnv(t)
	tests := []struct {
		name, context, authorization string
		code                         int
		user                         string
		bodyHas                      string
	}{
		{name: "token", context: "token", code: 200, user: "token-user"},
		{name: "token file", context: "tokenfile", code: 200, user: "token-user"},
		{name: "client certificate", context: "cert", code: 200, user: certUser},
		{name: "exec plugin", context: "exec", code: 200, user: "exec-user"},
		{name: "no credentials", context: "anonymous", code: 401},
		{name: "insecure-skip-tls-verify", context: "insecure", code: 200, user: "token-user"},
		{name: "CA verification fails", context: "wrong-ca", code: 502, bodyHas: "certificate"},
		{name: "unusable context", context: "broken", code: 500, bodyHas: "context broken"},
		{name: "browser token overrides a token", context: "token", authorization: "Bearer " + browserToken, code: 200, user: "browser-user"},
		{name: "browser token overrides a client certificate", context: "cert", authorization: "Bearer " + browserToken, code: 200, user: "browser-user"},
		{name: "bad browser token is not replaced", context: "token", authorization: "Bearer wrong", code: 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequest(http.MethodGet, e.srv.URL+"/clusters/"+tc.context+"/api/v1/namespaces/default/configmaps?limit=1&labelSelector=a%3Db", nil)
			require.NoError(t, err)
			req.Header.Set("Cookie", "session=browser-only")
			if tc.authorization != "" {
				req.Header.Set("Authorization", tc.authorization)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.Equal(t, tc.code, resp.StatusCode, string(body))
			assert.Contains(t, string(body), tc.bodyHas)
			if tc.code != 200 {
				return
			}
			assert.Equal(t, tc.user, resp.Header.Get("X-User"))
			var got map[string]string
			require.NoError(t, json.Unmarshal(body, &got))
			assert.Equal(t, "/api/v1/namespaces/default/configmaps", got["path"])
			assert.Equal(t, "limit=1&labelSelector=a%3Db", got["query"])
			assert.Empty(t, got["cookie"], "the browser's cookies stay here")
		})
	}
}

func TestHTTPWatchIsFlushedAsItArrives(t *testing.T) {
	t.Parallel()
	e := newProxyEnv(t)
	req, err := http.NewRequestWithContext(testCtx(t), http.MethodGet, e.srv.URL+"/clusters/token/api/v1/configmaps?watch=1", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	line, err := r.ReadString('\n')
	require.NoError(t, err, "the first event arrives while the upstream holds the stream open")
	assert.Contains(t, line, `"ADDED"`)
	close(e.api.release)
	rest, err := io.ReadAll(r)
	require.NoError(t, err)
	assert.Equal(t, 2, strings.Count(string(rest), "\n"))
	assert.Contains(t, string(rest), `"DELETED"`)
}

// hello is the first message of the fake API's WebSocket watch.
type hello struct {
	Object struct{ User, Origin, Protocol string }
}

func TestWebSocket(t *testing.T) {
	t.Parallel()
	e := newProxyEnv(t)
	tests := []struct {
		name, context string
		protocols     []string
		user          string
		protocol      string
	}{
		{"kubeconfig token", "token", []string{"base64.binary.k8s.io"}, "token-user", "base64.binary.k8s.io"},
		{"only the first protocol goes upstream", "token", []string{"base64.binary.k8s.io", "binary.k8s.io"}, "token-user", "base64.binary.k8s.io"},
		{"no protocol", "token", nil, "token-user", ""},
		{"client certificate", "cert", []string{"binary.k8s.io"}, certUser, "binary.k8s.io"},
		{"exec plugin", "exec", []string{"binary.k8s.io"}, "exec-user", "binary.k8s.io"},
		{"bearer protocol on an anonymous context", "anonymous",
			[]string{"base64.binary.k8s.io", bearerProtocol(goodToken)}, "token-user", "base64.binary.k8s.io"},
		{"bearer protocol overrides a client certificate", "cert",
			[]string{bearerProtocol(browserToken), "base64.binary.k8s.io", wsx.HeadlampUserPrefix + "dXNlcjE"}, "browser-user", "base64.binary.k8s.io"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := testCtx(t)
			conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.srv.URL, "http")+"/clusters/"+tc.context+"/api/v1/configmaps?watch=1",
				&websocket.DialOptions{Subprotocols: tc.protocols})
			require.NoError(t, err)
			defer conn.CloseNow()
			assert.Equal(t, tc.protocol, conn.Subprotocol(), "the browser gets the protocol the API server chose")

			typ, data, err := conn.Read(ctx)
			require.NoError(t, err)
			assert.Equal(t, websocket.MessageText, typ)
			var h hello
			require.NoError(t, json.Unmarshal(data, &h), string(data))
			assert.Equal(t, tc.user, h.Object.User)
			assert.Equal(t, e.api.srv.URL, h.Object.Origin, "Origin is the API server's scheme://host")
			assert.Equal(t, tc.protocol, h.Object.Protocol)

			for _, m := range []struct {
				typ  websocket.MessageType
				data []byte
			}{{websocket.MessageText, []byte("héllo")}, {websocket.MessageBinary, []byte{0, 1, 255}}} {
				require.NoError(t, conn.Write(ctx, m.typ, m.data))
				typ, data, err := conn.Read(ctx)
				require.NoError(t, err)
				assert.Equal(t, m.typ, typ, "text stays text, binary stays binary")
				assert.Equal(t, m.data, data)
			}
			require.NoError(t, conn.Write(ctx, websocket.MessageText, []byte("close")))
			_, _, err = conn.Read(ctx)
			var ce websocket.CloseError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, websocket.StatusCode(4001), ce.Code, "the API server's close code reaches the browser")
			assert.Equal(t, "bye", ce.Reason)
		})
	}
}

func TestWebSocketRefusals(t *testing.T) {
	t.Parallel()
	e := newProxyEnv(t)
	tests := []struct {
		name, context string
		protocols     []string
		code          int
	}{
		{"no credentials", "anonymous", []string{"base64.binary.k8s.io"}, http.StatusUnauthorized},
		{"bad bearer token", "token", []string{"base64.binary.k8s.io", bearerProtocol("wrong")}, http.StatusUnauthorized},
		{"malformed bearer protocol", "token", []string{"base64.binary.k8s.io", wsx.BearerPrefix + "!!!"}, http.StatusUnauthorized},
		{"unreachable or untrusted", "wrong-ca", []string{"base64.binary.k8s.io"}, http.StatusBadGateway},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, resp, err := websocket.Dial(testCtx(t), "ws"+strings.TrimPrefix(e.srv.URL, "http")+"/clusters/"+tc.context+"/api/v1/configmaps?watch=1",
				&websocket.DialOptions{Subprotocols: tc.protocols})
			require.Error(t, err)
			require.NotNil(t, resp)
			assert.Equal(t, tc.code, resp.StatusCode)
		})
	}
}

// TestTokensNeverLogged drives every failure path with secret tokens and
// checks that no log line, response body or error carries one.
func TestTokensNeverLogged(t *testing.T) {
	t.Parallel()
	e := newProxyEnv(t)
	secret := "zz-top-secret-browser-token"
	var seen []string
	wsBase := "ws" + strings.TrimPrefix(e.srv.URL, "http")
	for _, c := range []string{"wrong-ca", "anonymous", "token", "broken"} {
		for _, protos := range [][]string{
			{"base64.binary.k8s.io", bearerProtocol(secret)},
			{"base64.binary.k8s.io", wsx.BearerPrefix + secret + "!"},
		} {
			_, resp, err := websocket.Dial(testCtx(t), wsBase+"/clusters/"+c+"/api/v1/pods?watch=1", &websocket.DialOptions{Subprotocols: protos})
			if err != nil {
				seen = append(seen, err.Error())
			}
			if resp != nil && resp.Body != nil {
				b, _ := io.ReadAll(resp.Body)
				seen = append(seen, string(b))
			}
		}
		req, err := http.NewRequest(http.MethodGet, e.srv.URL+"/clusters/"+c+"/api/v1/pods", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		seen = append(seen, string(b))
	}
	logs := e.logs.String()
	require.NotEmpty(t, logs, "the failures were logged")
	seen = append(seen, logs)
	encoded := base64.RawURLEncoding.EncodeToString([]byte(secret))
	for _, s := range seen {
		for _, tok := range []string{secret, encoded, goodToken, execToken} {
			assert.NotContains(t, s, tok)
		}
		assert.NotContains(t, s, "Bearer")
	}
}

type dropTracker struct {
	mu      sync.Mutex
	cancels []func()
	added   chan struct{}
}

func (d *dropTracker) Track(_ string, cancel func()) func() {
	d.mu.Lock()
	d.cancels = append(d.cancels, cancel)
	d.mu.Unlock()
	d.added <- struct{}{}
	return func() {}
}

func TestWebSocketDroppedByTracker(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	tr := &dropTracker{added: make(chan struct{}, 1)}
	ctxs, err := LoadWith(api.kubeconfig(t, t.TempDir()), Options{Tracker: tr, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	var h http.Handler
	for _, c := range ctxs {
		if c.Name == "token" {
			h = c.Handler
		}
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	ctx := testCtx(t)
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/api/v1/pods?watch=1", nil)
	require.NoError(t, err)
	defer conn.CloseNow()
	<-tr.added
	_, _, err = conn.Read(ctx)
	require.NoError(t, err)
	tr.mu.Lock()
	tr.cancels[0]()
	tr.mu.Unlock()
	_, _, err = conn.Read(ctx)
	require.Error(t, err)
	assert.Equal(t, websocket.StatusCode(-1), websocket.CloseStatus(err), "dropped without a close frame")
}
