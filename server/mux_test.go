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

	"github.com/kubelive/kubelive/internal/endpoint"
	"github.com/kubelive/kubelive/internal/mux"
	"github.com/kubelive/kubelive/internal/muxwire"
	"github.com/kubelive/kubelive/internal/transport"
	"github.com/kubelive/kubelive/server"
	"github.com/kubelive/kubelive/server/embedded"
	"github.com/kubelive/kubelive/server/faults"
	"github.com/kubelive/kubelive/server/muxserver"
	"github.com/kubelive/kubelive/server/muxserver/muxtest"
)

// TestMultiplexerOverEmbeddedCluster mounts /wsMultiplexer over the embedded
// cluster (in-process upstream) and follows a watch through quiet periods.
func TestMultiplexerOverEmbeddedCluster(t *testing.T) {
	t.Parallel()
	inj := faults.New()
	store := embedded.NewStore(embedded.Options{History: 100, Seed: 3})
	h := embedded.NewHandler(store, embedded.HandlerOptions{Faults: inj, BookmarkInterval: time.Hour, WatchTimeout: time.Hour})
	clusters := []server.Cluster{{Name: "demo", Source: "embedded", Handler: h}}
	mh, err := muxserver.New(muxserver.Options{Upstream: server.NewUpstream(clusters, server.UpstreamOptions{})})
	require.NoError(t, err)
	srv, err := server.New(server.Config{Clusters: clusters, Multiplexer: mh})
	require.NoError(t, err)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)

	ep, err := endpoint.New(ts.URL, "", "")
	require.NoError(t, err)
	c, err := mux.New(mux.Options{Dialer: muxtest.Dialer{}, Endpoint: ep})
	require.NoError(t, err)
	t.Cleanup(c.Close)
	_, err = store.Create("namespaces", "", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "q"}})
	require.NoError(t, err)

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
