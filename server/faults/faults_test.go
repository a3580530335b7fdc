package faults

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDropAndMalformedMatchPaths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, sub     string
		wantDropped   []string
		wantMalformed int
	}{
		{name: "all", sub: "", wantDropped: []string{"pods", "cms", "log"}, wantMalformed: 2},
		{name: "by path", sub: "configmaps", wantDropped: []string{"cms"}, wantMalformed: 1},
		{name: "stream by path", sub: "/log", wantDropped: []string{"log"}},
		{name: "none", sub: "nothing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			i := New()
			var dropped []string
			var frames int
			i.TrackWatch("/clusters/demo/api/v1/pods?watch=1", KindWebSocket, func() { dropped = append(dropped, "pods") }, func([]byte) { frames++ })
			i.TrackWatch("/clusters/demo/api/v1/configmaps?watch=1", KindHTTP, func() { dropped = append(dropped, "cms") }, func([]byte) { frames++ })
			untrack := i.Track("/clusters/demo/api/v1/namespaces/a/pods/p/log", func() { dropped = append(dropped, "log") })
			assert.Equal(t, tt.wantMalformed, i.Malformed(tt.sub))
			assert.Equal(t, tt.wantMalformed, frames)
			assert.Equal(t, len(tt.wantDropped), i.Drop(tt.sub))
			assert.ElementsMatch(t, tt.wantDropped, dropped)
			untrack()
			untrack()
			assert.Equal(t, 2, i.State().Total)
		})
	}
}

func TestExpireNextCounts(t *testing.T) {
	t.Parallel()
	i := New()
	assert.False(t, i.TakeExpire())
	i.ExpireNext()
	i.ExpireNext()
	assert.Equal(t, 2, i.State().ExpireNext)
	assert.True(t, i.TakeExpire())
	assert.True(t, i.TakeExpire())
	assert.False(t, i.TakeExpire())
}

func TestPauseHoldsThenReleases(t *testing.T) {
	t.Parallel()
	i := New()
	require.NoError(t, i.Hold(t.Context()), "not paused: no wait")
	start := time.Now()
	i.Pause(50 * time.Millisecond)
	i.Pause(100 * time.Millisecond) // extends
	require.NoError(t, i.Hold(t.Context()))
	assert.GreaterOrEqual(t, time.Since(start), 100*time.Millisecond)
	assert.False(t, i.State().Paused)

	i.Pause(time.Hour)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	assert.ErrorIs(t, i.Hold(ctx), context.Canceled)
}

func TestRefuseEndsOnItsOwn(t *testing.T) {
	t.Parallel()
	i := New()
	assert.False(t, i.Refusing(), "nothing armed")
	i.Refuse(time.Hour)
	i.Refuse(time.Millisecond) // a shorter refusal does not shorten the one armed
	assert.True(t, i.Refusing())
	assert.True(t, i.State().Refusing)

	j := New()
	j.Refuse(30 * time.Millisecond)
	require.True(t, j.Refusing())
	require.Eventually(t, func() bool { return !j.Refusing() }, 5*time.Second, 5*time.Millisecond, "the refusal ends")
}

func TestAdminHandler(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(New().Handler())
	defer ts.Close()
	tests := []struct {
		method, path string
		code         int
	}{
		{http.MethodPost, "/admin/drop", 200},
		{http.MethodPost, "/admin/pause?ms=5", 200},
		{http.MethodPost, "/admin/pause?ms=x", 400},
		{http.MethodPost, "/admin/malformed?path=x", 200},
		{http.MethodPost, "/admin/expire-next", 200},
		{http.MethodPost, "/admin/refuse?ms=5", 200},
		{http.MethodPost, "/admin/refuse?ms=0", 400},
		{http.MethodPost, "/admin/oversize?bytes=100", 200},
		{http.MethodPost, "/admin/oversize?bytes=0", 400},
		{http.MethodPost, "/admin/oversize?bytes=300000000", 400},
		{http.MethodGet, "/admin/state", 200},
		{http.MethodGet, "/admin/drop", 405},
		{http.MethodPost, "/admin/unknown", 404},
	}
	for _, tt := range tests {
		req, err := http.NewRequest(tt.method, ts.URL+tt.path, nil)
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, tt.code, resp.StatusCode, "%s %s", tt.method, tt.path)
	}
}

func TestOversizeIsAValidEventOfTheAskedSize(t *testing.T) {
	t.Parallel()
	i := New()
	var got []byte
	i.TrackWatch("/clusters/demo/api/v1/pods?watch=1", KindWebSocket, func() {}, func(f []byte) { got = f })
	require.Equal(t, 1, i.Oversize("pods", 1<<20))
	assert.Len(t, got, 1<<20)
	var ev struct {
		Type   string
		Object struct {
			Metadata struct{ Name, ResourceVersion string }
		}
	}
	require.NoError(t, json.Unmarshal(got, &ev))
	assert.Equal(t, "MODIFIED", ev.Type)
	assert.Equal(t, "oversize", ev.Object.Metadata.Name)
}
