package stream

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/backoff"
	"github.com/kubelive/kubelive/internal/clock"
	"github.com/kubelive/kubelive/internal/conntest"
	"github.com/kubelive/kubelive/internal/probe"
	"github.com/kubelive/kubelive/internal/transport"
)

// After a dial that failed without a status (a browser's 1006), the probe's
// HTTP answer decides: 404 ends the stream with the server's reason and no
// further dial; 401/403 are reported and retried on the ordinary backoff;
// 5xx, no answer, or a 2xx keep reconnecting.
func TestProbeStatusMapping(t *testing.T) {
	t.Parallel()
	notFound := []byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","message":"pods \"ghost\" not found","reason":"NotFound","code":404}`)
	refused := []byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","message":"WebSocket upgrades from origin http://app.test are refused: start the server with --allow-origin app.test","reason":"Forbidden","code":403}`)
	cases := []struct {
		name    string
		status  int
		body    []byte
		final   bool   // the stream fails and dials no more
		message string // in the error reported
		code    int    // the error's HTTP code, as Describe reads it
	}{
		{"404: the pod does not exist", 404, notFound, true, `pods "ghost" not found`, 404},
		{"404 without a Status body", 404, []byte("not found"), true, "pod shop/ghost not found", 404},
		{"403: the origin is refused", 403, refused, false, "--allow-origin", 403},
		{"401: credentials refused", 401, nil, false, "HTTP 401", 401},
		{"502: the cluster is unreachable", 502, nil, false, "HTTP 502", 502},
		{"no answer: the network failed", 0, nil, false, "code 1006", 0},
		{"200: the resource is served, the socket failed", 200, []byte(`{"kind":"Pod"}`), false, "code 1006", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, clk := conntest.NewDialer(), clock.NewFake()
			fails := make(chan error, 8)
			probes := make(chan struct{}, 8)
			s := New(d, clk, "ws://host/api/v1/namespaces/shop/pods/ghost/log", Options{
				ReconnectOnFailure: ptr(true),
				Rand:               func() float64 { return 0.5 },
				FailCb:             func(err error) { fails <- err },
				Probe: func(context.Context) error {
					probes <- struct{}{}
					return probe.FromResponse(tc.status, tc.body, "pod shop/ghost not found")
				},
			}, nil)
			t.Cleanup(s.Cancel)
			nextAttempt(t, d).Fail(fmt.Errorf("handshake failed: %w", &transport.CloseError{Code: transport.CloseAbnormal}))
			recv(t, probes, "probe")
			err := recv(t, fails, "failCb")
			assert.ErrorContains(t, err, tc.message)
			assert.Equal(t, tc.code, probe.Describe(err).Code)
			if tc.final {
				waitDone(t, s)
				assert.Equal(t, StateFailed, s.State())
				assert.ErrorIs(t, err, ErrRefused)
				assert.Zero(t, d.Queued(), "no further dial")
				assert.Zero(t, clk.Pending())
				return
			}
			assert.Equal(t, 400*time.Millisecond, armed(t, clk), "retried on the ordinary backoff")
			assert.Equal(t, StateWaiting, s.State())
			clk.Advance(400 * time.Millisecond)
			nextAttempt(t, d)
		})
	}
}

// A dial refused with a known status (a native dialer sees it) is not probed.
func TestNoProbeWhenTheStatusIsKnown(t *testing.T) {
	t.Parallel()
	d, clk := conntest.NewDialer(), clock.NewFake()
	probed := make(chan struct{}, 1)
	fails := make(chan error, 1)
	s := New(d, clk, "ws://host/s", Options{FailCb: func(err error) { fails <- err }, ReconnectOnFailure: ptr(true), Rand: func() float64 { return 0.5 },
		Probe: func(context.Context) error { probed <- struct{}{}; return nil }}, nil)
	t.Cleanup(s.Cancel)
	nextAttempt(t, d).Fail(&transport.HandshakeError{Status: 404, Err: errors.New("not found")})
	recv(t, fails, "failCb")
	waitDone(t, s)
	assert.Empty(t, probed)
}

// A socket opening to the backend cuts the stream's waiting retry short.
func TestStreamKickedRetry(t *testing.T) {
	t.Parallel()
	d, clk := conntest.NewDialer(), clock.NewFake()
	reach := &backoff.Reach{}
	s := New(d, clk, "ws://host/clusters/demo/s", Options{ReconnectOnFailure: ptr(true), Reach: reach, ReachKey: "demo",
		Rand: func() float64 { return 0.5 }}, nil)
	t.Cleanup(s.Cancel)
	for _, want := range []time.Duration{400, 800, 1600, 3200} {
		nextAttempt(t, d).Fail(errors.New("connection refused"))
		require.Equal(t, want*time.Millisecond, armed(t, clk))
		clk.Advance(want * time.Millisecond)
	}
	nextAttempt(t, d).Fail(errors.New("connection refused"))
	require.Equal(t, 6400*time.Millisecond, armed(t, clk))
	reach.Kick("demo")
	assert.Equal(t, backoff.KickWindow/2, armed(t, clk))
	clk.Advance(backoff.KickWindow / 2)
	nextAttempt(t, d)
	assert.Equal(t, 0, clk.Pending(), "the long timer was stopped")
}
