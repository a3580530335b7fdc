package server

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckAPIPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path string
		ok   bool
	}{
		{"/api", true},
		{"/api/v1/namespaces/default/pods", true},
		{"/api/v1/namespaces/default/pods/web-1/exec", true},
		{"/apis/apps/v1/deployments", true},
		{"/apis/", true}, // a trailing slash is not an empty segment
		{"/version", true},
		{"/openapi/v3", true},
		{"/healthz", true},
		{"/api/v1/namespaces/a.b/pods/x..y", true}, // dots inside a name are fine
		{"", false},
		{"api/v1/pods", false},
		{"/", false},
		{"/../v3/users", false},
		{"/api/../../v3/users", false},
		{"/api/v1/./pods", false},
		{"/api/v1/pods/..", false},
		{"/api//v1/pods", false},
		{"/api/v1/pods//", false},
		{"/v3/users", false},
		{"/k8s/clusters/c-1/api", false},
		{"/metrics", false},
		{`/api/v1/namespaces/a\..\b`, false},
		{"/api/v1/namespaces/a\x00/pods", false},
		{"/api/v1/namespaces/a\n/pods", false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			err := checkAPIPath(tt.path)
			if tt.ok {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, ErrBadPath)
			}
		})
	}
}

func TestClusterAPIPath(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"/clusters/demo/api/v1/pods": "/api/v1/pods",
		"/clusters/demo/":            "/",
		"/clusters/demo/../x":        "/../x",
		"/clusters/demo":             "",
		"/config":                    "",
	} {
		got, ok := clusterAPIPath(in)
		assert.Equal(t, want, got, in)
		assert.Equal(t, want != "", ok, in)
	}
}

func TestHostAllowed(t *testing.T) {
	t.Parallel()
	g, err := newGuard(nil, []string{"kubelive.internal", "lan.example:9000", ".corp.example", "::2"})
	require.NoError(t, err)
	unknown, err := newGuard(nil, nil) // ServeHTTP without Serve: the port is not known
	require.NoError(t, err)
	lan, err := newGuard(nil, nil)
	require.NoError(t, err)
	g.listen.Store(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080})
	lan.listen.Store(&net.TCPAddr{IP: net.ParseIP("192.168.1.5"), Port: 8080})
	tests := []struct {
		g    *guard
		host string
		ok   bool
	}{
		{g, "127.0.0.1:8080", true},
		{g, "localhost:8080", true},
		{g, "LOCALHOST:8080", true},
		{g, "[::1]:8080", true},
		{g, "localhost:8081", false},
		{g, "localhost", false}, // port 80
		{g, "evil.example:8080", false},
		{g, "127.0.0.1.evil.example:8080", false},
		{g, "localhost.evil.example:8080", false},
		{g, "", false},
		{g, "kubelive.internal:1234", true},
		{g, "kubelive.internal", true},
		{g, "lan.example:9000", true},
		{g, "lan.example:9001", false},
		{g, "a.corp.example:1", true},
		{g, "corp.example", true},
		{g, "evilcorp.example", false},
		{g, "[::2]:5", true},
		{g, "192.168.1.5:8080", false},
		{unknown, "127.0.0.1:41234", true},
		{unknown, "localhost:1", true},
		{unknown, "evil.example:41234", false},
		{lan, "192.168.1.5:8080", true},
		{lan, "192.168.1.5:8081", false},
		{lan, "localhost:8080", true},
		{lan, "192.168.1.6:8080", false},
	}
	for _, tt := range tests {
		err := tt.g.hostAllowed(tt.host)
		if tt.ok {
			assert.NoError(t, err, tt.host)
		} else {
			assert.ErrorIs(t, err, ErrHostNotAllowed, tt.host)
			assert.ErrorContains(t, err, "--allow-host", tt.host)
		}
	}
	_, err = newGuard(nil, []string{"http://x"})
	assert.Error(t, err, "a URL is not a host")
}

func TestOriginVerdict(t *testing.T) {
	t.Parallel()
	g, err := newGuard([]string{"localhost:*", "https://*.trusted.example"}, nil)
	require.NoError(t, err)
	r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8080/wsMultiplexer", nil)
	for origin, ok := range map[string]bool{
		"":                             true,
		"http://127.0.0.1:8080":        true,
		"https://127.0.0.1:8080":       true, // coder/websocket compares hosts only
		"http://localhost:5173":        true,
		"https://a.trusted.example":    true,
		"http://a.trusted.example":     false,
		"http://127.0.0.1:8081":        false,
		"http://evil.example":          false,
		"null":                         false,
		"http://127.0.0.1:8080.evil":   false,
		"http://evil.example/?127.0.0": false,
	} {
		err := g.OriginVerdict(r, origin)
		if ok {
			assert.NoError(t, err, origin)
		} else {
			assert.ErrorIs(t, err, ErrOriginNotAllowed, origin)
			assert.ErrorContains(t, err, "--allow-origin", origin)
			assert.ErrorContains(t, err, origin)
		}
	}
}

