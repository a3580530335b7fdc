package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/clock"
	"github.com/kubelive/kubelive/internal/conntest"
	"github.com/kubelive/kubelive/internal/endpoint"
	"github.com/kubelive/kubelive/internal/transport"
)

const wait = 5 * time.Second

type fixture struct {
	dialer *conntest.Dialer
	clock  *clock.Fake
	reg    *Registry
}

func newFixture(t *testing.T, token endpoint.Secret) *fixture {
	t.Helper()
	ep, err := endpoint.New("http://127.0.0.1:8080", token, "")
	require.NoError(t, err)
	f := &fixture{dialer: conntest.NewDialer(), clock: clock.NewFake()}
	f.reg = New(Options{Dialer: f.dialer, Endpoint: ep, Clock: f.clock, Rand: func() float64 { return 0.5 }})
	t.Cleanup(f.reg.Close)
	return f
}

func (f *fixture) accept(t *testing.T) (*conntest.Attempt, *conntest.Conn) {
	t.Helper()
	a := f.dialer.Next(wait)
	require.NotNil(t, a, "no dial attempt")
	return a, a.Accept(endpoint.BinaryProtocol)
}

// recorder is a Listener that records what it gets.
type recorder struct {
	mu       sync.Mutex
	msgs     []any
	errs     []error
	statuses []State
	fail     bool
}

func (r *recorder) listener() Listener {
	return Listener{
		OnMessage: func(v any) error {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.msgs = append(r.msgs, v)
			if r.fail {
				return errors.New("listener threw")
			}
			return nil
		},
		OnError: func(err error) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.errs = append(r.errs, err)
		},
		OnStatus: func(s Status) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.statuses = append(r.statuses, s.State)
		},
	}
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.msgs)
}

func (r *recorder) errCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.errs)
}

func (r *recorder) lastState() State {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.statuses) == 0 {
		return -1
	}
	return r.statuses[len(r.statuses)-1]
}

func key(t *testing.T, cluster, path string, protocols ...string) Key {
	t.Helper()
	k, err := NewKey(cluster, path, protocols, false)
	require.NoError(t, err)
	return k
}

func seqFrames(from, to int) []string {
	out := make([]string, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf(`{"seq":%d}`, i))
	}
	return out
}

func TestFiftySubscribersShareOneSocketInOrder(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	k := key(t, "demo", "api/v1/pods?watch=1")
	recs := make([]*recorder, 50)
	for i := range recs {
		recs[i] = &recorder{}
		f.reg.Subscribe(k, recs[i].listener())
	}
	_, conn := f.accept(t)
	conn.PushText(seqFrames(0, 60)...)
	conn.PushText(seqFrames(60, 100)...)
	for _, r := range recs {
		require.Eventually(t, func() bool { return r.count() == 100 }, wait, time.Millisecond)
		for i, m := range r.msgs {
			assert.Equal(t, map[string]any{"seq": float64(i)}, m)
		}
	}
	assert.Zero(t, f.dialer.Queued(), "exactly one socket")
	st := f.reg.Stats()
	require.Len(t, st, 1)
	assert.Equal(t, 50, st[0].Listeners)
	assert.Equal(t, uint64(100), st[0].MessagesIn)
	assert.Equal(t, Open, st[0].State)
}

func TestKeysNeverCollide(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		a, b Key
	}{
		{"cluster only", key(t, "a", "api/v1/pods"), key(t, "b", "api/v1/pods")},
		{"protocols only", key(t, "a", "api/v1/pods", "x"), key(t, "a", "api/v1/pods", "y")},
		{"concatenation", key(t, "ab", "c/pods"), key(t, "a", "bc/pods")},
		{"protocol split", key(t, "a", "p", "x", "y"), key(t, "a", "p", "x")},
		{"type", Key{Cluster: "a", Path: "p"}, Key{Cluster: "a", Path: "p", Binary: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, "")
			f.reg.Subscribe(tc.a, Listener{})
			f.reg.Subscribe(tc.b, Listener{})
			require.NotNil(t, f.dialer.Next(wait))
			require.NotNil(t, f.dialer.Next(wait), "second key must get its own socket")
			assert.Equal(t, 2, f.reg.Len())
		})
	}
}

