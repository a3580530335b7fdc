package wsx

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/stretchr/testify/assert"
)

func TestSelect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		offered []string
		want    string
	}{
		{name: "none", want: ""},
		{name: "one", offered: []string{"v4.channel.k8s.io"}, want: "v4.channel.k8s.io"},
		{name: "preferred first", offered: []string{"x", Binary, Base64Binary}, want: Base64Binary},
		{name: "second preference", offered: []string{"x", Binary}, want: Binary},
		{name: "bearer never", offered: []string{BearerPrefix + "dG9rZW4"}, want: ""},
		{name: "headlamp user never", offered: []string{HeadlampUserPrefix + "dXNlcg", "y"}, want: "y"},
		{name: "bearer beside one", offered: []string{BearerPrefix + "dG9rZW4", Base64Binary}, want: Base64Binary},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, Select(tt.offered, Base64Binary, Binary))
		})
	}
}

func TestOffered(t *testing.T) {
	t.Parallel()
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	r.Header.Add("Sec-WebSocket-Protocol", "a, b")
	r.Header.Add("Sec-WebSocket-Protocol", "c")
	assert.Equal(t, []string{"a", "b", "c"}, Offered(r))
	r.Header.Set("Upgrade", "WebSocket")
	assert.True(t, IsUpgrade(r))
}

func TestKeepAliveCutsAPeerThatNeverAnswers(t *testing.T) {
	t.Parallel()
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		ctx := c.CloseRead(r.Context()) // the reader that would see the pong
		KeepAlive(ctx, c, 20*time.Millisecond, 50*time.Millisecond)
		close(done)
	}))
	t.Cleanup(srv.Close)
	// A client that never reads never answers a ping.
	c, _, err := websocket.Dial(context.Background(), "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	require.NoError(t, err)
	defer c.CloseNow()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a silent peer was never cut")
	}
}

func TestKeepAliveKeepsAnAnsweringPeer(t *testing.T) {
	t.Parallel()
	pings := make(chan struct{}, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		ctx := c.CloseRead(r.Context())
		ctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		KeepAlive(ctx, c, 20*time.Millisecond, time.Second)
		if ctx.Err() == context.DeadlineExceeded {
			pings <- struct{}{} // survived until the deadline: every ping answered
		}
	}))
	t.Cleanup(srv.Close)
	c, _, err := websocket.Dial(context.Background(), "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	require.NoError(t, err)
	defer c.CloseNow()
	go func() { _, _, _ = c.Read(context.Background()) }() // answers pings
	select {
	case <-pings:
	case <-time.After(5 * time.Second):
		t.Fatal("an answering peer was cut")
	}
}
