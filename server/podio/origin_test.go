package podio

import (
	"net/http"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCrossOriginStreamsAreRefusedBeforeTheyStart: exec, attach and log upgrades from a
// foreign Origin get 403 and nothing runs: the command's side effect (a log line) never
// happens and no stream is tracked. The same exec without an Origin (not a browser) runs.
func TestCrossOriginStreamsAreRefusedBeforeTheyStart(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, nil)
	ctx := testCtx(t)
	const run = "/api/v1/namespaces/default/pods/web-1/exec?command=log&command=pwned&stdout=true"
	for _, path := range []string{
		run,
		"/api/v1/namespaces/default/pods/web-1/attach?stdin=true&stdout=true",
		"/api/v1/namespaces/default/pods/web-1/log?follow=true",
	} {
		_, resp, err := websocket.Dial(ctx, e.wsBase+path, &websocket.DialOptions{
			HTTPHeader:   http.Header{"Origin": {"http://evil.example"}},
			Subprotocols: []string{"v5.channel.k8s.io", "base64.binary.k8s.io"},
		})
		require.Error(t, err, path)
		require.NotNil(t, resp, path)
		assert.Equal(t, http.StatusForbidden, resp.StatusCode, path)
	}
	assert.Zero(t, e.track.Live(), "a refused stream was started")
	assert.Empty(t, e.track.added, "a refused stream was tracked")
	for _, l := range e.logs.Lines(webApp) {
		assert.NotContains(t, l.Text, "pwned", "the refused command ran")
	}

	conn := e.dial(t, ctx, run, "v5.channel.k8s.io")
	_, _, err := conn.Read(ctx)
	for err == nil {
		_, _, err = conn.Read(ctx)
	}
	var ran bool
	for _, l := range e.logs.Lines(webApp) {
		ran = ran || strings.Contains(l.Text, "pwned")
	}
	assert.True(t, ran, "the same exec without a foreign Origin runs")
}
