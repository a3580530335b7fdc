package server_test

import (
	"bufio"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubelive/kubelive/server/embedded"
	"github.com/kubelive/kubelive/server/faults"
)

func (s *stack) dial(t *testing.T, path string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.ts.URL, "http")+path, &websocket.DialOptions{Subprotocols: []string{"base64.binary.k8s.io"}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.CloseNow() })
	return conn
}

func read(t *testing.T, conn *websocket.Conn) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, data, err := conn.Read(ctx)
	require.False(t, errors.Is(err, context.DeadlineExceeded), "no frame within 10s")
	return string(data), err
}

func (s *stack) waitOpen(t *testing.T, kind string, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return s.inj.State().Open[kind] == n }, 10*time.Second, time.Millisecond)
}

func (s *stack) createCM(t *testing.T, name string) {
	t.Helper()
	_, err := s.store.Create(embedded.ConfigMaps, "default", &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}})
	require.NoError(t, err)
}

func TestAdminDrop(t *testing.T) {
	t.Parallel()
	s := newStack(t, 100)
	rv := s.store.ResourceVersion()
	keep := s.dial(t, "/clusters/demo/api/v1/namespaces/team-a/pods?watch=1&resourceVersion="+rv)
	drop := s.dial(t, "/clusters/demo/api/v1/namespaces/default/configmaps?watch=1&resourceVersion="+rv)
	resp, err := http.Get(s.ts.URL + "/clusters/demo/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=" + rv)
	require.NoError(t, err)
	defer resp.Body.Close()
	s.waitOpen(t, faults.KindWebSocket, 2)
	s.waitOpen(t, faults.KindHTTP, 1)

	out := s.admin(t, "drop?path=configmaps")
	assert.Equal(t, 2, out["dropped"])
	_, err = read(t, drop)
	require.Error(t, err)
	assert.Equal(t, websocket.StatusCode(-1), websocket.CloseStatus(err), "dropped abruptly, no close frame: %v", err)
	_, err = bufio.NewReader(resp.Body).ReadString('\n')
	assert.Error(t, err, "HTTP watch cut")
	assert.NotErrorIs(t, err, context.DeadlineExceeded)

	s.waitOpen(t, faults.KindWebSocket, 1)
	_, err = s.store.Patch(embedded.Pods, "team-a", firstPod(t, s, "team-a"), "application/merge-patch+json", []byte(`{"metadata":{"labels":{"x":"y"}}}`))
	require.NoError(t, err)
	frame, err := read(t, keep)
	require.NoError(t, err)
	assert.Contains(t, frame, `"type":"MODIFIED"`)
}

func firstPod(t *testing.T, s *stack, ns string) string {
	t.Helper()
	l, err := s.store.List(embedded.Pods, embedded.ListOptions{Namespace: ns})
	require.NoError(t, err)
	return l.Items[0].Object.GetName()
}

func TestAdminMalformedAndPause(t *testing.T) {
	t.Parallel()
	s := newStack(t, 100)
	conn := s.dial(t, "/clusters/demo/api/v1/namespaces/default/configmaps?watch=1&resourceVersion="+s.store.ResourceVersion())
	s.waitOpen(t, faults.KindWebSocket, 1)
	assert.Equal(t, 1, s.admin(t, "malformed?path=configmaps")["sent"])
	frame, err := read(t, conn)
	require.NoError(t, err)
	assert.Equal(t, "{not json\n", frame)

	start := time.Now()
	s.admin(t, "pause?ms=300")
	assert.True(t, s.inj.State().Paused)
	for _, name := range []string{"p1", "p2", "p3"} {
		s.createCM(t, name)
	}
	for _, name := range []string{"p1", "p2", "p3"} {
		frame, err := read(t, conn)
		require.NoError(t, err)
		assert.Contains(t, frame, `"name":"`+name+`"`, "held events are delivered in order, none lost")
	}
	assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond, "delivery was held")
	assert.False(t, s.inj.State().Paused)
}

func TestAdminExpireNext(t *testing.T) {
	t.Parallel()
	s := newStack(t, 100)
	s.admin(t, "expire-next")
	// A watch from "0" is not a resume: it is unaffected and does not consume the 410.
	fresh := s.dial(t, "/clusters/demo/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=0")
	frame, err := read(t, fresh)
	require.NoError(t, err)
	assert.Contains(t, frame, `"type":"ADDED"`)
	rv := s.store.ResourceVersion()
	resumed := s.dial(t, "/clusters/demo/api/v1/namespaces/default/configmaps?watch=1&resourceVersion="+rv)
	frame, err = read(t, resumed)
	require.NoError(t, err)
	assert.Regexp(t, `^\{"type":"ERROR","object":\{"kind":"Status","apiVersion":"v1","metadata":\{\},"status":"Failure","message":"too old resource version: `+rv+` \(\d+\)","reason":"Expired","code":410\}\}\n$`, frame)
	_, err = read(t, resumed)
	assert.Equal(t, websocket.StatusNormalClosure, websocket.CloseStatus(err))
	again := s.dial(t, "/clusters/demo/api/v1/namespaces/default/configmaps?watch=1&resourceVersion="+rv)
	s.createCM(t, "after")
	frame, err = read(t, again)
	require.NoError(t, err)
	assert.Contains(t, frame, `"type":"ADDED"`, "only the next resume expires")
}

func TestAdminState(t *testing.T) {
	t.Parallel()
	s := newStack(t, 100)
	untrack := s.inj.Track("/clusters/demo/api/v1/namespaces/default/pods/p/log", func() {})
	defer untrack()
	s.dial(t, "/clusters/demo/api/v1/pods?watch=1")
	s.waitOpen(t, faults.KindWebSocket, 1)
	resp, err := http.Get(s.ts.URL + "/admin/state")
	require.NoError(t, err)
	defer resp.Body.Close()
	var st faults.State
	require.NoError(t, jsonDecode(resp, &st))
	assert.Equal(t, map[string]int{faults.KindWebSocket: 1, faults.KindHTTP: 0, faults.KindStream: 1}, st.Open)
	assert.Equal(t, 2, st.Total)
}
