package live

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
	"github.com/kubelive/kubelive/internal/mux"
	"github.com/kubelive/kubelive/internal/muxwire"
	"github.com/kubelive/kubelive/internal/reflector"
	"github.com/kubelive/kubelive/internal/transport"
)

const (
	muxURL      = "ws://backend.test/wsMultiplexer"
	perURLWatch = "ws://backend.test/clusters/c1/api/v1/namespaces/ns/pods?watch=1"
)

func TestModeFallsBackOnlyInAutoBeforeAnyConfirmation(t *testing.T) {
	t.Parallel()
	notConfirmed := fmt.Errorf("watch x: %w within 10s", ErrNotConfirmed)
	for _, tc := range []struct {
		name      string
		auto      bool
		confirmed bool
		err       error
		want      bool
	}{
		{"auto, refused", true, false, errors.New("websocket: bad handshake"), true},
		{"auto, 403", true, false, errors.New("upstream said 403 Forbidden"), true},
		{"auto, never confirmed", true, false, notConfirmed, true},
		{"auto, another failure", true, false, errors.New("connection reset"), false},
		{"auto, after a confirmed watch", true, true, errors.New("401 Unauthorized"), false},
		{"on, refused", false, false, errors.New("401 Unauthorized"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := NewMode(tc.auto)
			if tc.confirmed {
				m.Confirmed()
			}
			assert.Equal(t, tc.want, m.Failed(tc.err))
			per, why := m.PerURL()
			assert.Equal(t, tc.want, per)
			if tc.want {
				assert.Contains(t, why, tc.err.Error())
				assert.True(t, m.Failed(errors.New("anything")), "a fallback is for good")
			} else {
				assert.Empty(t, why)
			}
		})
	}
	var none *Mode
	assert.False(t, none.Failed(errors.New("401")), "a nil Mode never falls back")
	none.Confirmed()
}

// muxHarness is a MuxSource over one fake dialer (the multiplexer and the
// per-URL sockets), a fake backend and a fake clock.
type muxHarness struct {
	t      *testing.T
	d      *conntest.Dialer
	f      *fakeFetcher
	clk    *clock.Fake
	mode   *Mode
	lw     reflector.ListerWatcher
	client *mux.Client
}

func newMuxHarness(t *testing.T, auto bool, answers map[string]answer) *muxHarness {
	t.Helper()
	h := &muxHarness{t: t, d: conntest.NewDialer(), f: &fakeFetcher{answers: answers}, clk: clock.NewFake(), mode: NewMode(auto)}
	ep := testEndpoint(t)
	var err error
	h.client, err = mux.New(mux.Options{Dialer: h.d, Endpoint: ep, UserID: "u1", Clock: h.clk, Rand: func() float64 { return 0.5 }})
	require.NoError(t, err)
	t.Cleanup(h.client.Close)
	h.lw = NewMuxSource(NewSource(ep, h.f, h.d), h.client, h.clk, h.mode).ListerWatcher(pods("ns"))
	return h
}

type watchResult struct {
	w   reflector.Watch
	err error
}

// watch starts a Watch; its result arrives on the channel.
func (h *muxHarness) watch(o reflector.WatchOptions) <-chan watchResult {
	out := make(chan watchResult, 1)
	go func() {
		w, err := h.lw.Watch(context.Background(), o)
		out <- watchResult{w, err}
	}()
	return out
}

func result(t *testing.T, c <-chan watchResult) watchResult {
	t.Helper()
	select {
	case r := <-c:
		return r
	case <-time.After(waitFor):
		require.FailNow(t, "Watch did not return")
		return watchResult{}
	}
}

func pending(c <-chan watchResult) bool { return len(c) == 0 }

