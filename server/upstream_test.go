package server

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lines is a cluster handler that streams a fixed chunked watch, or refuses.
type lines struct{ body string }

func (l lines) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.Contains(r.URL.RawQuery, "abort") {
		_, _ = io.WriteString(w, "{\"a\":1}\n")
		panic(http.ErrAbortHandler)
	}
	if strings.Contains(r.URL.RawQuery, "forbid") {
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, `{"kind":"Status","code":403,"message":"no"}`)
		return
	}
	if r.Header.Get("Authorization") != "Bearer tok" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	for _, chunk := range []string{l.body[:7], l.body[7:]} { // split inside a line
		_, _ = io.WriteString(w, chunk)
		w.(http.Flusher).Flush()
	}
}

func TestUpstreamStreamsLinesAndReportsRefusals(t *testing.T) {
	t.Parallel()
	u := NewUpstream([]Cluster{{Name: "c", Handler: lines{body: "{\"a\":1}\n{\"b\":2}\n"}}}, UpstreamOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	hdr := http.Header{"Sec-Websocket-Protocol": {"kubelive.mux.v1.msgpack, base64url.bearer.authorization.k8s.io.dG9r"}}

	conn, err := u.Dial(ctx, "c", "/api/v1/pods", "watch=1", hdr)
	require.NoError(t, err)
	for _, want := range []string{`{"a":1}`, `{"b":2}`} {
		_, data, err := conn.Read(ctx)
		require.NoError(t, err)
		assert.Equal(t, want, string(data))
	}
	_, _, err = conn.Read(ctx)
	assert.ErrorIs(t, err, io.EOF)
	require.NoError(t, conn.Close())

	conn, err = u.Dial(ctx, "c", "/api/v1/pods", "watch=1&abort=1", hdr)
	require.NoError(t, err)
	_, _, err = conn.Read(ctx)
	require.NoError(t, err)
	_, _, err = conn.Read(ctx)
	assert.ErrorIs(t, err, io.EOF, "an aborted handler ends the stream, it does not crash the server")

	_, err = u.Dial(ctx, "c", "/api/v1/pods", "watch=1&forbid=1", hdr)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "HTTP 403")
	_, err = u.Dial(ctx, "c", "/api/v1/pods", "watch=1", http.Header{})
	assert.ErrorContains(t, err, "HTTP 401")
	_, err = u.Dial(ctx, "nope", "/api/v1/pods", "watch=1", hdr)
	assert.ErrorIs(t, err, ErrUnknownCluster)
}