func TestCheckContentType(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		method, ct, body string
		ok               bool
	}{
		{"POST", "application/json", "{}", true},
		{"POST", "application/json; charset=utf-8", "{}", true},
		{"POST", "application/yaml", "a: 1", true},
		{"PATCH", "application/merge-patch+json", "{}", true},
		{"PATCH", "application/strategic-merge-patch+json", "{}", true},
		{"PATCH", "application/json-patch+json", "[]", true},
		{"PATCH", "application/apply-patch+yaml", "a: 1", true},
		{"DELETE", "", "", true},
		{"POST", "", "{}", false},
		{"POST", "", "", false},
		{"PUT", "text/plain", "{}", false},
		{"POST", "application/x-www-form-urlencoded", "a=1", false},
		{"POST", "multipart/form-data; boundary=x", "", false},
		{"DELETE", "", "{}", false},
		{"POST", "application/json;;", "{}", false},
	} {
		r := httptest.NewRequest(tt.method, "/clusters/demo/api/v1/pods", strings.NewReader(tt.body))
		if tt.ct != "" {
			r.Header.Set("Content-Type", tt.ct)
		}
		err := checkContentType(r)
		if tt.ok {
			assert.NoError(t, err, "%s %q", tt.method, tt.ct)
		} else {
			assert.ErrorIs(t, err, ErrContentType, "%s %q", tt.method, tt.ct)
		}
	}
}

func TestVerb(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ method, path, query, want string }{
		{"GET", "/api/v1/pods", "", VerbList},
		{"GET", "/api/v1/namespaces", "", VerbList},
		{"GET", "/api/v1/namespaces/default", "", VerbGet},
		{"GET", "/api/v1/namespaces/default/pods", "limit=5", VerbList},
		{"GET", "/api/v1/namespaces/default/pods/web", "", VerbGet},
		{"GET", "/api/v1/namespaces/default/pods/web/log", "follow=true", VerbGet},
		{"GET", "/api/v1/namespaces/default/pods", "watch=1", VerbWatch},
		{"GET", "/api/v1/namespaces/default/pods", "watch=true", VerbWatch},
		{"GET", "/api/v1/namespaces/default/pods", "watch=false", VerbList},
		{"GET", "/api/v1/watch/namespaces/default/pods", "", VerbWatch},
		{"GET", "/apis/apps/v1/namespaces/default/deployments", "", VerbList},
		{"GET", "/apis/apps/v1/namespaces/default/deployments/d", "", VerbGet},
		{"GET", "/apis/apps/v1/deployments", "watch=1", VerbWatch},
		{"GET", "/apis", "", VerbGet},
		{"GET", "/version", "", VerbGet},
		{"HEAD", "/api/v1/pods", "", VerbList},
		{"POST", "/api/v1/namespaces/default/pods", "", VerbPost},
		{"PUT", "/api/v1/namespaces/default/pods/web", "", VerbPut},
		{"PATCH", "/api/v1/namespaces/default/pods/web", "", VerbPatch},
		{"DELETE", "/api/v1/namespaces/default/pods", "", VerbDelete},
		{"OPTIONS", "/api/v1/pods", "", ""},
	} {
		q, err := url.ParseQuery(tt.query)
		require.NoError(t, err)
		assert.Equal(t, tt.want, Verb(tt.method, tt.path, q), "%s %s?%s", tt.method, tt.path, tt.query)
	}
}

func TestWebsocketRoute(t *testing.T) {
	t.Parallel()
	for p, want := range map[string]string{
		"/wsMultiplexer": RouteMux,
		"/clusters/demo/api/v1/namespaces/d/pods/p/exec":   RouteExec,
		"/clusters/demo/api/v1/namespaces/d/pods/p/attach": RouteAttach,
		"/clusters/demo/api/v1/namespaces/d/pods/p/log":    RouteLog,
		"/clusters/demo/api/v1/pods":                       RouteWatch,
	} {
		assert.Equal(t, want, websocketRoute(p), p)
	}
}

// BenchmarkGuardCheck measures the guard's cost per request: a cluster LIST and a write.
func BenchmarkGuardCheck(b *testing.B) {
	g, err := newGuard([]string{"localhost:*"}, []string{"kubelive.internal"})
	require.NoError(b, err)
	g.listen.Store(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080})
	list := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8080/clusters/demo/api/v1/namespaces/default/pods?limit=500", nil)
	write := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:8080/clusters/demo/api/v1/namespaces/default/configmaps", strings.NewReader("{}"))
	write.Header.Set("Origin", "http://127.0.0.1:8080")
	write.Header.Set("Sec-Fetch-Site", "same-origin")
	write.Header.Set("Content-Type", "application/json")
	for b.Loop() {
		if _, err := g.check(list); err != nil {
			b.Fatal(err)
		}
		if _, err := g.check(write); err != nil {
			b.Fatal(err)
		}
	}
}