func TestCleanupWhilePendingClosesWhenDialEnds(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	k := key(t, "demo", "api/v1/pods?watch=1")
	ids := []uint64{f.reg.Subscribe(k, Listener{}), f.reg.Subscribe(k, Listener{}), f.reg.Subscribe(k, Listener{})}
	a := f.dialer.Next(wait)
	require.NotNil(t, a)
	assert.Equal(t, Connecting, f.reg.Stats()[0].State, "pending while dialing")
	// A fourth subscriber joins the pending entry instead of dialing again.
	ids = append(ids, f.reg.Subscribe(k, Listener{}))
	for _, id := range ids {
		f.reg.Unsubscribe(id)
	}
	assert.Zero(t, f.reg.Len(), "no entry left once the last listener left")
	assert.Empty(t, f.reg.Stats())
	conn := a.Accept("")
	select {
	case <-conn.Done():
	case <-time.After(wait):
		t.Fatal("socket that finished dialing after cleanup was not closed")
	}
	assert.Zero(t, f.dialer.Queued(), "no second dial")
}

func TestSameCallbackTwiceIsTwoSubscriptions(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	k := key(t, "demo", "api/v1/pods")
	r := &recorder{}
	l := r.listener()
	id1 := f.reg.Subscribe(k, l)
	f.reg.Subscribe(k, l)
	_, conn := f.accept(t)
	f.reg.Unsubscribe(id1)
	f.reg.Unsubscribe(id1) // harmless
	conn.PushText(`{"a":1}`)
	require.Eventually(t, func() bool { return r.count() == 1 }, wait, time.Millisecond)
	assert.Equal(t, 1, f.reg.Stats()[0].Listeners)
	assert.False(t, conn.Closed())
}

func TestThrowingListenerIsIsolated(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	k := key(t, "demo", "api/v1/pods")
	bad, good := &recorder{fail: true}, &recorder{}
	panicky := Listener{OnMessage: func(any) error { panic("boom") }}
	f.reg.Subscribe(k, bad.listener())
	f.reg.Subscribe(k, panicky)
	f.reg.Subscribe(k, good.listener())
	_, conn := f.accept(t)
	conn.PushText(`{"a":1}`, `{"a":2}`)
	require.Eventually(t, func() bool { return good.count() == 2 }, wait, time.Millisecond)
	require.Eventually(t, func() bool { return bad.errCount() == 2 }, wait, time.Millisecond)
	assert.Contains(t, bad.errs[0].Error(), "listener threw")
	assert.Zero(t, good.errCount())
}

func TestMalformedFrameReportsLengthAndContinues(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	r := &recorder{}
	f.reg.Subscribe(key(t, "demo", "api/v1/pods"), r.listener())
	_, conn := f.accept(t)
	conn.PushText(`{"secret":"hunter2"`, `{"ok":true}`)
	require.Eventually(t, func() bool { return r.count() == 1 && r.errCount() == 1 }, wait, time.Millisecond)
	assert.ErrorIs(t, r.errs[0], ErrBadFrame)
	assert.Contains(t, r.errs[0].Error(), "19 bytes")
	assert.NotContains(t, r.errs[0].Error(), "hunter2")
	assert.Equal(t, map[string]any{"ok": true}, r.msgs[0])
}

func TestBinaryKeyHandsBytes(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	r := &recorder{}
	k, err := NewKey("demo", "api/v1/x", nil, true)
	require.NoError(t, err)
	f.reg.Subscribe(k, r.listener())
	_, conn := f.accept(t)
	conn.Push(transport.Frame{Binary: true, Size: 3, Data: []byte{1, 2, 3}})
	require.Eventually(t, func() bool { return r.count() == 1 }, wait, time.Millisecond)
	assert.Equal(t, []byte{1, 2, 3}, r.msgs[0])
}

func TestDialURLAndProtocols(t *testing.T) {
	t.Parallel()
	const token = "my-token"
	f := newFixture(t, token)
	f.reg.Subscribe(key(t, "demo", "/api/v1/pods?watch=1", "v4.channel.k8s.io"), Listener{})
	a := f.dialer.Next(wait)
	require.NotNil(t, a)
	assert.Equal(t, "ws://127.0.0.1:8080/clusters/demo/api/v1/pods?watch=1", a.URL)
	assert.Equal(t, []string{"base64.binary.k8s.io", "v4.channel.k8s.io", "base64url.bearer.authorization.k8s.io.bXktdG9rZW4"}, a.Opts.Protocols)
	assert.NotContains(t, a.URL, token)
	a.Fail(errors.New("refused"))
	for _, s := range f.reg.Stats() {
		assert.NotContains(t, s.LastError, "bXktdG9rZW4")
		assert.NotContains(t, s.Key.String(), "bXktdG9rZW4")
	}
}

