package muxserver_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/endpoint"
	"github.com/kubelive/kubelive/internal/mux"
	"github.com/kubelive/kubelive/internal/muxwire"
	"github.com/kubelive/kubelive/internal/transport"
	"github.com/kubelive/kubelive/server/muxserver"
	"github.com/kubelive/kubelive/server/muxserver/muxtest"
)

const waitFor = 10 * time.Second

// countingDialer counts dials.
type countingDialer struct {
	muxtest.Dialer
	n    atomic.Int32
	mu   sync.Mutex
	last transport.Conn
}

func (d *countingDialer) Dial(ctx context.Context, url string, o transport.DialOptions) (transport.Conn, error) {
	d.n.Add(1)
	c, err := d.Dialer.Dial(ctx, url, o)
	d.mu.Lock()
	d.last = c
	d.mu.Unlock()
	return c, err
}

// drop closes the client's socket under it, as a network failure would.
func (d *countingDialer) drop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	_ = d.last.Close(int(websocket.StatusGoingAway), "test drop")
}

type env struct {
	up     *muxtest.Upstream
	srv    *httptest.Server
	client *mux.Client
	dialer *countingDialer
}

func newEnv(t *testing.T, jsonOnly bool, mod func(*muxserver.Options)) *env {
	t.Helper()
	e := &env{up: muxtest.NewUpstream(), dialer: &countingDialer{}}
	opts := muxserver.Options{Upstream: e.up}
	if mod != nil {
		mod(&opts)
	}
	h, err := muxserver.New(opts)
	require.NoError(t, err)
	e.srv = httptest.NewServer(h)
	t.Cleanup(e.srv.Close)
	ep, err := endpoint.New(e.srv.URL, "", "")
	require.NoError(t, err)
	e.client, err = mux.New(mux.Options{Dialer: e.dialer, Endpoint: ep, JSONOnly: jsonOnly})
	require.NoError(t, err)
	t.Cleanup(e.client.Close)
	return e
}

// sink records one subscription's events.
type sink struct {
	mu     sync.Mutex
	data   []string
	errs   []error
	status []mux.Status
}

func (s *sink) listener() mux.Listener {
	return mux.Listener{
		OnData: func(f transport.Frame) error {
			s.mu.Lock()
			s.data = append(s.data, string(f.Data))
			s.mu.Unlock()
			return nil
		},
		OnError: func(err error) { s.mu.Lock(); s.errs = append(s.errs, err); s.mu.Unlock() },
		OnStatus: func(st mux.Status) {
			s.mu.Lock()
			s.status = append(s.status, st)
			s.mu.Unlock()
		},
	}
}

func (s *sink) snapshot() ([]string, []error, []mux.Status) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.data...), append([]error(nil), s.errs...), append([]mux.Status(nil), s.status...)
}

func (s *sink) hasServerStatus(state muxwire.State) bool {
	_, _, sts := s.snapshot()
	for _, st := range sts {
		if st.Server == state {
			return true
		}
	}
	return false
}

func (e *env) subscribe(t *testing.T, k muxwire.Key) (*sink, mux.ID) {
	t.Helper()
	s := &sink{}
	id, err := e.client.Subscribe(k, s.listener())
	require.NoError(t, err)
	return s, id
}

func (s *sink) waitErrs(t *testing.T, n int) []error {
	t.Helper()
	require.Eventually(t, func() bool { _, errs, _ := s.snapshot(); return len(errs) == n }, waitFor, time.Millisecond)
	_, errs, _ := s.snapshot()
	return errs
}

func (s *sink) waitStatus(t *testing.T, state muxwire.State) {
	t.Helper()
	require.Eventually(t, func() bool { return s.hasServerStatus(state) }, waitFor, time.Millisecond, "server status %s", state)
}

func (s *sink) waitData(t *testing.T, n int) {
	t.Helper()
	require.Eventually(t, func() bool { d, _, _ := s.snapshot(); return len(d) == n }, waitFor, time.Millisecond)
}

var modes = []struct {
	name     string
	jsonOnly bool
}{{"msgpack", false}, {"json", true}}

func wait(t *testing.T, k muxtest.WatchKey, e *env, n int) *muxtest.Watch {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	w, err := e.up.Wait(ctx, k, n)
	require.NoError(t, err, "watch %v", k)
	return w
}

