package reflector_test

import (
	"errors"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/backoff"
	"github.com/kubelive/kubelive/internal/reflector"
	rt "github.com/kubelive/kubelive/internal/reflector/reflectortest"
	"github.com/kubelive/kubelive/internal/transport"
	"github.com/kubelive/kubelive/internal/wire"
)

// A LIST alone does not make a list live: no socket is open yet.
func TestLiveOnlyWhileTheWatchIsOpen(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	h.listed("10", obj("a", "1"))
	assert.Equal(t, reflector.PhaseLoading, h.r.Status().Phase, "listed, but no watch is open")
	wc := h.lw.NextWatch(t)
	wc.Fail(&transport.CloseError{Code: transport.CloseAbnormal, Reason: "handshake failed"})
	st := h.status(reflector.PhaseReconnecting)
	require.Error(t, st.Err, "a failed dial says why")
	h.clk.Advance(400 * time.Millisecond)
	w, _ := h.watching("10")
	h.status(reflector.PhaseLive)
	w.Error(410, "Expired") // the watch ends; a relist follows at once
	h.status(reflector.PhaseReconnecting)
	h.listed("20", obj("a", "1"))
	assert.Equal(t, reflector.PhaseReconnecting, h.r.Status().Phase, "relisted, the watch not open again yet")
	h.watching("20")
	h.status(reflector.PhaseLive)
}

// 401 and 403 are shown as errors and retried on the ordinary backoff.
func TestAuthErrorsRetryOnBackoff(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		fail func(h *harness)
	}{
		{"403 on list", func(h *harness) { h.lw.NextList(h.t).Fail(rt.APIError(403, "Forbidden")) }},
		{"403 Status body", func(h *harness) { h.lw.NextList(h.t).Reply([]byte(rt.StatusJSON(403, "Forbidden"))) }},
		{"401 watch handshake", func(h *harness) {
			h.listed("1")
			h.lw.NextWatch(h.t).Fail(&transport.HandshakeError{Status: 401, Err: io.EOF})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := start(t, nil)
			tc.fail(h)
			st := h.status(reflector.PhaseError)
			require.Error(t, st.Err)
			assert.False(t, reflector.Permanent(st.Err))
			assert.Equal(t, 400*time.Millisecond, h.armed(), "retried on the ordinary backoff")
			h.clk.Advance(400 * time.Millisecond)
			assert.Equal(t, 1, waitPending(t, h), "a retry follows")
		})
	}
}

// waitPending waits until the fake ListerWatcher holds a call.
func waitPending(t *testing.T, h *harness) int {
	t.Helper()
	deadline := time.Now().Add(rt.Deadline)
	for h.lw.Pending() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond) // polling a condition with a deadline, not a fixed wait
	}
	return h.lw.Pending()
}

// "Too large resource version" (a server restarted without its state)
// relists at once with the resourceVersion unset, as client-go does.
func TestTooLargeResourceVersionRelistsAtOnce(t *testing.T) {
	t.Parallel()
	tooLarge := &reflector.APIError{Code: 504, Status: &wire.Status{Code: 504, Reason: "Timeout",
		Message: "Too large resource version: 1813, current: 12"}}
	cases := []struct {
		name string
		fail func(h *harness)
	}{
		{"watch refused with the 504", func(h *harness) { h.lw.NextWatch(h.t).Fail(tooLarge) }},
		{"relayed as text by a multiplexer", func(h *harness) {
			h.lw.NextWatch(h.t).Fail(errors.New("upstream watch ended: Timeout: Too large resource version: 1813, current: 12"))
		}},
		{"ERROR event", func(h *harness) {
			w := h.lw.NextWatch(h.t).Accept()
			w.Push([]byte(`{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"Too large resource version: 1813, current: 12","reason":"Timeout","code":504}}`))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := start(t, func(c *reflector.Config) { c.ResourceVersion = "1813" })
			tc.fail(h)
			lc := h.lw.NextList(t)
			assert.Equal(t, reflector.ListOptions{}, lc.Opts, "a consistent relist, the RV unset")
			assert.Zero(t, h.clk.Pending(), "no backoff before the relist")
			lc.Reply(rt.ListBody("12", obj("a", "11")))
			h.call("replace", "12", "a")
			h.watching("12")
			st := h.status(reflector.PhaseLive)
			assert.NoError(t, st.Err, "no raw 504 left on the list")
		})
	}
}

// A Watch that waits for a shared socket reports why through Waiting.
func TestWaitingReportsWhyWhileTheWatchWaits(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	h.listed("10")
	wc := h.lw.NextWatch(t)
	require.NotNil(t, wc.Opts.Waiting)
	wc.Opts.Waiting(errors.New("multiplexer socket: handshake failed"))
	st := h.status(reflector.PhaseReconnecting)
	assert.ErrorContains(t, st.Err, "handshake failed")
	wc.Opts.Waiting(&transport.HandshakeError{Status: 403, Err: errors.New("origin refused")})
	st = h.status(reflector.PhaseError)
	assert.ErrorContains(t, st.Err, "origin refused")
	wc.Accept()
	h.status(reflector.PhaseLive)
}

// A kick of the list's backend cuts a long backoff short.
func TestKickCutsTheBackoffShort(t *testing.T) {
	t.Parallel()
	reach := &backoff.Reach{}
	h := start(t, func(c *reflector.Config) { c.Reach, c.ReachKey = reach, "demo" })
	for i := 0; i < 5; i++ { // climb: 400 ms, 800 ms, ... 6.4 s
		h.lw.NextList(t).Fail(errors.New("connection refused"))
		h.clk.Advance(h.armed())
	}
	h.lw.NextList(t).Fail(errors.New("connection refused"))
	assert.Equal(t, 12800*time.Millisecond, h.armed())
	reach.Kick("prod")
	reach.Kick("demo")
	assert.Equal(t, backoff.KickWindow/2, h.armed(), "the kick re-arms a short, jittered delay")
	h.clk.Advance(backoff.KickWindow / 2)
	h.listed("10")
}
