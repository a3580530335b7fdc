package live

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/backoff"
	"github.com/kubelive/kubelive/internal/conntest"
	"github.com/kubelive/kubelive/internal/transport"
)

func dial(t *testing.T, d transport.Dialer, fake *conntest.Dialer, url string) (transport.Conn, *conntest.Conn) {
	t.Helper()
	type res struct {
		c   transport.Conn
		err error
	}
	out := make(chan res, 1)
	go func() {
		c, err := d.Dial(context.Background(), url, transport.DialOptions{})
		out <- res{c, err}
	}()
	fc := nextDial(t, fake, url).Accept("v4." + url[len(url)-1:])
	r := <-out
	require.NoError(t, r.err)
	return r.c, fc
}

// stats lists exactly the tracked sockets that are open, by URL, with
// what each received.
func TestTrackedDialerListsTheOpenSockets(t *testing.T) {
	t.Parallel()
	fake := conntest.NewDialer()
	td := NewTrackedDialer(fake, "ws://backend.test", "watch")
	b, fb := dial(t, td, fake, "ws://backend.test/clusters/c%2F1/api/v1/pods?watch=b")
	a, _ := dial(t, td, fake, "ws://backend.test/api/v1/pods?watch=a")
	fb.PushText("12345", "678")
	frames, err := b.Recv(context.Background())
	require.NoError(t, err)
	require.Len(t, frames, 2)
	assert.Equal(t, []Socket{
		{Cluster: "", Path: "api/v1/pods?watch=a", Protocol: "v4.a", Kind: "watch"},
		{Cluster: "c%2F1", Path: "api/v1/pods?watch=b", Protocol: "v4.b", Kind: "watch", MessagesIn: 2, BytesIn: 8},
	}, td.Sockets())
	require.NoError(t, b.Close(transport.CloseNormal, ""))
	assert.Equal(t, []string{"api/v1/pods?watch=a"}, paths(td.Sockets()))
	require.NoError(t, a.Close(transport.CloseNormal, ""))
	assert.Empty(t, td.Sockets())
	assert.Same(t, fb, b.(*TrackedConn).Unwrap())

	go func() { _, _ = td.Dial(context.Background(), "ws://backend.test/x", transport.DialOptions{}) }()
	nextDial(t, fake, "ws://backend.test/x").Fail(errors.New("refused"))
	assert.Empty(t, td.Sockets(), "a failed dial is no socket")
}

func paths(ss []Socket) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.Path
	}
	return out
}

func TestClusterOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		url, cluster string
		ok           bool
	}{
		{"ws://b.test/clusters/c1/api/v1/pods?watch=1", "c1", true},
		{"ws://b.test/clusters/my%2Fcluster/api", "my/cluster", true},
		{"ws://b.test/clusters/c1", "c1", true},
		{"ws://b.test/wsMultiplexer", "", false},
		{"ws://b.test/api/v1/pods", "", false},
	} {
		c, ok := clusterOf("ws://b.test", tc.url)
		assert.Equal(t, tc.ok, ok, tc.url)
		assert.Equal(t, tc.cluster, c, tc.url)
	}
}

// An opened socket kicks the retries of its cluster; the multiplexer's,
// which names none, kicks every cluster's.
func TestReachDialerKicksWhatTheSocketProves(t *testing.T) {
	t.Parallel()
	fake := conntest.NewDialer()
	reach := &backoff.Reach{}
	d := NewReachDialer(fake, reach, "ws://backend.test")
	c1, c2 := reach.C("c1"), reach.C("c2")
	dial(t, d, fake, "ws://backend.test/clusters/c1/api/v1/pods?watch=1")
	assert.True(t, isClosed(c1), "c1's socket kicks c1")
	assert.False(t, isClosed(c2), "but not c2")
	dial(t, d, fake, "ws://backend.test/wsMultiplexer")
	assert.True(t, isClosed(c2), "the multiplexer's socket kicks every cluster")

	c3 := reach.C("c3")
	done := make(chan error, 1)
	go func() {
		_, err := d.Dial(context.Background(), "ws://backend.test/clusters/c3/x", transport.DialOptions{})
		done <- err
	}()
	nextDial(t, fake, "ws://backend.test/clusters/c3/x").Fail(errors.New("refused"))
	require.Error(t, <-done)
	assert.False(t, isClosed(c3), "a failed dial proves nothing")
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