// A multiplexed watch returns once the server confirmed it, delivers the
// subscription's events, and ends marked ErrTransportReconnects when the
// socket drops (the Reflector resubscribes at once).
func TestMuxWatchWaitsForTheServerAndEndsWithTheSocket(t *testing.T) {
	t.Parallel()
	h := newMuxHarness(t, true, nil)
	res := h.watch(reflector.WatchOptions{})
	conn := nextDial(t, h.d, muxURL).Accept(muxwire.MsgpackProtocol)
	req := requests(t, conn, 1)[0]
	assert.Equal(t, muxwire.KindRequest, req.Kind)
	assert.Equal(t, "/api/v1/namespaces/ns/pods", req.Path)
	assert.Equal(t, "c1", req.Cluster)
	assert.True(t, pending(res), "open but unconfirmed: the watch still waits")

	st := replyTo(req, muxwire.KindStatus)
	st.State = muxwire.StateConnected
	serve(t, conn, st)
	r := result(t, res)
	require.NoError(t, r.err)
	defer r.w.Close()

	ev := replyTo(req, muxwire.KindData)
	ev.Data = []byte(`{"type":"ADDED"}`)
	serve(t, conn, ev)
	frames, err := r.w.Next(context.Background())
	require.NoError(t, err)
	require.Len(t, frames, 1)
	assert.JSONEq(t, `{"type":"ADDED"}`, string(frames[0]))

	conn.Drop(1006, "gone")
	_, err = r.w.Next(context.Background())
	require.ErrorIs(t, err, reflector.ErrTransportReconnects)
	per, _ := h.mode.PerURL()
	assert.False(t, per, "a confirmed multiplexer stays")
}

// In 'auto', a watch the multiplexer never confirms (within ConfirmTimeout
// of the socket opening) moves the lists to per-URL sockets for good; with
// the multiplexer chosen explicitly it is a failure of the watch.
func TestMuxWatchNeverConfirmed(t *testing.T) {
	t.Parallel()
	for _, auto := range []bool{true, false} {
		t.Run(fmt.Sprintf("auto=%v", auto), func(t *testing.T) {
			t.Parallel()
			h := newMuxHarness(t, auto, nil)
			res := h.watch(reflector.WatchOptions{})
			conn := nextDial(t, h.d, muxURL).Accept(muxwire.MsgpackProtocol)
			requests(t, conn, 1)
			waitTimer(t, h.clk, ConfirmTimeout)
			h.clk.Advance(ConfirmTimeout)
			if !auto {
				r := result(t, res)
				require.ErrorIs(t, r.err, ErrNotConfirmed)
				return
			}
			nextDial(t, h.d, perURLWatch).Accept("")
			r := result(t, res)
			require.NoError(t, r.err)
			r.w.Close()
			per, why := h.mode.PerURL()
			assert.True(t, per)
			assert.Contains(t, why, "did not confirm")
			// the next watch goes per-URL at once
			res = h.watch(reflector.WatchOptions{})
			nextDial(t, h.d, perURLWatch).Accept("")
			r = result(t, res)
			require.NoError(t, r.err)
			r.w.Close()
		})
	}
}

// A failed dial of the multiplexer's socket is said at once through
// Waiting, then again with what one probe LIST answered; a server behind
// the resume point (504 too large) ends the watch so that the Reflector
// relists.
func TestMuxWatchSaysWhyTheSocketFails(t *testing.T) {
	t.Parallel()
	const probeURL = "http://backend.test/clusters/c1/api/v1/namespaces/ns/pods?limit=1&resourceVersion=9&resourceVersionMatch=NotOlderThan"
	for _, tc := range []struct {
		name    string
		answer  answer
		waiting int  // Waiting calls per failed dial
		ends    bool // the watch ends (relist)
	}{
		{"the server is down", answer{err: errors.New("fetch: refused")}, 1, false},
		{"the server refuses", answer{status: 403, body: `{"kind":"Status","code":403,"reason":"Forbidden"}`}, 2, false},
		{"the server is behind", answer{status: 504, body: `{"kind":"Status","code":504,"reason":"Timeout","message":"Too large resource version: 9, current: 3","details":{"causes":[{"reason":"ResourceVersionTooLarge","message":"Too large resource version"}]}}`}, 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newMuxHarness(t, false, map[string]answer{probeURL: tc.answer})
			var mu sync.Mutex
			var said []error
			res := h.watch(reflector.WatchOptions{ResourceVersion: "9", Waiting: func(err error) {
				mu.Lock()
				said = append(said, err)
				mu.Unlock()
			}})
			nextDial(t, h.d, muxURL).Fail(errors.New("websocket: close 1006"))
			if tc.ends {
				r := result(t, res)
				require.Error(t, r.err)
				assert.True(t, reflector.TooLargeResourceVersion(r.err), "%v", r.err)
				return
			}
			// Waiting is told at once, before the probe: wait for both.
			require.Eventually(t, func() bool {
				mu.Lock()
				defer mu.Unlock()
				return len(said) >= tc.waiting && len(h.f.probed()) == 1
			}, waitFor, time.Millisecond)
			mu.Lock()
			for _, err := range said {
				assert.ErrorIs(t, err, reflector.ErrWatchRefused)
				assert.ErrorContains(t, err, "close 1006")
			}
			if tc.waiting == 2 {
				assert.ErrorContains(t, said[1], "the server answered")
			}
			mu.Unlock()
			assert.Equal(t, []string{probeURL}, h.f.probed())
			assert.True(t, pending(res), "the watch waits for the socket's redial")
		})
	}
}

