package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/probe"
	"github.com/kubelive/kubelive/server"
	"github.com/kubelive/kubelive/server/embedded"
	"github.com/kubelive/kubelive/server/wsx"
)

// A probe (a plain GET carrying probe.Header) gets the verdict a WebSocket
// upgrade from that origin gets: refused, a 403 Status naming the origin and
// --allow-origin; allowed, the cluster's own answer.
func TestProbeAnswersLikeTheUpgrade(t *testing.T) {
	t.Parallel()
	closed, open := corsServer(t, nil), corsServer(t, []string{"localhost:*"})
	self := func(u string) string { return u } // the server's own origin
	tests := []struct {
		name    string
		url     string
		origin  func(base string) string
		path    string
		want    int
		message string
	}{
		{"foreign origin, refused", closed.URL, func(string) string { return "http://localhost:3000" }, "api/v1/namespaces/default/configmaps?limit=1", 403, "origin http://localhost:3000; start it with --allow-origin localhost:3000"},
		{"same origin, allowed", closed.URL, self, "api/v1/namespaces/default/configmaps?limit=1", 200, ""},
		{"allowed pattern", open.URL, func(string) string { return "http://localhost:3000" }, "api/v1/namespaces/default/configmaps?limit=1", 200, ""},
		{"allowed, the cluster's 404 comes through", open.URL, func(string) string { return "http://localhost:3000" }, "api/v1/namespaces/default/pods/ghost", 404, "not found"},
		{"not matching the pattern", open.URL, func(string) string { return "http://evil.example" }, "api/v1/pods?limit=1", 403, "--allow-origin evil.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			origin := tt.origin(tt.url)
			resp, body := get(t, tt.url+"/clusters/demo/"+tt.path, map[string]string{probe.Header: origin})
			assert.Equal(t, tt.want, resp.StatusCode, body)
			assert.Contains(t, body, tt.message)
			assert.Equal(t, tt.want == 403, probe.OriginRefused(probe.FromResponse(resp.StatusCode, []byte(body), "")),
				"only the origin's refusal is marked as the origin's verdict")
			if tt.want == 403 {
				assert.Contains(t, body, `"kind":"Status"`)
				path, _, _ := strings.Cut(tt.path, "?")
				h := http.Header{}
				h.Set("Origin", origin)
				ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
				defer cancel()
				_, wsResp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(tt.url, "http")+"/clusters/demo/"+path+"?watch=1", &websocket.DialOptions{HTTPHeader: h})
				require.Error(t, err)
				assert.Equal(t, http.StatusForbidden, wsResp.StatusCode, "the upgrade is refused too")
			}
		})
	}
}

// corsServer serves the embedded cluster "demo" with the allowed origin
// patterns allow (for CORS and WebSocket upgrades alike).
func corsServer(t *testing.T, allow []string) *httptest.Server {
	t.Helper()
	store := embedded.NewStore(embedded.Options{Seed: 1})
	require.NoError(t, embedded.Seed(store, nil, 1))
	h := embedded.NewHandler(store, embedded.HandlerOptions{WebSocket: wsx.Options{OriginPatterns: allow}})
	srv, err := server.New(server.Config{Clusters: []server.Cluster{{Name: "demo", Handler: h}}, AllowOrigins: allow})
	require.NoError(t, err)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts
}
