package mux

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/backoff"
	"github.com/kubelive/kubelive/internal/muxwire"
	"github.com/kubelive/kubelive/internal/transport"
)

// A kick (another socket to the backend opened, the page came back) cuts
// the socket's wait before a redial short.
func TestKickCutsTheRedialWait(t *testing.T) {
	t.Parallel()
	reach := &backoff.Reach{}
	h := newHarness(t, func(o *Options) { o.Reach = reach })
	h.subscribe("c1", "/api/v1/pods", "watch=1", &recorder{})
	for _, d := range []time.Duration{400, 800, 1600} {
		h.dialer.Next(waitFor).Fail(errors.New("connection refused"))
		h.advanceTo(d * time.Millisecond)
	}
	h.dialer.Next(waitFor).Fail(errors.New("connection refused"))
	waitArmed(t, h, 3200*time.Millisecond)
	reach.Kick("some-cluster")
	h.advanceTo(backoff.KickWindow / 2)
	h.accept(muxwire.MsgpackProtocol)
}

// A watch the server confirmed (STATUS connected, or its first data) proves
// its cluster reachable upstream: the retries of that cluster's lists waiting
// out a backoff (after the server failed their upstream watches while the
// socket stayed open) go now; another cluster's keep waiting.
func TestConfirmedWatchKicksItsCluster(t *testing.T) {
	t.Parallel()
	for _, confirm := range []muxwire.Kind{muxwire.KindStatus, muxwire.KindData} {
		t.Run(confirm.String(), func(t *testing.T) {
			t.Parallel()
			reach := &backoff.Reach{}
			h := newHarness(t, func(o *Options) { o.Reach = reach })
			h.subscribe("c1", "/api/v1/pods", "watch=1", &recorder{})
			conn := h.accept(muxwire.MsgpackProtocol)
			req := sent(t, conn, 1)[0]
			c1, c2 := reach.C("c1"), reach.C("c2")
			select {
			case <-c1:
				require.Fail(t, "kicked before the server confirmed anything")
			default:
			}
			m := reply(req, muxwire.KindStatus, string(muxwire.StateConnected))
			if confirm == muxwire.KindData {
				m = reply(req, muxwire.KindData, `{"type":"ADDED"}`)
			}
			push(t, conn, m)
			select {
			case <-c1:
			case <-time.After(waitFor):
				require.Fail(t, "the confirmation did not release the cluster's waiters")
			}
			select {
			case <-c2:
				require.Fail(t, "another cluster's waiters still wait")
			default:
			}
		})
	}
}

// A socket that delivered frames before it dropped was served: the next
// redial waits the first delay, not a grown one.
func TestServedSocketResetsTheBackoff(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.subscribe("c1", "/api/v1/pods", "watch=1", &recorder{})
	for _, d := range []time.Duration{400, 800} {
		h.dialer.Next(waitFor).Fail(errors.New("connection refused"))
		h.advanceTo(d * time.Millisecond)
	}
	conn := h.accept(muxwire.HeadlampProtocol)
	sent(t, conn, 1)
	conn.Push(transport.Frame{Data: []byte(`{"type":"COMPLETE","clusterId":"c1","path":"/api/v1/pods","query":"watch=1"}`)})
	conn.Drop(transport.CloseAbnormal, "server gone")
	waitArmed(t, h, 400*time.Millisecond)
}

// waitArmed waits until a timer of d is armed.
func waitArmed(t *testing.T, h *harness, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	for {
		got, ok := h.clk.WaitArmed(ctx)
		require.True(t, ok, "no timer of %v armed", d)
		if got == d {
			return
		}
	}
}

// A subscriber that joins while the socket keeps failing to dial learns why
// at once, not at the next failure (which the backoff may put 30 s away).
func TestLateSubscriberLearnsWhy(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.subscribe("c1", "/api/v1/pods", "watch=1", &recorder{})
	h.dialer.Next(waitFor).Fail(errors.New("handshake failed: code 1006"))
	waitArmed(t, h, 400*time.Millisecond) // waiting to redial
	got := make(chan Status, 4)
	_, err := h.c.Subscribe(muxwire.Key{Cluster: "c1", Path: "/api/v1/configmaps", Query: "watch=1"}, Listener{OnStatus: func(s Status) { got <- s }})
	require.NoError(t, err)
	select {
	case s := <-got:
		require.Equal(t, StateReconnecting, s.State)
		require.Contains(t, s.Err, "code 1006")
	case <-time.After(waitFor):
		t.Fatal("no status at subscribe")
	}
}

