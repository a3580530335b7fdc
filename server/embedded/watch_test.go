package embedded

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubelive/kubelive/server/wsx"
)

func createCM(t *testing.T, s *Store, ns, name string) *Stored {
	t.Helper()
	st, err := s.Create(ConfigMaps, ns, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}})
	require.NoError(t, err)
	return st
}

func TestWatchResourceVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		query      func(afterFirst string) string
		wantAdded  []string // synthetic ADDED names, then the bookmark if wantEnd
		wantEnd    bool
		wantReplay bool // "second" is replayed from history
	}{
		{name: "unset", query: func(string) string { return "" }, wantAdded: []string{"first", "kube-root-ca.crt", "nginx-config", "redis-config", "second"}},
		{name: "zero", query: func(string) string { return "&resourceVersion=0" }, wantAdded: []string{"first", "kube-root-ca.crt", "nginx-config", "redis-config", "second"}},
		{name: "exact", query: func(rv string) string { return "&resourceVersion=" + rv }, wantReplay: true},
		{name: "initial events", query: func(string) string {
			return "&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true"
		}, wantAdded: []string{"first", "kube-root-ca.crt", "nginx-config", "redis-config", "second"}, wantEnd: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newCluster(t, Options{}, HandlerOptions{BookmarkInterval: time.Hour})
			first := createCM(t, c.store, "default", "first")
			createCM(t, c.store, "default", "second")
			w := c.watch(t, "/api/v1/namespaces/default/configmaps?watch=1"+tt.query(first.Object.GetResourceVersion()))
			require.Equal(t, http.StatusOK, w.code)
			for _, name := range tt.wantAdded {
				e := w.next(t)
				assert.Equal(t, "ADDED", e.Type)
				assert.Equal(t, name, e.meta(t).Name)
			}
			if tt.wantEnd {
				e := w.next(t)
				assert.Equal(t, "BOOKMARK", e.Type)
				assert.Equal(t, fmt.Sprintf(`{"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":"%s","annotations":{"k8s.io/initial-events-end":"true"}}}}`,
					c.store.ResourceVersion()), e.raw)
			}
			if tt.wantReplay {
				e := w.next(t)
				assert.Equal(t, "ADDED", e.Type)
				assert.Equal(t, "second", e.meta(t).Name)
			}
			live := createCM(t, c.store, "default", "live")
			e := w.next(t)
			assert.Equal(t, "ADDED", e.Type)
			assert.Equal(t, live.Object.GetUID(), e.meta(t).UID)
			assert.Equal(t, live.Object.GetResourceVersion(), e.meta(t).ResourceVersion)
		})
	}
}

func TestWatchExpired(t *testing.T) {
	t.Parallel()
	for _, transport := range []string{"http", "websocket"} {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			c := newCluster(t, Options{History: 5}, HandlerOptions{})
			churn := NewChurn(c.store, 0, 5)
			for range 60 {
				require.NoError(t, churn.Step())
			}
			c.store.mu.RLock()
			oldest := c.store.tables[Pods].history.at(0).rv
			c.store.mu.RUnlock()
			want := fmt.Sprintf(`{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 5 (%d)","reason":"Expired","code":410}}`, oldest-1)
			path := "/api/v1/pods?watch=1&resourceVersion=5"
			if transport == "http" {
				w := c.watch(t, path)
				require.Equal(t, http.StatusOK, w.code)
				assert.Equal(t, want, w.next(t).raw)
				w.ended(t)
				return
			}
			conn := dialWS(t, c.url+path)
			frame := readFrame(t, conn)
			assert.Equal(t, want+"\n", frame)
			assertClosed(t, conn, websocket.StatusNormalClosure)
		})
	}
}

func TestWatchBookmarks(t *testing.T) {
	t.Parallel()
	c := newCluster(t, Options{}, HandlerOptions{BookmarkInterval: 20 * time.Millisecond})
	rv := c.store.ResourceVersion()
	w := c.watch(t, "/api/v1/namespaces/team-a/pods?watch=1&allowWatchBookmarks=true&resourceVersion="+rv)
	e := w.next(t)
	assert.Equal(t, fmt.Sprintf(`{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"%s"}}}`, rv), e.raw)
	// A bookmark carries the store's resourceVersion even when the writes are elsewhere, and
	// comes after every event before it.
	createCM(t, c.store, "default", "elsewhere")
	e = w.next(t)
	assert.Equal(t, "BOOKMARK", e.Type)
	for e.meta(t).ResourceVersion == rv {
		e = w.nextOf(t, "BOOKMARK")
	}
	assert.Equal(t, c.store.ResourceVersion(), e.meta(t).ResourceVersion)

	d := newCluster(t, Options{}, HandlerOptions{BookmarkInterval: 20 * time.Millisecond})
	w = d.watch(t, "/apis/apps/v1/deployments?watch=1&allowWatchBookmarks=true&resourceVersion="+d.store.ResourceVersion())
	assert.Contains(t, w.next(t).raw, `"kind":"Deployment","apiVersion":"apps/v1"`)
}

