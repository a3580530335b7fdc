package stream

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/clock"
	"github.com/kubelive/kubelive/internal/conntest"
	"github.com/kubelive/kubelive/internal/transport"
)

var errDialFailed = errors.New("connection refused")

func TestStreamCancelInEveryState(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		// reach drives the stream into the state to cancel in and returns
		// a func run after Cancel (to complete a late dial).
		reach func(t *testing.T, d *conntest.Dialer, clk *clock.Fake, st chan State) func()
		abort bool
	}{
		{name: "dialing, the dial completes later", reach: func(t *testing.T, d *conntest.Dialer, _ *clock.Fake, _ chan State) func() {
			a := nextAttempt(t, d)
			return func() {
				c := a.Accept("")
				recv(t, c.Done(), "the late conn to be closed")
			}
		}},
		{name: "dialing, the dialer aborts", abort: true, reach: func(t *testing.T, d *conntest.Dialer, _ *clock.Fake, _ chan State) func() {
			nextAttempt(t, d)
			return func() {}
		}},
		{name: "dialing, the dial fails later", reach: func(t *testing.T, d *conntest.Dialer, _ *clock.Fake, _ chan State) func() {
			a := nextAttempt(t, d)
			return func() { a.Fail(errDialFailed) }
		}},
		{name: "open", reach: func(t *testing.T, d *conntest.Dialer, _ *clock.Fake, st chan State) func() {
			nextAttempt(t, d).Accept("")
			waitState(t, st, StateOpen)
			return func() {}
		}},
		{name: "waiting to retry", reach: func(t *testing.T, d *conntest.Dialer, clk *clock.Fake, _ chan State) func() {
			nextAttempt(t, d).Accept("").Drop(transport.CloseAbnormal, "network")
			armed(t, clk)
			require.Equal(t, 1, clk.Pending())
			return func() {}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, clk := conntest.NewDialer(), clock.NewFake()
			d.AbortOnCancel = tc.abort
			onState, st := states()
			var fails atomic.Int32
			s := New(d, clk, "ws://host/stream", Options{
				OnState: onState, FailCb: func(error) { fails.Add(1) }, ReconnectOnFailure: ptr(true),
			}, nil)
			finish := tc.reach(t, d, clk, st)
			failsBefore := fails.Load()

			s.Cancel()
			assert.Zero(t, clk.Pending(), "no timer pending once Cancel returns")
			assert.Nil(t, s.Conn())
			assert.Equal(t, StateClosed, s.State())
			for _, c := range d.Conns() {
				assert.True(t, c.Closed(), "every conn closed once Cancel returns")
			}
			finish()
			waitDone(t, s)

			assert.Zero(t, clk.Pending())
			for _, c := range d.Conns() {
				assert.True(t, c.Closed())
			}
			assert.Zero(t, d.Queued(), "no attempt after Cancel")
			assert.Equal(t, failsBefore, fails.Load(), "a close after Cancel is not a failure")
			assert.Equal(t, StateClosed, s.State())
			s.Cancel() // idempotent
		})
	}
}

func TestStreamBackoffFollowsPolicy(t *testing.T) {
	t.Parallel()
	d, clk := conntest.NewDialer(), clock.NewFake()
	s := New(d, clk, "ws://host/s", Options{Rand: func() float64 { return 0.5 }}, nil)
	defer s.Cancel()
	want := []time.Duration{400, 800, 1600, 3200, 6400, 12800, 15000, 15000}
	for i, w := range want {
		nextAttempt(t, d).Fail(errDialFailed)
		got := armed(t, clk)
		assert.Equal(t, w*time.Millisecond, got, "delay before attempt %d", i+2)
		clk.Advance(got)
	}
}

func TestStreamBackoffResetsAfterHealthyConnection(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		healthy time.Duration
		want    time.Duration
	}{
		{name: "short-lived connection keeps growing", healthy: time.Minute, want: 1600 * time.Millisecond},
		{name: "two minutes healthy starts over", healthy: 2 * time.Minute, want: 400 * time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, clk := conntest.NewDialer(), clock.NewFake()
			onState, st := states()
			s := New(d, clk, "ws://host/s", Options{Rand: func() float64 { return 0.5 }, OnState: onState}, nil)
			defer s.Cancel()
			for range 2 {
				nextAttempt(t, d).Fail(errDialFailed)
				clk.Advance(armed(t, clk))
			}
			c := nextAttempt(t, d).Accept("")
			waitState(t, st, StateOpen)
			clk.Advance(tc.healthy)
			c.Drop(transport.CloseNormal, "watch timeout")
			assert.Equal(t, tc.want, armed(t, clk))
		})
	}
}

func TestStreamRefusedHandshakeStopsRetrying(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		status int
		failCb bool
	}{
		{name: "404 with failCb", status: 404, failCb: true},
		{name: "404 reconnecting by default", status: 404},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, clk := conntest.NewDialer(), clock.NewFake()
			fails := make(chan error, 8)
			opts := Options{ReconnectOnFailure: ptr(true)}
			if tc.failCb {
				opts.FailCb = func(err error) { fails <- err }
			}
			s := New(d, clk, "ws://host/s", opts, nil)
			nextAttempt(t, d).Fail(&transport.HandshakeError{Status: tc.status, Err: errors.New("refused")})
			waitDone(t, s)
			assert.Equal(t, StateFailed, s.State())
			assert.Zero(t, clk.Pending())
			assert.Zero(t, d.Queued())
			if tc.failCb {
				err := recv(t, fails, "failCb")
				assert.ErrorIs(t, err, ErrRefused)
				var h *transport.HandshakeError
				require.ErrorAs(t, err, &h)
				assert.Equal(t, tc.status, h.Status)
			}
		})
	}
}

