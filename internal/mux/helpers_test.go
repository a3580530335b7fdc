package mux

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/backoff"
	"github.com/kubelive/kubelive/internal/clock"
	"github.com/kubelive/kubelive/internal/conntest"
	"github.com/kubelive/kubelive/internal/endpoint"
	"github.com/kubelive/kubelive/internal/muxwire"
	"github.com/kubelive/kubelive/internal/transport"
)

const waitFor = 5 * time.Second

// harness is a Client over a fake dialer and a fake clock.
type harness struct {
	t      *testing.T
	c      *Client
	dialer *conntest.Dialer
	clk    *clock.Fake
	errs   *recorder
}

func newHarness(t *testing.T, mod func(*Options)) *harness {
	t.Helper()
	ep, err := endpoint.New("http://backend.test", "", "")
	require.NoError(t, err)
	h := &harness{t: t, dialer: conntest.NewDialer(), clk: clock.NewFake(), errs: &recorder{}}
	opts := Options{
		Dialer: h.dialer, Endpoint: ep, UserID: "u1", Clock: h.clk,
		Backoff: backoff.Default, Rand: func() float64 { return 0.5 },
		OnError: func(err error) { h.errs.add("error " + err.Error()) },
	}
	if mod != nil {
		mod(&opts)
	}
	h.c, err = New(opts)
	require.NoError(t, err)
	t.Cleanup(h.c.Close)
	return h
}

// accept takes the next dial attempt and opens it with protocol.
func (h *harness) accept(protocol string) *conntest.Conn {
	h.t.Helper()
	a := h.dialer.Next(waitFor)
	require.NotNil(h.t, a, "no dial attempt")
	require.Equal(h.t, "ws://backend.test/wsMultiplexer", a.URL)
	return a.Accept(protocol)
}

func (h *harness) subscribe(cluster, path, query string, r *recorder) ID {
	h.t.Helper()
	id, err := h.c.Subscribe(muxwire.Key{Cluster: cluster, Path: path, Query: query}, r.listener())
	require.NoError(h.t, err)
	return id
}

// advanceTo waits until a timer of d is armed, then moves the clock by d.
func (h *harness) advanceTo(d time.Duration) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	for {
		got, ok := h.clk.WaitArmed(ctx)
		require.True(h.t, ok, "no timer of %s armed", d)
		if got == d {
			h.clk.Advance(d)
			return
		}
	}
}

// sent waits until conn has sent at least n frames and returns its messages.
func sent(t *testing.T, conn *conntest.Conn, n int) []muxwire.Message {
	t.Helper()
	require.Eventually(t, func() bool { return len(decodeSent(t, conn)) >= n }, waitFor, time.Millisecond,
		"want %d sent messages", n)
	return decodeSent(t, conn)
}

func decodeSent(t *testing.T, conn *conntest.Conn) []muxwire.Message {
	var out []muxwire.Message
	for _, f := range conn.Sent() {
		if conn.Protocol() == muxwire.MsgpackProtocol {
			b, err := muxwire.DecodeMsgp(f.Data, 0)
			require.NoError(t, err)
			out = append(out, b...)
			continue
		}
		m, err := muxwire.DecodeJSON(f.Data, 0)
		require.NoError(t, err)
		out = append(out, m)
	}
	return out
}

func kinds(ms []muxwire.Message) string {
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, "%s %s %s;", m.Kind, m.Path, m.Query)
	}
	return b.String()
}

// recorder collects what a listener sees, as strings.
type recorder struct {
	mu     sync.Mutex
	events []string
	fail   error // returned by OnData
	panics bool  // OnData panics
}

func (r *recorder) add(s string) {
	r.mu.Lock()
	r.events = append(r.events, s)
	r.mu.Unlock()
}

func (r *recorder) listener() Listener {
	return Listener{
		OnData: func(f transport.Frame) error {
			if r.panics {
				panic("listener blew up")
			}
			r.add("data " + string(f.Data))
			return r.fail
		},
		OnError: func(err error) {
			var se *ServerError
			if errors.As(err, &se) {
				r.add("error " + se.Message)
				return
			}
			r.add("fail " + err.Error())
		},
		OnStatus: func(s Status) {
			if s.Server == "" {
				r.add("socket " + s.State.String())
				return
			}
			r.add(strings.TrimSpace("status " + string(s.Server) + " " + s.Err))
		},
	}
}

func (r *recorder) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.events...)
}

// with returns the events that start with prefix.
func (r *recorder) with(prefix string) []string {
	var out []string
	for _, e := range r.all() {
		if strings.HasPrefix(e, prefix) {
			out = append(out, e)
		}
	}
	return out
}

// server returns the events that came from the server (data, error, status).
func (r *recorder) server() []string {
	var out []string
	for _, e := range r.all() {
		if !strings.HasPrefix(e, "socket ") && !strings.HasPrefix(e, "fail ") {
			out = append(out, e)
		}
	}
	return out
}

func (r *recorder) waitLen(t *testing.T, prefix string, n int) []string {
	t.Helper()
	require.Eventually(t, func() bool { return len(r.with(prefix)) >= n }, waitFor, time.Millisecond,
		"want %d events %q, have %q", n, prefix, r.all())
	return r.with(prefix)
}