func TestWatchTimeout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		opts  HandlerOptions
		query string
	}{
		{name: "timeoutSeconds", opts: HandlerOptions{}, query: "&timeoutSeconds=1"},
		{name: "server default", opts: HandlerOptions{WatchTimeout: 50 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newCluster(t, Options{}, tt.opts)
			start := time.Now()
			w := c.watch(t, "/api/v1/pods?watch=true&resourceVersion="+c.store.ResourceVersion()+tt.query)
			w.ended(t)
			assert.Less(t, time.Since(start), 5*time.Second)
			conn := dialWS(t, c.url+"/api/v1/pods?watch=true&resourceVersion="+c.store.ResourceVersion()+tt.query)
			assertClosed(t, conn, websocket.StatusNormalClosure)
		})
	}
}

func TestWatchSelectorTransitions(t *testing.T) {
	t.Parallel()
	c := newCluster(t, Options{}, HandlerOptions{})
	w := c.watch(t, "/api/v1/pods?watch=1&labelSelector=tier%3Dfrontend&resourceVersion="+c.store.ResourceVersion())
	_, l, _ := c.list(t, "/api/v1/namespaces/team-a/pods")
	name := l.Items[0].Name
	patch := func(body string) *Stored {
		st, err := c.store.Patch(Pods, "team-a", name, "application/merge-patch+json", []byte(body))
		require.NoError(t, err)
		return st
	}
	steps := []struct {
		patch, want string
	}{
		{patch: `{"metadata":{"labels":{"tier":"frontend"}}}`, want: "ADDED"},
		{patch: `{"metadata":{"annotations":{"a":"b"}}}`, want: "MODIFIED"},
		{patch: `{"metadata":{"labels":{"tier":"backend"}}}`, want: "DELETED"},
		{patch: `{"metadata":{"annotations":{"a":"c"}}}`, want: ""},
		{patch: `{"metadata":{"labels":{"tier":"frontend"}}}`, want: "ADDED"},
	}
	for i, step := range steps {
		st := patch(step.patch)
		if step.want == "" {
			continue
		}
		e := w.next(t)
		require.Equal(t, step.want, e.Type, "step %d", i)
		assert.Equal(t, st.Object.GetResourceVersion(), e.meta(t).ResourceVersion, "step %d: the event's rv", i)
		if step.want == "DELETED" {
			assert.Equal(t, "frontend", e.meta(t).Labels["tier"], "DELETED carries the last matching state")
		}
	}
}

func TestWatchOverflowTerminates(t *testing.T) {
	t.Parallel()
	s := NewStore(Options{WatchQueue: 5, Now: fixedNow, Seed: 1})
	require.NoError(t, Seed(s, nil, 1))
	w, err := s.Watch(ConfigMaps, ListOptions{ResourceVersion: s.ResourceVersion()})
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 50 {
			createCM(t, s, "default", fmt.Sprintf("cm-%d", i))
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("writers blocked by a slow watcher")
	}
	_, err = w.Take()
	assert.ErrorIs(t, err, ErrOverflow)
	w.Stop()
	assert.Equal(t, 0, s.Watchers(ConfigMaps))
}

func dialWS(t *testing.T, url string, protocols ...string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	conn, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http"), &websocket.DialOptions{Subprotocols: protocols})
	require.NoError(t, err)
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	t.Cleanup(func() { _ = conn.CloseNow() })
	return conn
}

func readFrame(t *testing.T, conn *websocket.Conn) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	typ, data, err := conn.Read(ctx)
	require.NoError(t, err)
	require.Equal(t, websocket.MessageText, typ)
	return string(data)
}

func assertClosed(t *testing.T, conn *websocket.Conn, want websocket.StatusCode) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for {
		_, _, err := conn.Read(ctx)
		if err != nil {
			require.False(t, errors.Is(err, context.DeadlineExceeded), "socket not closed within 10s")
			assert.Equal(t, want, websocket.CloseStatus(err), "close status of %v", err)
			return
		}
	}
}

