package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGuardFlagsAndMetrics: --allow-host reaches the guard, /metrics is served with the
// metrics main registers, and a bad --allow-host stops the start with a clear error.
func TestGuardFlagsAndMetrics(t *testing.T) {
	t.Parallel()
	base, stop := startRun(t, "--churn", "0", "--allow-host", "kubelive.internal")
	port := base[strings.LastIndexByte(base, ':')+1:]
	get := func(host, path string) (int, string) {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, base+path, nil)
		require.NoError(t, err)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b)
	}
	code, _ := get("", "/clusters/demo/api/v1/pods?limit=1")
	require.Equal(t, http.StatusOK, code)
	code, body := get("kubelive.internal:"+port, "/metrics")
	require.Equal(t, http.StatusOK, code, body)
	for _, line := range []string{
		`kubelive_requests_total{cluster="demo",verb="LIST"} 1`, `kubelive_upstream_watches 0`,
		`kubelive_watches{cluster="demo"} 0`, `kubelive_websockets_open{route="exec"} 0`,
	} {
		assert.Contains(t, body, line+"\n")
	}
	code, body = get("evil.example:"+port, "/metrics")
	assert.Equal(t, http.StatusForbidden, code)
	assert.Contains(t, body, "--allow-host evil.example")
	require.NoError(t, stop())

	err := run(t.Context(), []string{"--addr", "127.0.0.1:0", "--static", "", "--churn", "0", "--allow-host", "http://x"}, io.Discard, io.Discard)
	assert.ErrorContains(t, err, `allowed host "http://x"`)
}
