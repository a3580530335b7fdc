package live

import (
	"context"
	"errors"
	"slices"
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

// An answer after a request got none kicks what it proves: a cluster's URL
// that cluster's retries, one that names no cluster every cluster's. A
// backend that answers all along, a request cancelled by its caller, and a
// second answer kick nothing.
func TestReachFetcherKicksWhenTheBackendComesBack(t *testing.T) {
	t.Parallel()
	const (
		c1     = "http://backend.test/clusters/c1/api/v1/pods?limit=500"
		c2     = "http://backend.test/clusters/c2/api/v1/pods?limit=500"
		config = "http://backend.test/config"
	)
	refused := answer{err: errors.New("fetch: Failed to fetch")}
	ok := answer{status: 200, body: "{}"}
	type step struct {
		url  string
		a    answer
		kick []string // the clusters whose retries this answer releases
	}
	cases := []struct {
		name  string
		steps []step
	}{
		{"answers all along", []step{{c1, ok, nil}, {c1, answer{status: 403}, nil}, {c1, ok, nil}}},
		{"refused, then back", []step{{c1, refused, nil}, {c1, ok, []string{"c1"}}, {c1, ok, nil}}},
		{"a proxy's 503, then back", []step{{c1, answer{status: 503}, nil}, {c1, answer{status: 404}, []string{"c1"}}}},
		{"another cluster's return proves nothing of this one", []step{{c1, refused, nil}, {c2, ok, nil}, {c1, ok, []string{"c1"}}}},
		{"the backend's own URL, back, kicks every cluster", []step{{config, refused, nil}, {config, ok, []string{"c1", "c2"}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			reach := &backoff.Reach{}
			f := &fakeFetcher{answers: map[string]answer{}}
			rf := NewReachFetcher(f, reach, "http://backend.test")
			for i, s := range tc.steps {
				f.mu.Lock()
				f.answers[s.url] = s.a
				f.mu.Unlock()
				waits := map[string]<-chan struct{}{"c1": reach.C("c1"), "c2": reach.C("c2")}
				get := rf.Get
				if i%2 == 1 {
					get = rf.Probe // both ways of asking count
				}
				_, _, _ = get(context.Background(), s.url, "")
				for _, c := range []string{"c1", "c2"} {
					assert.Equal(t, slices.Contains(s.kick, c), isClosed(waits[c]), "step %d: %s kicked", i, c)
				}
			}
		})
	}

	t.Run("a request its caller cancelled", func(t *testing.T) {
		t.Parallel()
		reach := &backoff.Reach{}
		f := &fakeFetcher{answers: map[string]answer{c1: refused}}
		rf := NewReachFetcher(f, reach, "http://backend.test")
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, _, _ = rf.Get(ctx, c1, "")
		f.mu.Lock()
		f.answers[c1] = ok
		f.mu.Unlock()
		wait := reach.C("c1")
		_, _, _ = rf.Get(context.Background(), c1, "")
		assert.False(t, isClosed(wait), "a cancelled request is not the backend down")
	})
}