func TestWatchWebSocket(t *testing.T) {
	t.Parallel()
	c := newCluster(t, Options{}, HandlerOptions{})
	tests := []struct {
		name    string
		offered []string
		want    string
	}{
		{name: "base64 binary", offered: []string{"base64.binary.k8s.io"}, want: "base64.binary.k8s.io"},
		{name: "binary", offered: []string{"binary.k8s.io"}, want: "binary.k8s.io"},
		{name: "bearer beside one", offered: []string{"base64url.bearer.authorization.k8s.io.dG9rZW4", "base64.binary.k8s.io"}, want: "base64.binary.k8s.io"},
		{name: "preferred among many", offered: []string{"v4.channel.k8s.io", "binary.k8s.io"}, want: "binary.k8s.io"},
		{name: "any single one", offered: []string{"v4.channel.k8s.io"}, want: "v4.channel.k8s.io"},
		{name: "none", offered: nil, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ns := "default"
			conn := dialWS(t, c.url+"/api/v1/namespaces/"+ns+"/configmaps?watch=1&resourceVersion=0", tt.offered...)
			assert.Equal(t, tt.want, conn.Subprotocol())
			frame := readFrame(t, conn)
			require.True(t, strings.HasSuffix(frame, "}\n"), frame)
			var e wireEvent
			require.NoError(t, json.Unmarshal([]byte(frame), &e))
			assert.Equal(t, "ADDED", e.Type)
			require.NoError(t, conn.Close(websocket.StatusNormalClosure, ""))
		})
	}
}

// TestWatchFollowsState applies a LIST and the watch events that follow it, over each
// transport, while churn runs, and checks the result equals the final LIST exactly.
func TestWatchFollowsState(t *testing.T) {
	t.Parallel()
	for _, transport := range []string{"http", "websocket"} {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			c := newCluster(t, Options{}, HandlerOptions{BookmarkInterval: 10 * time.Millisecond})
			_, l, _ := c.list(t, "/api/v1/pods")
			state := map[string]string{}
			for _, p := range l.Items {
				state[string(p.UID)] = p.ResourceVersion
			}
			path := "/api/v1/pods?watch=1&allowWatchBookmarks=true&resourceVersion=" + l.Metadata.ResourceVersion
			var next func() wireEvent
			if transport == "http" {
				w := c.watch(t, path)
				next = func() wireEvent { return w.next(t) }
			} else {
				conn := dialWS(t, c.url+path, "base64.binary.k8s.io")
				next = func() wireEvent {
					frame := readFrame(t, conn)
					e := wireEvent{raw: frame}
					require.NoError(t, json.Unmarshal([]byte(frame), &e))
					return e
				}
			}
			churn := NewChurn(c.store, 0, 21)
			for range 300 {
				require.NoError(t, churn.Step())
			}
			_, final, _ := c.list(t, "/api/v1/pods")
			// A bookmark at the final resourceVersion comes after every event before it.
			for last := ""; last != final.Metadata.ResourceVersion; {
				e := next()
				m := e.meta(t)
				switch e.Type {
				case "ADDED", "MODIFIED":
					state[string(m.UID)] = m.ResourceVersion
				case "DELETED":
					delete(state, string(m.UID))
				case "BOOKMARK":
					last = m.ResourceVersion
				default:
					t.Fatalf("unexpected event %s", e.raw)
				}
			}
			want := map[string]string{}
			for _, p := range final.Items {
				want[string(p.UID)] = p.ResourceVersion
			}
			assert.Equal(t, want, state)
		})
	}
}

func TestWatchKeepAlive(t *testing.T) {
	t.Parallel()
	c := newCluster(t, Options{}, HandlerOptions{WebSocket: wsx.Options{PingInterval: 20 * time.Millisecond, PongTimeout: time.Second}})
	rv := c.store.ResourceVersion()
	active := dialWS(t, c.url+"/apis/apps/v1/deployments?watch=1&resourceVersion="+rv)
	frames := make(chan string, 10)
	go func() {
		for {
			_, data, err := active.Read(context.WithoutCancel(t.Context()))
			if err != nil {
				close(frames)
				return
			}
			frames <- string(data)
		}
	}()
	dialWS(t, c.url+"/api/v1/configmaps?watch=1&resourceVersion="+rv) // never reads, so never answers a ping
	require.Eventually(t, func() bool { return c.store.Watchers(Deployments) == 1 }, 10*time.Second, time.Millisecond)
	require.Eventually(t, func() bool { return c.store.Watchers(ConfigMaps) == 0 }, 10*time.Second, time.Millisecond,
		"a peer that does not answer pings is closed")
	_, err := c.store.Patch(Deployments, "default", "nginx", "application/merge-patch+json", []byte(`{"metadata":{"labels":{"k":"v"}}}`))
	require.NoError(t, err)
	select {
	case f, ok := <-frames:
		require.True(t, ok, "a peer answering pings stays open")
		assert.Contains(t, f, `"type":"MODIFIED"`)
	case <-time.After(10 * time.Second):
		t.Fatal("no event on the live socket")
	}
}