// waitTimer waits until the clock has a timer of d armed.
func waitTimer(t *testing.T, clk *clock.Fake, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	for {
		got, ok := clk.WaitArmed(ctx)
		require.True(t, ok, "no timer of %s armed", d)
		if got == d {
			return
		}
	}
}

// How the server's and the socket's statuses end a confirmed watch: the
// server's timeout is a clean close (the Reflector resumes), an upstream
// failure an error that says it, a socket drop ErrTransportReconnects.
func TestMuxWatchEndsAsTheStatusSays(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		state  muxwire.State
		err    string
		drop   bool
		want   string
		target error
	}{
		{name: "server timeout", state: muxwire.StateClosed, want: "upstream watch ended"},
		{name: "upstream failure", state: muxwire.StateError, err: "etcd is down", want: "upstream watch ended: etcd is down"},
		{name: "upstream closed with a reason", state: muxwire.StateClosed, err: "410 gone", want: "upstream watch ended: 410 gone"},
		{name: "socket drop", drop: true, want: "multiplexer socket dropped", target: reflector.ErrTransportReconnects},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newMuxHarness(t, false, nil)
			res := h.watch(reflector.WatchOptions{})
			conn := nextDial(t, h.d, muxURL).Accept(muxwire.MsgpackProtocol)
			req := requests(t, conn, 1)[0]
			ok := replyTo(req, muxwire.KindStatus)
			ok.State = muxwire.StateConnected
			serve(t, conn, ok)
			r := result(t, res)
			require.NoError(t, r.err)
			defer r.w.Close()
			if tc.drop {
				conn.Drop(1006, "gone")
			} else {
				st := replyTo(req, muxwire.KindStatus)
				st.State, st.Err = tc.state, tc.err
				serve(t, conn, st)
			}
			_, err := r.w.Next(context.Background())
			require.ErrorContains(t, err, tc.want)
			if tc.target != nil {
				require.ErrorIs(t, err, tc.target)
			} else {
				assert.NotErrorIs(t, err, reflector.ErrTransportReconnects)
			}
			if tc.err == "" && !tc.drop {
				var ce *transport.CloseError
				require.ErrorAs(t, err, &ce)
				assert.Equal(t, transport.CloseNormal, ce.Code)
			}
		})
	}
}

// A watch the server answers and ends in one batch (a resume from an expired
// resourceVersion: its 410 as an ERROR event, then STATUS closed) still
// reaches the Reflector with its frames, then the end: the 410 is never
// lost, so the list relists rather than resumes again. Without the STATUS
// connected the first event confirms the watch.
func TestMuxWatchAnsweredAndEndedAtOnceKeepsItsEvents(t *testing.T) {
	t.Parallel()
	const expired = `{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Expired","code":410}}`
	for _, tc := range []struct {
		name      string
		connected bool
	}{{"connected, event, closed", true}, {"event, closed", false}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newMuxHarness(t, false, nil)
			res := h.watch(reflector.WatchOptions{ResourceVersion: "7"})
			conn := nextDial(t, h.d, muxURL).Accept(muxwire.MsgpackProtocol)
			req := requests(t, conn, 1)[0]
			var batch []muxwire.Message
			if tc.connected {
				ok := replyTo(req, muxwire.KindStatus)
				ok.State = muxwire.StateConnected
				batch = append(batch, ok)
			}
			ev := replyTo(req, muxwire.KindData)
			ev.Data = []byte(expired)
			end := replyTo(req, muxwire.KindStatus)
			end.State = muxwire.StateClosed
			serve(t, conn, append(batch, ev, end)...)
			r := result(t, res)
			require.NoError(t, r.err, "the watch delivered an event: it is the Reflector's")
			defer r.w.Close()
			frames, err := r.w.Next(context.Background())
			require.NoError(t, err)
			require.Len(t, frames, 1)
			assert.JSONEq(t, expired, string(frames[0]))
			_, err = r.w.Next(context.Background())
			require.ErrorContains(t, err, "upstream watch ended")
		})
	}
}