func TestStreamOtherHandshakeErrorsRetry(t *testing.T) {
	t.Parallel()
	d, clk := conntest.NewDialer(), clock.NewFake()
	s := New(d, clk, "ws://host/s", Options{}, nil)
	defer s.Cancel()
	nextAttempt(t, d).Fail(&transport.HandshakeError{Status: 500, Err: errors.New("boom")})
	clk.Advance(armed(t, clk))
	nextAttempt(t, d)
}

func TestStreamReconnectOnFailureDefault(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		failCb    bool
		reconnect *bool
		retries   bool
	}{
		{name: "no failCb retries", retries: true},
		{name: "failCb stops", failCb: true},
		{name: "failCb with explicit reconnect retries", failCb: true, reconnect: ptr(true), retries: true},
		{name: "no failCb with explicit no-reconnect stops", reconnect: ptr(false)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, clk := conntest.NewDialer(), clock.NewFake()
			fails := make(chan error, 8)
			opts := Options{ReconnectOnFailure: tc.reconnect}
			if tc.failCb {
				opts.FailCb = func(err error) { fails <- err }
			}
			s := New(d, clk, "ws://host/s", opts, nil)
			defer s.Cancel()
			nextAttempt(t, d).Accept("").Drop(transport.CloseNormal, "")
			if tc.failCb {
				var ce *transport.CloseError
				require.ErrorAs(t, recv(t, fails, "failCb"), &ce, "a normal close is a failure")
				assert.Equal(t, transport.CloseNormal, ce.Code)
			}
			if tc.retries {
				clk.Advance(armed(t, clk))
				nextAttempt(t, d)
				return
			}
			waitDone(t, s)
			assert.Equal(t, StateFailed, s.State())
			assert.Zero(t, clk.Pending())
			assert.Zero(t, d.Queued())
		})
	}
}

func TestStreamConnectCbBeforeEveryAttempt(t *testing.T) {
	t.Parallel()
	d, clk := conntest.NewDialer(), clock.NewFake()
	var connects atomic.Int32
	urls := []string{"ws://h/a", "ws://h/b", "ws://h/c", "ws://h/d"}
	var n atomic.Int32
	s := New(d, clk, "ws://h/unused", Options{
		ConnectCb: func() { connects.Add(1) },
		NextURL:   func() string { return urls[n.Add(1)-1] },
	}, nil)
	defer s.Cancel()
	for i, u := range urls {
		a := nextAttempt(t, d)
		assert.Equal(t, int32(i+1), connects.Load(), "connectCb ran before attempt %d", i+1)
		assert.Equal(t, u, a.URL, "NextURL gives the URL of attempt %d", i+1)
		if i%2 == 0 {
			a.Fail(errDialFailed)
		} else {
			a.Accept("").Drop(transport.CloseAbnormal, "")
		}
		if i < len(urls)-1 {
			clk.Advance(armed(t, clk))
		}
	}
}

func TestStreamDeliversFramesAndExposesConn(t *testing.T) {
	t.Parallel()
	d, clk := conntest.NewDialer(), clock.NewFake()
	frames := make(chan []transport.Frame, 8)
	onState, st := states()
	s := New(d, clk, "ws://host/s", Options{Protocols: []string{"p1", "p2"}, OnState: onState}, func(f []transport.Frame) { frames <- f })
	defer s.Cancel()
	a := nextAttempt(t, d)
	assert.Equal(t, []string{"p1", "p2"}, a.Opts.Protocols)
	assert.Equal(t, StateConnecting, s.State())
	assert.Nil(t, s.Conn())
	assert.ErrorIs(t, s.Send(transport.Frame{}), ErrNotOpen)

	c := a.Accept("p1")
	waitState(t, st, StateOpen)
	assert.Same(t, c, s.Conn().(*conntest.Conn))
	c.PushText("a", "b")
	got := recv(t, frames, "frames")
	require.Len(t, got, 2)
	assert.Equal(t, "a", string(got[0].Data))
	assert.Equal(t, "b", string(got[1].Data))
	require.NoError(t, s.Send(transport.Frame{Data: []byte("up")}))
	assert.Equal(t, "up", string(c.Sent()[0].Data))

	c.Drop(transport.CloseAbnormal, "")
	waitState(t, st, StateWaiting)
	assert.Nil(t, s.Conn())
	assert.True(t, c.Closed(), "the dropped conn is released")
}

func TestStreamCancelFromConnectCbDialsNothing(t *testing.T) {
	t.Parallel()
	d, clk := conntest.NewDialer(), clock.NewFake()
	var sp atomic.Pointer[Stream]
	ready := make(chan struct{})
	s := New(d, clk, "ws://host/s", Options{ConnectCb: func() { <-ready; sp.Load().Cancel() }}, nil)
	sp.Store(s)
	close(ready)
	waitDone(t, s)
	assert.Zero(t, d.Queued())
	assert.Equal(t, StateClosed, s.State())
}

func TestStreamStateSequence(t *testing.T) {
	t.Parallel()
	d, clk := conntest.NewDialer(), clock.NewFake()
	onState, st := states()
	s := New(d, clk, "ws://host/s", Options{OnState: onState}, nil)
	nextAttempt(t, d).Accept("").Drop(transport.CloseNormal, "")
	clk.Advance(armed(t, clk))
	nextAttempt(t, d).Fail(errDialFailed)
	armed(t, clk)
	s.Cancel()
	waitDone(t, s)
	want := []State{StateConnecting, StateOpen, StateWaiting, StateConnecting, StateWaiting, StateClosed}
	var got []State
	for range want {
		got = append(got, recv(t, st, "state"))
	}
	assert.Equal(t, want, got)
	assert.Empty(t, st)
}