// Every change of the socket's state takes a higher Seq, and the state a
// subscriber gets at Subscribe carries the Seq of the state it reports, so a
// listener can tell that one from a later change that overtook it.
func TestSocketStatesAreOrderedBySeq(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	first := make(chan Status, 8)
	_, err := h.c.Subscribe(muxwire.Key{Cluster: "c1", Path: "/api/v1/pods", Query: "watch=1"}, Listener{OnStatus: func(s Status) {
		if s.Server == "" {
			first <- s
		}
	}})
	require.NoError(t, err)
	next := func(c chan Status) Status {
		t.Helper()
		select {
		case s := <-c:
			return s
		case <-time.After(waitFor):
			require.FailNow(t, "no socket status")
			return Status{}
		}
	}
	connecting := next(first)
	require.Equal(t, StateConnecting, connecting.State)
	require.NotZero(t, connecting.Seq)
	h.dialer.Next(waitFor).Accept(muxwire.MsgpackProtocol)
	open := next(first)
	require.Equal(t, StateOpen, open.State)
	require.Greater(t, open.Seq, connecting.Seq)

	late := make(chan Status, 8)
	_, err = h.c.Subscribe(muxwire.Key{Cluster: "c1", Path: "/api/v1/configmaps", Query: "watch=1"}, Listener{OnStatus: func(s Status) {
		if s.Server == "" {
			late <- s
		}
	}})
	require.NoError(t, err)
	atSubscribe := next(late)
	require.Equal(t, StateOpen, atSubscribe.State)
	require.Equal(t, open.Seq, atSubscribe.Seq, "the state at Subscribe carries the Seq of the change it reports")
}

// askedBackend is an Options.Answers whose answers the test gives one by
// one: answer waits for the next question and answers it.
type askedBackend chan chan bool

func (a askedBackend) answers(ctx context.Context) bool {
	reply := make(chan bool, 1)
	select {
	case a <- reply:
	case <-ctx.Done():
		return false
	}
	select {
	case v := <-reply:
		return v
	case <-ctx.Done():
		return false
	}
}

func (a askedBackend) answer(t *testing.T, v bool) {
	t.Helper()
	select {
	case reply := <-a:
		reply <- v
	case <-time.After(waitFor):
		t.Fatal("the backend was not asked")
	}
}

// While the socket waits to redial, the backend is asked over HTTP whether
// it answers: at once in a wait that follows a refused dial, and every
// ProbeEvery in a longer wait. An answer after a silence (the server
// restarted) cuts the wait short, so that the socket's grown backoff does
// not outlast the restart, however many dials the restart refused.
func TestAnswerAfterSilenceCutsTheRedialWait(t *testing.T) {
	t.Parallel()
	backend := make(askedBackend)
	h := newHarness(t, func(o *Options) { o.Answers = backend.answers })
	h.subscribe("c1", "/api/v1/pods", "watch=1", &recorder{})
	for _, d := range []time.Duration{400, 800} { // down: each refused dial's wait asks at once
		h.dialer.Next(waitFor).Fail(errors.New("connection refused"))
		backend.answer(t, false)
		waitArmed(t, h, ProbeEvery) // the silence was heard: the next question is due later
		h.clk.Advance(d * time.Millisecond)
	}
	h.dialer.Next(waitFor).Fail(errors.New("connection refused"))
	backend.answer(t, true) // back, at the start of a 1.6 s wait
	h.advanceTo(backoff.KickWindow / 2)
	h.accept(muxwire.MsgpackProtocol)
}

// A backend that answers over HTTP while its socket is refused (a proxy
// that refuses the upgrade) never cuts a wait: the backoff stands.
func TestAnswerAllAlongKeepsTheRedialBackoff(t *testing.T) {
	t.Parallel()
	backend := make(askedBackend)
	h := newHarness(t, func(o *Options) { o.Answers = backend.answers })
	h.subscribe("c1", "/api/v1/pods", "watch=1", &recorder{})
	for _, d := range []time.Duration{400, 800, 1600, 3200} {
		h.dialer.Next(waitFor).Fail(errors.New("websocket: bad handshake"))
		backend.answer(t, true) // asked at once
		waitArmed(t, h, ProbeEvery)
		left := d * time.Millisecond
		for ; left > ProbeEvery; left -= ProbeEvery { // not cut: asked again later
			h.clk.Advance(ProbeEvery)
			backend.answer(t, true)
			waitArmed(t, h, ProbeEvery)
		}
		h.clk.Advance(left)
	}
	h.dialer.Next(waitFor).Fail(errors.New("websocket: bad handshake"))
	backend.answer(t, true)
	waitArmed(t, h, 6400*time.Millisecond)
}
