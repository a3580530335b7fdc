package proxy

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCrossOriginUpgradeDialsNothing: the proxy checks the browser's Origin before it dials
// the API server with the kubeconfig's credentials, so a refused exec or watch never starts
// upstream. Same origin and --allow-origin patterns are dialled.
func TestCrossOriginUpgradeDialsNothing(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	ctxs, err := LoadWith(api.kubeconfig(t, t.TempDir()), Options{
		Logger:        slog.New(slog.DiscardHandler),
		AcceptOptions: websocket.AcceptOptions{OriginPatterns: []string{"localhost:*"}},
	})
	require.NoError(t, err)
	var token http.Handler
	for _, c := range ctxs {
		if c.Name == "token" {
			token = c.Handler
		}
	}
	require.NotNil(t, token)
	srv := httptest.NewServer(http.StripPrefix("/clusters/token", token))
	t.Cleanup(srv.Close)
	ws := "ws" + strings.TrimPrefix(srv.URL, "http") + "/clusters/token"
	dial := func(path, origin string) (*http.Response, error) {
		c, resp, err := websocket.Dial(testCtx(t), ws+path, &websocket.DialOptions{
			HTTPHeader: http.Header{"Origin": {origin}}, Subprotocols: []string{"base64.binary.k8s.io"},
		})
		if err == nil {
			_ = c.CloseNow()
		}
		return resp, err
	}
	for _, path := range []string{"/api/v1/configmaps?watch=1", "/api/v1/namespaces/default/pods/p/exec?command=sh"} {
		for _, origin := range []string{"http://evil.example", "null", "http://localhost.evil.example"} {
			resp, err := dial(path, origin)
			require.Error(t, err, "%s from %s", path, origin)
			require.NotNil(t, resp)
			assert.Equal(t, http.StatusForbidden, resp.StatusCode, "%s from %s", path, origin)
		}
	}
	assert.Zero(t, api.upgrades.Load(), "a refused upgrade was dialled upstream")

	_, err = dial("/api/v1/configmaps?watch=1", srv.URL)
	require.NoError(t, err, "same origin")
	_, err = dial("/api/v1/configmaps?watch=1", "http://localhost:5173")
	require.NoError(t, err, "an allowed pattern")
	assert.Equal(t, int64(2), api.upgrades.Load())
}
