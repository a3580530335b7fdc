package headlamptest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeKube serves WebSocket watches: each one sends the frames pushed to it
// and ends when told to.
type fakeKube struct {
	mu      sync.Mutex
	watches []*fakeWatch
	queries []string
}

type fakeWatch struct {
	frames chan string
	end    chan struct{}
}

func (k *fakeKube) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/config" {
		_, _ = w.Write([]byte(`{"clusters":[{"name":"demo"}],"multiplexer":true}`))
		return
	}
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	fw := &fakeWatch{frames: make(chan string, 16), end: make(chan struct{})}
	k.mu.Lock()
	k.watches = append(k.watches, fw)
	k.queries = append(k.queries, r.URL.Path+"?"+r.URL.RawQuery)
	k.mu.Unlock()
	for {
		select {
		case f := <-fw.frames:
			_ = c.Write(r.Context(), websocket.MessageText, []byte(f))
		case <-fw.end:
			_ = c.Close(websocket.StatusNormalClosure, "timeout")
			return
		case <-r.Context().Done():
			return
		}
	}
}

func (k *fakeKube) watch(t *testing.T, i int) *fakeWatch {
	t.Helper()
	require.Eventually(t, func() bool { k.mu.Lock(); defer k.mu.Unlock(); return len(k.watches) > i }, 5*time.Second, time.Millisecond)
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.watches[i]
}

type client struct {
	t *testing.T
	c *websocket.Conn
}

func dial(t *testing.T, base string, cookie bool) *client {
	t.Helper()
	h := http.Header{}
	if cookie {
		h.Set("Cookie", "headlamp-auth-demo.0=tok")
	}
	c, _, err := websocket.Dial(context.Background(), "ws"+strings.TrimPrefix(base, "http")+"/wsMultiplexer", &websocket.DialOptions{HTTPHeader: h})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.CloseNow() })
	return &client{t: t, c: c}
}

func (c *client) send(typ, path, query, user string) {
	b, _ := json.Marshal(map[string]string{"clusterId": "demo", "path": path, "query": query, "userId": user, "type": typ})
	require.NoError(c.t, c.c.Write(context.Background(), websocket.MessageText, b))
}

// next returns the next frame, or "" if none comes within d.
func (c *client) next(d time.Duration) string {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	_, b, err := c.c.Read(ctx)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(b), "\n")
}

func TestDoubleHasHeadlampsSemantics(t *testing.T) {
	t.Parallel()
	kube := &fakeKube{}
	up := httptest.NewServer(kube)
	t.Cleanup(up.Close)
	d, err := New(Options{Upstream: up.URL, Token: "tok"})
	require.NoError(t, err)
	srv := httptest.NewServer(d)
	t.Cleanup(srv.Close)

	cfg, err := http.Get(srv.URL + "/config")
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.NewDecoder(cfg.Body).Decode(&got))
	cfg.Body.Close()
	assert.NotContains(t, got, "multiplexer", "Headlamp's /config has no multiplexer field")
	assert.Contains(t, got, "clusters")

	const pods = "/api/v1/pods"
	c := dial(t, srv.URL, true)
	c.send("REQUEST", pods, "watch=1&labelSelector=a%3D1", "u1")
	assert.Equal(t, `{"clusterId":"demo","path":"/api/v1/pods","query":"","userId":"","data":"{\"state\":\"connected\",\"error\":\"\"}","type":"STATUS"}`, c.next(5*time.Second))
	w := kube.watch(t, 0)
	w.frames <- `{"type":"ADDED","object":{"metadata":{"uid":"x","resourceVersion":"5"}}}`
	assert.Equal(t, `{"clusterId":"demo","path":"/api/v1/pods","query":"watch=1\u0026labelSelector=a%3D1","userId":"u1","type":"COMPLETE"}`, c.next(5*time.Second))
	assert.Contains(t, c.next(5*time.Second), `"data":"{\"type\":\"ADDED\"`)

	// The same (cluster, path, userId) with another query: no frame at all.
	c.send("REQUEST", pods, "watch=1&labelSelector=a%3D2", "u1")
	// An empty userId: dropped silently. An unknown type: ERROR.
	c.send("REQUEST", pods, "watch=1", "")
	c.send("BOGUS", pods, "watch=1", "u9")
	assert.Contains(t, c.next(5*time.Second), `unsupported message type: BOGUS`)

	// CLOSE by (cluster, path, userId) whatever the query, answered at once.
	c.send("CLOSE", pods, "some other query", "u1")
	assert.Contains(t, c.next(5*time.Second), `\"state\":\"closed\"`)
	c.send("CLOSE", pods, "", "u1") // no such connection any more: nothing
	c.send("REQUEST", pods, "watch=1", "u2")
	assert.Contains(t, c.next(5*time.Second), `\"state\":\"connected\"`, "the CLOSE of nothing got no reply")

	// The upstream ends: STATUS closed, and the connection is forgotten.
	close(kube.watch(t, 1).end)
	assert.Contains(t, c.next(5*time.Second), `\"state\":\"closed\"`)
	c.send("REQUEST", pods, "watch=1", "u2")
	assert.Contains(t, c.next(5*time.Second), `\"state\":\"connected\"`, "not retried, so the key is free")

	// Without the cookie, the upstream refuses: STATUS error, then ERROR.
	anon := dial(t, srv.URL, false)
	anon.send("REQUEST", pods, "watch=1", "u3")
	assert.Equal(t, `{"clusterId":"demo","path":"/api/v1/pods","query":"","userId":"","data":"{\"state\":\"error\",\"error\":\"dialing WebSocket: websocket: bad handshake\"}","type":"STATUS"}`, anon.next(5*time.Second))
	assert.Equal(t, `{"clusterId":"demo","path":"/api/v1/pods","query":"watch=1","userId":"u3","data":"{\"error\":\"dialing WebSocket: websocket: bad handshake\"}","type":"ERROR"}`, anon.next(5*time.Second))

	resp, err := http.Get(srv.URL + "/headlamptest/state")
	require.NoError(t, err)
	var st State
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&st))
	resp.Body.Close()
	assert.Equal(t, State{Connections: 1, Requests: 5, Duplicates: 1, Refused: 1, Closes: 1, ClosesMissed: 1, Ended: 1}, st)
	// The third upstream watch is recorded after its upgrade, which the
	// double may hear of (and answer STATUS connected) first: wait for it.
	kube.watch(t, 2)
	kube.mu.Lock()
	assert.Equal(t, []string{"/clusters/demo/api/v1/pods?watch=1&labelSelector=a%3D1", "/clusters/demo/api/v1/pods?watch=1", "/clusters/demo/api/v1/pods?watch=1"}, kube.queries)
	kube.mu.Unlock()
}