func TestReconnectFollowsBackoff(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	r := &recorder{}
	f.reg.Subscribe(key(t, "demo", "api/v1/pods?watch=1"), r.listener())
	_, conn := f.accept(t)
	require.Eventually(t, func() bool { return r.lastState() == Open }, wait, time.Millisecond)

	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	// The server ends the watch normally (code 1000): still a reconnect.
	conn.Drop(transport.CloseNormal, "watch timeout")
	want := []time.Duration{400 * time.Millisecond, 800 * time.Millisecond, 1600 * time.Millisecond}
	for i, w := range want {
		d, ok := f.clock.WaitArmed(ctx)
		require.True(t, ok, "no backoff timer %d", i)
		assert.Equal(t, w, d, "delay %d (rand 0.5 of 800ms*2^n)", i)
		assert.Equal(t, Reconnecting, r.lastState())
		f.clock.Advance(d)
		a := f.dialer.Next(wait)
		require.NotNil(t, a)
		if i < len(want)-1 {
			a.Fail(errors.New("connection refused"))
		} else {
			conn = a.Accept("")
		}
	}
	require.Eventually(t, func() bool { return r.lastState() == Open }, wait, time.Millisecond)
	conn.PushText(`{"after":"reconnect"}`)
	require.Eventually(t, func() bool { return r.count() == 1 }, wait, time.Millisecond)
	assert.Equal(t, 3, f.reg.Stats()[0].Reconnects)

	// Two minutes healthy resets the backoff to the first step.
	f.clock.Advance(2 * time.Minute)
	conn.Drop(transport.CloseAbnormal, "")
	d, ok := f.clock.WaitArmed(ctx)
	require.True(t, ok)
	assert.Equal(t, 400*time.Millisecond, d)
}

func TestPermanentFailureEndsTheEntry(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	r := &recorder{}
	id := f.reg.Subscribe(key(t, "demo", "api/v1/secrets"), r.listener())
	a := f.dialer.Next(wait)
	require.NotNil(t, a)
	a.Fail(&transport.HandshakeError{Status: 403, Err: errors.New("forbidden")})
	require.Eventually(t, func() bool { return r.lastState() == Closed }, wait, time.Millisecond)
	assert.Equal(t, 1, r.errCount())
	assert.Zero(t, f.reg.Len())
	f.reg.Unsubscribe(id) // harmless
	assert.Zero(t, f.clock.Pending(), "no retry timer")
}

func TestCancelDuringBackoffStopsTimer(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	id := f.reg.Subscribe(key(t, "demo", "api/v1/pods"), Listener{})
	f.dialer.Next(wait).Fail(errors.New("refused"))
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	_, ok := f.clock.WaitArmed(ctx)
	require.True(t, ok)
	f.reg.Unsubscribe(id)
	require.Eventually(t, func() bool { return f.clock.Pending() == 0 }, wait, time.Millisecond)
	f.clock.Advance(time.Hour)
	assert.Nil(t, f.dialer.Next(50*time.Millisecond), "no dial after cleanup")
}

func TestTenThousandCyclesLeaveNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	f.dialer.AbortOnCancel = true
	keys := []Key{key(t, "a", "p1"), key(t, "b", "p2"), key(t, "a", "p2", "x")}
	go func() { // answer dials as they come, some after their cleanup
		for {
			a := f.dialer.Next(wait)
			if a == nil {
				return
			}
			a.Accept("")
		}
	}()
	for i := range 10000 {
		k := keys[i%len(keys)]
		id1 := f.reg.Subscribe(k, Listener{})
		id2 := f.reg.Subscribe(k, Listener{})
		f.reg.Unsubscribe(id2)
		f.reg.Unsubscribe(id1)
	}
	assert.Zero(t, f.reg.Len())
	f.reg.mu.Lock()
	assert.Empty(t, f.reg.byID)
	f.reg.mu.Unlock()
	require.Eventually(t, func() bool {
		for _, c := range f.dialer.Conns() {
			if !c.Closed() {
				return false
			}
		}
		return true
	}, wait, time.Millisecond, "every socket closed")
}

func TestNewKeyValidates(t *testing.T) {
	t.Parallel()
	_, err := NewKey("c", "", nil, false)
	assert.Error(t, err)
	_, err = NewKey("c", "p", []string{"a,b"}, false)
	assert.Error(t, err)
	k, err := NewKey("c", "/p", []string{"a", "b"}, false)
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, k.ProtocolList())
	assert.True(t, strings.HasPrefix(k.Path, "p"))
}