func TestNinetyWatchesOneSocket(t *testing.T) {
	t.Parallel()
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, m.jsonOnly, nil)
			type subscription struct {
				key muxwire.Key
				s   *sink
			}
			var subs []subscription
			for c := range 3 {
				for ns := range 10 {
					for _, res := range []string{"pods", "configmaps", "events"} {
						k, err := muxwire.NewKey(fmt.Sprintf("cluster-%d", c), fmt.Sprintf("/api/v1/namespaces/ns-%d/%s", ns, res), "watch=1&allowWatchBookmarks=true")
						require.NoError(t, err)
						s, _ := e.subscribe(t, k)
						subs = append(subs, subscription{k, s})
					}
				}
			}
			for _, sb := range subs {
				w := wait(t, muxtest.WatchKey{Cluster: sb.key.Cluster, Path: sb.key.Path, Query: sb.key.Query}, e, 0)
				require.NoError(t, w.Send([]byte(`{"type":"ADDED","object":{"metadata":{"name":"`+sb.key.Cluster+sb.key.Path+`"}}}`+"\n")))
			}
			for _, sb := range subs {
				require.Eventually(t, func() bool { d, _, _ := sb.s.snapshot(); return len(d) == 1 }, waitFor, time.Millisecond)
				d, errs, _ := sb.s.snapshot()
				assert.Contains(t, d[0], sb.key.Cluster+sb.key.Path)
				assert.Empty(t, errs)
			}
			assert.Equal(t, 90, e.up.Count(), "one upstream watch per subscription")
			assert.EqualValues(t, 1, e.dialer.n.Load(), "one socket")
			assert.Equal(t, 90, e.client.Stats().Keys)
		})
	}
}

func TestSubscriptionCap(t *testing.T) {
	t.Parallel()
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, m.jsonOnly, func(o *muxserver.Options) { o.MaxSubscriptions = 2 })
			sinks := make([]*sink, 3)
			for i := range sinks {
				sinks[i], _ = e.subscribe(t, muxwire.Key{Cluster: "c", Path: fmt.Sprintf("/api/v1/namespaces/n%d/pods", i), Query: "watch=1"})
			}
			errs := sinks[2].waitErrs(t, 1)
			assert.ErrorIs(t, errs[0], mux.ErrServer)
			assert.Contains(t, errs[0].Error(), "subscription limit reached (2 per socket)")
			for _, s := range sinks[:2] {
				s.waitStatus(t, muxwire.StateConnected)
			}
		})
	}
}

func TestCloseOfOneQueryKeepsTheOther(t *testing.T) {
	t.Parallel()
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, m.jsonOnly, nil)
			ka := muxwire.Key{Cluster: "c", Path: "/api/v1/pods", Query: "labelSelector=app%3Da&watch=1"}
			kb := muxwire.Key{Cluster: "c", Path: "/api/v1/pods", Query: "labelSelector=app%3Db&watch=1"}
			_, ida := e.subscribe(t, ka)
			b, _ := e.subscribe(t, kb)
			wa := wait(t, muxtest.WatchKey(ka), e, 0)
			wb := wait(t, muxtest.WatchKey(kb), e, 0)
			b.waitStatus(t, muxwire.StateConnected)
			e.client.Unsubscribe(ida)
			select {
			case <-wa.Closed():
			case <-time.After(waitFor):
				t.Fatal("A's upstream watch was not closed")
			}
			require.NoError(t, wb.Send([]byte(`"b1"`)))
			b.waitData(t, 1)
			select {
			case <-wb.Closed():
				t.Fatal("B's watch was closed by A's CLOSE")
			default:
			}
			_, errs, sts := b.snapshot()
			assert.Empty(t, errs)
			for _, st := range sts {
				assert.NotEqual(t, mux.StateClosed, st.State, "B saw %v", st)
				assert.NotEqual(t, muxwire.StateClosed, st.Server, "B saw %v", st)
			}
		})
	}
}

func TestUpstreamEndIsReportedNotRetried(t *testing.T) {
	t.Parallel()
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, m.jsonOnly, nil)
			k := muxwire.Key{Cluster: "c", Path: "/api/v1/pods", Query: "resourceVersion=5&watch=1"}
			s, _ := e.subscribe(t, k)
			w := wait(t, muxtest.WatchKey(k), e, 0)
			gone := `{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 5 (264)","reason":"Expired","code":410}}` + "\n"
			require.NoError(t, w.Send([]byte(gone)))
			w.End(nil)
			s.waitStatus(t, muxwire.StateClosed)
			d, _, _ := s.snapshot()
			assert.Equal(t, []string{gone}, d)
			assert.Equal(t, 1, e.up.Count(), "the server does not redial an ended watch")
		})
	}
}

