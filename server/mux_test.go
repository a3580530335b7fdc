package server_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubelive/kubelive/internal/cache"
	"github.com/kubelive/kubelive/internal/endpoint"
	"github.com/kubelive/kubelive/internal/live"
	"github.com/kubelive/kubelive/internal/mux"
	"github.com/kubelive/kubelive/internal/muxwire"
	"github.com/kubelive/kubelive/internal/reflector"
	"github.com/kubelive/kubelive/internal/transport"
	"github.com/kubelive/kubelive/server"
	"github.com/kubelive/kubelive/server/embedded"
	"github.com/kubelive/kubelive/server/faults"
	"github.com/kubelive/kubelive/server/muxserver"
	"github.com/kubelive/kubelive/server/muxserver/muxtest"
)

// muxOverEmbedded serves /wsMultiplexer over an embedded cluster "demo"
// (in-process upstream, faults armed through inj) holding namespace q, and
// returns a mux client of it.
func muxOverEmbedded(t *testing.T) (inj *faults.Injector, store *embedded.Store, ep endpoint.Endpoint, c *mux.Client) {
	t.Helper()
	inj = faults.New()
	store = embedded.NewStore(embedded.Options{History: 100, Seed: 3})
	h := embedded.NewHandler(store, embedded.HandlerOptions{Faults: inj, BookmarkInterval: time.Hour, WatchTimeout: time.Hour})
	clusters := []server.Cluster{{Name: "demo", Source: "embedded", Handler: h}}
	mh, err := muxserver.New(muxserver.Options{Upstream: server.NewUpstream(clusters, server.UpstreamOptions{})})
	require.NoError(t, err)
	srv, err := server.New(server.Config{Clusters: clusters, Multiplexer: mh})
	require.NoError(t, err)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	ep, err = endpoint.New(ts.URL, "", "")
	require.NoError(t, err)
	c, err = mux.New(mux.Options{Dialer: muxtest.Dialer{}, Endpoint: ep})
	require.NoError(t, err)
	t.Cleanup(c.Close)
	_, err = store.Create("namespaces", "", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "q"}})
	require.NoError(t, err)
	return inj, store, ep, c
}

// TestMultiplexerOverEmbeddedCluster mounts /wsMultiplexer over the embedded
// cluster (in-process upstream) and follows a watch through quiet periods.
func TestMultiplexerOverEmbeddedCluster(t *testing.T) {
	t.Parallel()
	inj, store, _, c := muxOverEmbedded(t)

	var mu sync.Mutex
	var got []string
	key, err := muxwire.NewKey("demo", "/api/v1/namespaces/q/pods", "watch=1&resourceVersion="+store.ResourceVersion())
	require.NoError(t, err)
	_, err = c.Subscribe(key, mux.Listener{OnData: func(f transport.Frame) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, string(f.Data))
		return nil
	}})
	require.NoError(t, err)
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(got) }
	pod := func(name string) {
		_, err := store.Create("pods", "q", &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "x"}}}})
		require.NoError(t, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.Eventually(t, func() bool { return c.Stats().State == mux.StateOpen }, 5*time.Second, time.Millisecond)
	pod("a")
	require.Eventually(t, func() bool { return count() == 1 }, 5*time.Second, time.Millisecond)
	<-time.After(1500 * time.Millisecond) // a quiet period, then more events
	pod("b")
	require.Eventually(t, func() bool { return count() == 2 }, 5*time.Second, time.Millisecond, "events after a quiet period")
	_ = ctx
	assert.True(t, strings.Contains(got[1], `"name":"b"`))
	// A malformed frame is relayed as it is (the client's reflector judges
	// it), and the watch goes on.
	require.Equal(t, 1, inj.Malformed("/namespaces/q/pods"))
	pod("c")
	require.Eventually(t, func() bool { return count() == 4 }, 5*time.Second, time.Millisecond, "the malformed frame, then more events")
	assert.Equal(t, "{not json", got[2])
	assert.True(t, strings.Contains(got[3], `"name":"c"`))
}

// TestMultiplexedResumeFromAnExpiredVersionGetsThe410 follows a list's
// resume over /wsMultiplexer from a resourceVersion the server no longer
// serves (a forced 410): the watch the client's MuxSource returns delivers
// the ERROR event Expired, so that the Reflector relists, as per URL.
func TestMultiplexedResumeFromAnExpiredVersionGetsThe410(t *testing.T) {
	t.Parallel()
	inj, store, ep, c := muxOverEmbedded(t)
	rv := store.ResourceVersion()

	lw := live.NewMuxSource(live.NewSource(ep, nil, nil), c, nil, nil).ListerWatcher(cache.Target{
		ListRef: cache.ListRef{Cluster: "demo", Namespace: "q"}, Endpoint: cache.Endpoint{Version: "v1", Resource: "pods"}})
	inj.ExpireNext()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	w, err := lw.Watch(ctx, reflector.WatchOptions{ResourceVersion: rv, AllowWatchBookmarks: true})
	require.NoError(t, err, "the server answered the watch: its event is the Reflector's")
	defer w.Close()
	assert.Zero(t, inj.State().ExpireNext, "the resume took the forced 410")
	frames, err := w.Next(ctx)
	require.NoError(t, err)
	require.Len(t, frames, 1)
	assert.Contains(t, string(frames[0]), `"type":"ERROR"`)
	assert.Contains(t, string(frames[0]), `"reason":"Expired"`)
	assert.Contains(t, string(frames[0]), `"code":410`)
	_, err = w.Next(ctx)
	require.ErrorContains(t, err, "upstream watch ended", "then the watch ends")
}
