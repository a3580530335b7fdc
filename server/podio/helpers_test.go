package podio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kubelive/kubelive/internal/clock"
)

// newFakeClock returns a manual clock at 2026-01-01T00:00:00.123456789Z.
func newFakeClock() *clock.Fake {
	c := clock.NewFake()
	c.Advance(123456789 * time.Nanosecond)
	return c
}

// fakePods has pods "web-1" (containers app, sidecar) and "db-0" (db) in "default".
func fakePods() Pods {
	pods := map[string][]string{"default/web-1": {"app", "sidecar"}, "default/db-0": {"db"}}
	return PodsFunc{
		ContainerFunc: func(ns, pod, container string) (string, error) {
			if pod == "locked" {
				return "", apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, pod, errors.New("no access"))
			}
			cs, ok := pods[ns+"/"+pod]
			if !ok {
				return "", fmt.Errorf("pod %s/%s: %w", ns, pod, ErrPodNotFound)
			}
			if container == "" {
				return cs[0], nil
			}
			for _, c := range cs {
				if c == container {
					return c, nil
				}
			}
			return "", fmt.Errorf("container %s: %w", container, ErrContainerNotFound)
		},
		RunningFunc: func() []ContainerRef {
			return []ContainerRef{
				{Namespace: "default", Pod: "db-0", Container: "db"},
				{Namespace: "default", Pod: "web-1", Container: "app"},
				{Namespace: "default", Pod: "web-1", Container: "sidecar"},
			}
		},
	}
}

var webApp = ContainerRef{Namespace: "default", Pod: "web-1", Container: "app"}

// recordingTracker records tracked streams so a test can drop them.
type recordingTracker struct {
	mu      sync.Mutex
	cancels map[int]func()
	paths   map[int]string
	next    int
	added   chan string
}

func newRecordingTracker() *recordingTracker {
	return &recordingTracker{cancels: map[int]func(){}, paths: map[int]string{}, added: make(chan string, 16)}
}

func (t *recordingTracker) Track(path string, cancel func()) func() {
	t.mu.Lock()
	id := t.next
	t.next++
	t.cancels[id], t.paths[id] = cancel, path
	t.mu.Unlock()
	t.added <- path
	return func() {
		t.mu.Lock()
		delete(t.cancels, id)
		delete(t.paths, id)
		t.mu.Unlock()
	}
}

// DropAll cancels every live stream.
func (t *recordingTracker) DropAll() {
	t.mu.Lock()
	var cancels []func()
	for _, c := range t.cancels {
		cancels = append(cancels, c)
	}
	t.mu.Unlock()
	for _, c := range cancels {
		c()
	}
}

func (t *recordingTracker) Live() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.cancels)
}

type testEnv struct {
	h      *Handler
	srv    *httptest.Server
	clock  *clock.Fake
	logs   *LogBook
	track  *recordingTracker
	wsBase string
}

func newTestEnv(t *testing.T, mod func(*Options)) *testEnv {
	t.Helper()
	clock := newFakeClock()
	logs := NewLogBook(clock, 100)
	track := newRecordingTracker()
	opts := Options{Pods: fakePods(), Logs: logs, Clock: clock, Tracker: track, Seed: 7}
	if mod != nil {
		mod(&opts)
	}
	h := NewHandler(opts)
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		require.NoError(t, h.Close())
	})
	return &testEnv{h: h, srv: srv, clock: clock, logs: logs, track: track, wsBase: "ws" + strings.TrimPrefix(srv.URL, "http")}
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func (e *testEnv) dial(t *testing.T, ctx context.Context, path string, protos ...string) *websocket.Conn {
	t.Helper()
	conn, resp, err := websocket.Dial(ctx, e.wsBase+path, &websocket.DialOptions{Subprotocols: protos})
	require.NoError(t, err)
	if resp.Body != nil {
		_ = resp.Body.Close()
	}
	t.Cleanup(func() { _ = conn.CloseNow() })
	return conn
}

func (e *testEnv) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(e.srv.URL + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	var b strings.Builder
	_, err = io.Copy(&b, resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, b.String()
}

// refusal is a WebSocket handshake the handler must refuse with code.
type refusal struct {
	name   string
	path   string
	protos []string
	code   int
}

func (e *testEnv) assertRefused(t *testing.T, tests []refusal) {
	t.Helper()
	ctx := testCtx(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, resp, err := websocket.Dial(ctx, e.wsBase+tc.path, &websocket.DialOptions{Subprotocols: tc.protos})
			require.Error(t, err)
			require.NotNil(t, resp)
			assert.Equal(t, tc.code, resp.StatusCode)
		})
	}
}