func TestUpstreamDialFailure(t *testing.T) {
	t.Parallel()
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, m.jsonOnly, nil)
			e.up.Fail = func(muxtest.WatchKey) error { return errors.New("getting context: key not found") }
			s, _ := e.subscribe(t, muxwire.Key{Cluster: "nosuch", Path: "/api/v1/pods", Query: "watch=1"})
			errs := s.waitErrs(t, 1)
			assert.ErrorIs(t, errs[0], mux.ErrServer)
			assert.Contains(t, errs[0].Error(), "key not found")
			assert.True(t, s.hasServerStatus(muxwire.StateError))
		})
	}
}

func TestBatchingPacksEventsUnderLoad(t *testing.T) {
	t.Parallel()
	e := newEnv(t, false, func(o *muxserver.Options) { o.BatchWindow = 5 * time.Millisecond })
	const subs, events = 3, 300
	sinks := make([]*sink, subs)
	watches := make([]*muxtest.Watch, subs)
	for i := range sinks {
		k := muxwire.Key{Cluster: "c", Path: fmt.Sprintf("/api/v1/namespaces/n%d/pods", i), Query: "watch=1"}
		sinks[i], _ = e.subscribe(t, k)
		watches[i] = wait(t, muxtest.WatchKey(k), e, 0)
	}
	for _, s := range sinks {
		s.waitStatus(t, muxwire.StateConnected)
	}
	before := e.client.Stats()
	for j := range events {
		for i, w := range watches {
			require.NoError(t, w.Send(fmt.Appendf(nil, `{"type":"MODIFIED","n":%d,"w":%d}`, j, i)))
		}
	}
	for i, s := range sinks {
		s.waitData(t, events)
		d, _, _ := s.snapshot()
		for j, ev := range d {
			require.Equal(t, fmt.Sprintf(`{"type":"MODIFIED","n":%d,"w":%d}`, j, i), ev, "in order")
		}
	}
	after := e.client.Stats()
	frames, msgs := after.FramesIn-before.FramesIn, after.MessagesIn-before.MessagesIn
	assert.EqualValues(t, subs*events, msgs)
	t.Logf("%d events in %d frames (%.1f per frame)", msgs, frames, float64(msgs)/float64(frames))
	assert.Less(t, frames*4, msgs, "at least 4 events per frame on average")
}

// TestHeadlampFrontendWire talks to the server as Headlamp's frontend does:
// no subprotocol, JSON frames; STATUS comes with an empty query.
func TestHeadlampFrontendWire(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true, nil)
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.srv.URL, "http"), nil)
	require.NoError(t, err)
	defer c.CloseNow()
	assert.Equal(t, "", c.Subprotocol())
	req := `{"clusterId":"realk8s-cert","path":"/api/v1/namespaces","query":"watch=1&resourceVersion=0","userId":"u1","type":"REQUEST"}`
	require.NoError(t, c.Write(ctx, websocket.MessageText, []byte(req)))
	w := wait(t, muxtest.WatchKey{Cluster: "realk8s-cert", Path: "/api/v1/namespaces", Query: "watch=1&resourceVersion=0"}, e, 0)
	require.NoError(t, w.Send([]byte("{\"type\":\"ADDED\"}\n")))
	read := func() string {
		_, b, err := c.Read(ctx)
		require.NoError(t, err)
		return string(b)
	}
	assert.Equal(t, `{"clusterId":"realk8s-cert","path":"/api/v1/namespaces","query":"","userId":"","data":"{\"state\":\"connected\",\"error\":\"\"}","type":"STATUS","kubeliveQuery":"watch=1\u0026resourceVersion=0","kubeliveUserId":"u1"}`+"\n", read())
	assert.Equal(t, `{"clusterId":"realk8s-cert","path":"/api/v1/namespaces","query":"watch=1\u0026resourceVersion=0","userId":"u1","data":"{\"type\":\"ADDED\"}\n","type":"DATA"}`+"\n", read())
	require.NoError(t, c.Write(ctx, websocket.MessageText, []byte(`{"clusterId":"c","path":"/p","query":"","userId":"u1","type":"BOGUS"}`)))
	assert.Contains(t, read(), `"type":"ERROR"`)
	require.NoError(t, c.Write(ctx, websocket.MessageText, []byte(strings.Replace(req, "REQUEST", "CLOSE", 1))))
	assert.Contains(t, read(), `\"state\":\"closed\"`)
	waitClosed(t, w)
}

func TestOriginCheck(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		origin   string
		patterns []string
		wantOK   bool
	}{
		{"same origin", "", nil, true},
		{"foreign origin refused", "http://evil.example", nil, false},
		{"allowed pattern", "http://ui.example", []string{"ui.example"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, true, func(o *muxserver.Options) { o.OriginPatterns = tc.patterns })
			ctx, cancel := context.WithTimeout(context.Background(), waitFor)
			defer cancel()
			h := http.Header{}
			origin := tc.origin
			if origin == "" {
				origin = e.srv.URL
			}
			h.Set("Origin", origin)
			c, resp, err := websocket.Dial(ctx, e.srv.URL, &websocket.DialOptions{HTTPHeader: h})
			if tc.wantOK {
				require.NoError(t, err)
				c.CloseNow()
				return
			}
			require.Error(t, err)
			require.NotNil(t, resp)
			assert.Equal(t, http.StatusForbidden, resp.StatusCode)
		})
	}
}

