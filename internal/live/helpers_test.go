package live

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/cache"
	"github.com/kubelive/kubelive/internal/conntest"
	"github.com/kubelive/kubelive/internal/endpoint"
	"github.com/kubelive/kubelive/internal/muxwire"
	"github.com/kubelive/kubelive/internal/transport"
)

const waitFor = 5 * time.Second

// answer is what the fake backend replies to one URL.
type answer struct {
	status int
	body   string
	err    error
}

// fakeFetcher answers GETs from a table of URLs (404 for any other) and
// records every request.
type fakeFetcher struct {
	answers map[string]answer

	mu     sync.Mutex
	gets   []string
	probes []string
}

func (f *fakeFetcher) reply(url string) (int, []byte, error) {
	a, ok := f.answers[url]
	if !ok {
		return 404, nil, nil
	}
	return a.status, []byte(a.body), a.err
}

func (f *fakeFetcher) Get(_ context.Context, url string, _ endpoint.Secret) (int, []byte, error) {
	f.mu.Lock()
	f.gets = append(f.gets, url)
	f.mu.Unlock()
	return f.reply(url)
}

func (f *fakeFetcher) Probe(_ context.Context, url string, _ endpoint.Secret) (int, []byte, error) {
	f.mu.Lock()
	f.probes = append(f.probes, url)
	f.mu.Unlock()
	return f.reply(url)
}

func (f *fakeFetcher) probed() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.probes...)
}

func testEndpoint(t *testing.T) endpoint.Endpoint {
	t.Helper()
	ep, err := endpoint.New("http://backend.test", "tok", "u1")
	require.NoError(t, err)
	return ep
}

// pods is the target of the pods of namespace ns in cluster c1.
func pods(ns string) cache.Target {
	return cache.Target{ListRef: cache.ListRef{Cluster: "c1", Namespace: ns},
		Endpoint: cache.Endpoint{Version: "v1", Resource: "pods"}}
}

// nextDial takes the next dial attempt, which must be to url.
func nextDial(t *testing.T, d *conntest.Dialer, url string) *conntest.Attempt {
	t.Helper()
	a := d.Next(waitFor)
	require.NotNil(t, a, "no dial of %s", url)
	require.Equal(t, url, a.URL)
	return a
}

// requests waits for n msgpack messages sent on conn and returns them.
func requests(t *testing.T, conn *conntest.Conn, n int) []muxwire.Message {
	t.Helper()
	var out []muxwire.Message
	require.Eventually(t, func() bool {
		out = nil
		for _, f := range conn.Sent() {
			b, err := muxwire.DecodeMsgp(f.Data, 0)
			require.NoError(t, err)
			out = append(out, b...)
		}
		return len(out) >= n
	}, waitFor, time.Millisecond, "want %d messages sent", n)
	return out
}

// serve sends msgpack messages to the client, as one frame.
func serve(t *testing.T, conn *conntest.Conn, ms ...muxwire.Message) {
	t.Helper()
	b, err := muxwire.EncodeMsgp(nil, ms)
	require.NoError(t, err)
	conn.Push(transport.Frame{Binary: true, Size: len(b), Data: b})
}

func replyTo(req muxwire.Message, k muxwire.Kind) muxwire.Message {
	return muxwire.Message{Kind: k, ID: req.ID, Cluster: req.Cluster, Path: req.Path, Query: req.Query, UserID: req.UserID}
}