// The socket's state at Subscribe may reach a watch after a later change
// (the socket opened while Subscribe returned): the newer state stands, so
// a confirmed watch on an open socket is not left waiting for an open that
// already came.
func TestMuxWatchKeepsTheNewestSocketState(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		order []bool // open or not, in the order delivered
		seqs  []uint64
		want  bool
	}{
		{name: "in order", order: []bool{false, true}, seqs: []uint64{1, 2}, want: true},
		{name: "the state at Subscribe overtaken by the open", order: []bool{true, false}, seqs: []uint64{2, 1}, want: true},
		{name: "a drop after the open", order: []bool{true, false}, seqs: []uint64{2, 3}, want: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := &muxWatch{wake: make(chan struct{}, 1)}
			for i, open := range tc.order {
				w.socket(open, tc.seqs[i])
			}
			assert.Equal(t, tc.want, w.open)
		})
	}
}

// A muxWatch copies each pushed frame, and the frames one Next returned
// stay intact while the next burst is pushed (the Reflector still reads
// them), up to the Next after; in a steady stream push and Next allocate
// nothing (the two buffers take turns).
func TestMuxWatchFramesStayUntilTheNextNext(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		bursts [][]string
	}{
		{name: "bursts of one", bursts: [][]string{{"a1"}, {"b2"}, {"c3"}, {"d4"}}},
		{name: "bursts of several", bursts: [][]string{{"first", "second"}, {"third", "", "fifth"}, {"sixth"}, {"7", "8", "9"}}},
		{name: "a burst bigger than the last", bursts: [][]string{{"x"}, {strings.Repeat("y", 5000), strings.Repeat("z", 3000)}, {"w"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := &muxWatch{wake: make(chan struct{}, 1)}
			src := make([]byte, 0, 8192) // reused by the "client" after each push
			pushAll := func(burst []string) {
				for _, f := range burst {
					src = append(src[:0], f...)
					w.push(src)
					for i := range src {
						src[i] = '!'
					}
				}
			}
			pushAll(tc.bursts[0])
			got, err := w.Next(context.Background())
			require.NoError(t, err)
			for i := 1; i < len(tc.bursts); i++ {
				pushAll(tc.bursts[i]) // while the Reflector reads got
				require.Len(t, got, len(tc.bursts[i-1]))
				for j, f := range got {
					assert.Equal(t, tc.bursts[i-1][j], string(f), "burst %d frame %d, after the next burst was pushed", i-1, j)
				}
				got, err = w.Next(context.Background())
				require.NoError(t, err)
			}
			last := tc.bursts[len(tc.bursts)-1]
			require.Len(t, got, len(last))
			for j, f := range got {
				assert.Equal(t, last[j], string(f))
			}
		})
	}
}

// In a steady stream a muxWatch's push and Next allocate nothing: the two
// buffers take turns. (Not parallel: AllocsPerRun.)
func TestMuxWatchSteadyStreamAllocatesNothing(t *testing.T) {
	w := &muxWatch{wake: make(chan struct{}, 1)}
	frame := []byte(strings.Repeat("e", 3400))
	cycle := func() {
		for range 8 {
			w.push(frame)
		}
		_, _ = w.Next(context.Background())
	}
	cycle()
	cycle()
	assert.Zero(t, testing.AllocsPerRun(50, cycle))
}