func TestReconnectResumesEveryWatch(t *testing.T) {
	t.Parallel()
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, m.jsonOnly, nil)
			k := muxwire.Key{Cluster: "c", Path: "/api/v1/pods", Query: "watch=1"}
			s, id := e.subscribe(t, k)
			w := wait(t, muxtest.WatchKey(k), e, 0)
			require.NoError(t, w.Send([]byte(`{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"77"}}}`)))
			s.waitData(t, 1)
			require.NoError(t, e.client.SetResume(id, "watch=1&resourceVersion=77"))
			e.dialer.drop()
			waitClosed(t, w)
			w2 := wait(t, muxtest.WatchKey{Cluster: "c", Path: "/api/v1/pods", Query: "resourceVersion=77&watch=1"}, e, 0)
			require.NoError(t, w2.Send([]byte(`"after"`)))
			s.waitData(t, 2)
			assert.EqualValues(t, 2, e.dialer.n.Load())
			assert.Equal(t, 1, e.client.Stats().Reconnects)
		})
	}
}

func waitClosed(t *testing.T, w *muxtest.Watch) {
	t.Helper()
	select {
	case <-w.Closed():
	case <-time.After(waitFor):
		t.Fatalf("watch %v not closed", w.Key)
	}
}

// An upstream event over MaxEventBytes ends that subscription with STATUS
// closed saying why; the socket and the other subscriptions carry on; and
// batches stop at BatchBytes so a frame stays within the browser's cap.
func TestOversizedEventEndsOnlyItsSubscription(t *testing.T) {
	t.Parallel()
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, m.jsonOnly, func(o *muxserver.Options) { o.MaxEventBytes = 1 << 10 })
			big, _ := e.subscribe(t, muxwire.Key{Cluster: "c", Path: "/api/v1/namespaces/big/pods", Query: "watch=1"})
			small, _ := e.subscribe(t, muxwire.Key{Cluster: "c", Path: "/api/v1/namespaces/small/pods", Query: "watch=1"})
			wb := wait(t, muxtest.WatchKey{Cluster: "c", Path: "/api/v1/namespaces/big/pods", Query: "watch=1"}, e, 0)
			ws := wait(t, muxtest.WatchKey{Cluster: "c", Path: "/api/v1/namespaces/small/pods", Query: "watch=1"}, e, 0)
			require.NoError(t, wb.Send([]byte(`{"type":"ADDED","object":{"metadata":{"name":"`+strings.Repeat("x", 2<<10)+`"}}}`+"\n")))
			big.waitStatus(t, muxwire.StateClosed)
			_, _, sts := big.snapshot()
			assert.Contains(t, sts[len(sts)-1].Err, "exceeds the limit of 1024")
			select {
			case <-wb.Closed():
			case <-time.After(waitFor):
				t.Fatal("the upstream of the oversized event was not closed")
			}
			require.NoError(t, ws.Send([]byte(`{"type":"ADDED","object":{"metadata":{"name":"ok"}}}`+"\n")))
			small.waitData(t, 1)
			d, _, _ := big.snapshot()
			assert.Empty(t, d, "the oversized event was never delivered")
			assert.EqualValues(t, 1, e.dialer.n.Load(), "the socket stayed up")
		})
	}
}

func TestBatchesStopAtBatchBytes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, false, func(o *muxserver.Options) { o.BatchBytes = 4 << 10; o.BatchWindow = 50 * time.Millisecond })
	s, _ := e.subscribe(t, muxwire.Key{Cluster: "c", Path: "/api/v1/pods", Query: "watch=1"})
	w := wait(t, muxtest.WatchKey{Cluster: "c", Path: "/api/v1/pods", Query: "watch=1"}, e, 0)
	before := e.client.Stats().FramesIn
	const n = 20 // 20 events of ~1 KiB: at least 5 frames at 4 KiB each
	for i := range n {
		require.NoError(t, w.Send([]byte(fmt.Sprintf(`{"type":"ADDED","object":{"metadata":{"name":"p%d","x":"%s"}}}`+"\n", i, strings.Repeat("y", 1<<10)))))
	}
	s.waitData(t, n)
	assert.GreaterOrEqual(t, e.client.Stats().FramesIn-before, uint64(5), "batches capped by bytes")
}
