package mux

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/muxwire"
)

// The tests in this file drive the client as Headlamp's backend answers it
// on JSON: upstream watches keyed by (cluster, path, userId), STATUS naming
// only (cluster, path), a CLOSE answered at once with STATUS closed when the
// watch exists and with nothing when it does not.

const podsPath = "/api/v1/namespaces/ns/pods"

// pathStatus is a STATUS as Headlamp's backend sends it: no query, no userId.
func pathStatus(path string, st muxwire.State) muxwire.Message {
	return muxwire.Message{Kind: muxwire.KindStatus, Cluster: "c1", Path: path, State: st}
}

// The reflector resumes at once with a new key when the server reports its
// watch closed; the old key's CLOSE must not follow, since on Headlamp's
// backend it would end the new watch, and the reply to it would then be
// taken for the answer to a CLOSE of ours.
func TestNoCloseForAWatchTheServerEnded(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(o *Options) { o.JSONOnly = true })
	old := &recorder{}
	oldID := h.subscribe("c1", podsPath, "watch=1&resourceVersion=813", old)
	conn := h.accept(muxwire.HeadlampProtocol)
	req := sent(t, conn, 1)[0]
	push(t, conn, pathStatus(podsPath, muxwire.StateConnected), reply(req, muxwire.KindData, `{"type":"ADDED"}`), pathStatus(podsPath, muxwire.StateClosed))
	old.waitLen(t, "status closed", 1)
	require.Equal(t, []string{"status connected", `data {"type":"ADDED"}`, "status closed"}, old.server())

	// The resume: the new key first, then the old one leaves.
	fresh := &recorder{}
	h.subscribe("c1", podsPath, "watch=1&resourceVersion=874", fresh)
	h.c.Unsubscribe(oldID)
	h.advanceTo(DefaultDebounce)
	ms := sent(t, conn, 2)
	push(t, conn, pathStatus(podsPath, muxwire.StateConnected))
	fresh.waitLen(t, "status connected", 1)
	require.Equal(t, "REQUEST "+podsPath+" resourceVersion=813&watch=1;REQUEST "+podsPath+" resourceVersion=874&watch=1;", kinds(decodeSent(t, conn)),
		"no CLOSE for the watch the server ended")
	assert.NotEqual(t, ms[0].UserID, ms[1].UserID)

	// The new watch's own end is news to it, never swallowed.
	push(t, conn, reply(ms[1], muxwire.KindData, `{"type":"MODIFIED"}`), pathStatus(podsPath, muxwire.StateClosed))
	fresh.waitLen(t, "status closed", 1)
	assert.Equal(t, []string{"status connected", `data {"type":"MODIFIED"}`, "status closed"}, fresh.server())
}

// A watch replaced while the server still holds it is CLOSEd by its own
// userId (it cannot end the replacement), and the reply to that CLOSE is not
// the replacement's status.
func TestCloseReplyNeverSwallowsANewerStatus(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(o *Options) { o.JSONOnly = true })
	a := &recorder{}
	idA := h.subscribe("c1", podsPath, "watch=1&resourceVersion=5", a)
	conn := h.accept(muxwire.HeadlampProtocol)
	reqA := sent(t, conn, 1)[0]
	push(t, conn, pathStatus(podsPath, muxwire.StateConnected))
	a.waitLen(t, "status connected", 1)

	b := &recorder{}
	h.subscribe("c1", podsPath, "watch=1&resourceVersion=9", b)
	h.c.Unsubscribe(idA)
	h.advanceTo(DefaultDebounce)
	ms := sent(t, conn, 3)
	require.Equal(t, "REQUEST "+podsPath+" resourceVersion=9&watch=1;CLOSE "+podsPath+" resourceVersion=5&watch=1;", kinds(ms[1:]))
	assert.Equal(t, reqA.UserID, ms[2].UserID, "CLOSE names A's userId")
	assert.NotEqual(t, ms[1].UserID, ms[2].UserID, "so it cannot end B on a backend that ignores the query")

	// Headlamp answers in order: B's dial, then the CLOSE.
	push(t, conn, pathStatus(podsPath, muxwire.StateConnected), pathStatus(podsPath, muxwire.StateClosed), reply(ms[1], muxwire.KindData, `"b1"`))
	b.waitLen(t, "data", 1)
	assert.Equal(t, []string{"status connected", `data "b1"`}, b.server(), "the CLOSE reply is A's")
	push(t, conn, pathStatus(podsPath, muxwire.StateClosed))
	b.waitLen(t, "status closed", 1)
	assert.Equal(t, []string{"status connected", `data "b1"`, "status closed"}, b.server(), "B's own end reaches B")
	assert.Equal(t, []string{"status connected"}, a.server())
}

// A REQUEST CLOSEd before the server answered it: its STATUS connected and
// the CLOSE's reply both belong to it, not to the next request of the path.
func TestCloseBeforeTheFirstStatus(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(o *Options) { o.JSONOnly = true })
	first := &recorder{}
	id := h.subscribe("c1", podsPath, "watch=1&labelSelector=a%3D1", first)
	conn := h.accept(muxwire.HeadlampProtocol)
	sent(t, conn, 1)
	h.c.Unsubscribe(id)
	next := &recorder{}
	h.subscribe("c1", podsPath, "watch=1&labelSelector=a%3D2", next)
	h.advanceTo(DefaultDebounce)
	ms := sent(t, conn, 3)
	require.Equal(t, "REQUEST "+podsPath+" labelSelector=a%3D1&watch=1;REQUEST "+podsPath+" labelSelector=a%3D2&watch=1;CLOSE "+podsPath+" labelSelector=a%3D1&watch=1;", kinds(ms))
	push(t, conn, pathStatus(podsPath, muxwire.StateConnected)) // the first REQUEST's answer
	push(t, conn, reply(ms[0], muxwire.KindData, `"late"`))     // what the first watch sent before the CLOSE
	push(t, conn, pathStatus(podsPath, muxwire.StateConnected)) // the second's
	push(t, conn, pathStatus(podsPath, muxwire.StateClosed))    // the CLOSE's reply
	push(t, conn, reply(ms[1], muxwire.KindData, `"mine"`))
	next.waitLen(t, "data", 1)
	assert.Equal(t, []string{"status connected", `data "mine"`}, next.server())
}

// Two queries on one path: each REQUEST has its own userId, each STATUS
// connected confirms one of them in the order sent, and neither shows
// connected before its own answer.
func TestTwoQueriesOnOnePath(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(o *Options) { o.JSONOnly = true })
	a, b := &recorder{}, &recorder{}
	h.subscribe("c1", podsPath, "watch=1&labelSelector=a%3D1", a)
	h.subscribe("c1", podsPath, "watch=1&labelSelector=a%3D2", b)
	conn := h.accept(muxwire.HeadlampProtocol)
	ms := sent(t, conn, 2)
	require.NotEqual(t, ms[0].UserID, ms[1].UserID, "one userId per concurrent query on a path")
	push(t, conn, pathStatus(podsPath, muxwire.StateConnected), reply(ms[0], muxwire.KindData, `"a1"`))
	a.waitLen(t, "data", 1)
	assert.Empty(t, b.server(), "B is not confirmed by A's answer")
	push(t, conn, pathStatus(podsPath, muxwire.StateConnected), reply(ms[1], muxwire.KindData, `"b1"`))
	b.waitLen(t, "data", 1)
	assert.Equal(t, []string{"status connected", `data "a1"`}, a.server())
	assert.Equal(t, []string{"status connected", `data "b1"`}, b.server())

	// One of them ends; the frame does not say which: both end, and the one
	// still running is closed by its userId. Exactly one reply comes.
	push(t, conn, pathStatus(podsPath, muxwire.StateClosed))
	a.waitLen(t, "status closed", 1)
	b.waitLen(t, "status closed", 1)
	ms = sent(t, conn, 4)
	assert.ElementsMatch(t, []string{ms[0].UserID, ms[1].UserID}, []string{ms[2].UserID, ms[3].UserID})
	assert.Equal(t, muxwire.KindClose, muxwire.Kind(ms[2].Kind))
	assert.Equal(t, muxwire.KindClose, muxwire.Kind(ms[3].Kind))
	c := &recorder{}
	h.subscribe("c1", podsPath, "watch=1&labelSelector=a%3D3", c)
	ms = sent(t, conn, 5)
	push(t, conn, pathStatus(podsPath, muxwire.StateClosed), pathStatus(podsPath, muxwire.StateConnected), reply(ms[4], muxwire.KindData, `"c1"`))
	c.waitLen(t, "data", 1)
	assert.Equal(t, []string{"status connected", `data "c1"`}, c.server())
}

// During an outage every watch fails and is retried after a delay; the
// socket stays open meanwhile instead of being redialed for each retry.
func TestSocketLingersAcrossRetries(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(o *Options) { o.JSONOnly = true })
	r := &recorder{}
	id := h.subscribe("c1", podsPath, "watch=1", r)
	conn := h.accept(muxwire.HeadlampProtocol)
	for i := range 3 {
		req := sent(t, conn, i+1)[i]
		push(t, conn, pathStatus(podsPath, muxwire.StateError), reply(req, muxwire.KindError, "dialing WebSocket: websocket: bad handshake"))
		r.waitLen(t, "error", i+1)
		h.c.Unsubscribe(id)
		h.advanceTo(DefaultDebounce)
		require.Eventually(t, func() bool { return h.c.Stats().Keys == 0 }, waitFor, time.Millisecond, "the key is dropped")
		require.False(t, conn.Closed(), "retry %d: the socket stays open", i)
		id = h.subscribe("c1", podsPath, "watch=1", r)
	}
	last := sent(t, conn, 4)[3]
	assert.Len(t, h.dialer.Conns(), 1, "one socket for every retry")
	assert.Zero(t, h.dialer.Queued())

	// Once nothing retries, the socket closes after the linger.
	push(t, conn, pathStatus(podsPath, muxwire.StateError), reply(last, muxwire.KindError, "forbidden"))
	r.waitLen(t, "error", 4)
	h.c.Unsubscribe(id)
	h.advanceTo(DefaultDebounce)
	h.advanceTo(DefaultLinger)
	require.Eventually(t, conn.Closed, waitFor, time.Millisecond, "the socket closes once the linger ran out")
}

// A query-less STATUS closed on a path with two confirmed watches, A and B,
// as Headlamp's backend sends it. With a CLOSE of A in flight it is A's (the
// reply, or the server's own end of A, after which the CLOSE finds nothing):
// B sees no status and gets no second REQUEST. With nothing in flight it
// could be either, and both end (B restarts once: the documented cost).
func TestPathClosedWithASibling(t *testing.T) {
	t.Parallel()
	const qa, qb = "labelSelector=a%3D1&watch=1", "labelSelector=a%3D2&watch=1"
	cases := []struct {
		name    string
		closeA  bool // A's last listener leaves first: its CLOSE is in flight
		closeds int  // query-less STATUS closed frames the server sends
		// B's server events after the frames, and the CLOSEs sent for B.
		wantB      []string
		wantCloseB int
	}{
		{name: "the reply to A's CLOSE", closeA: true, closeds: 1,
			wantB: []string{"status connected", `data "b2"`}},
		{name: "B's end while A's CLOSE is in flight", closeA: true, closeds: 2,
			wantB: []string{"status connected", "status closed"}},
		{name: "nothing in flight: either one", closeds: 1,
			wantB: []string{"status connected", "status closed"}, wantCloseB: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, func(o *Options) { o.JSONOnly = true })
			a, b := &recorder{}, &recorder{}
			idA := h.subscribe("c1", podsPath, qa, a)
			h.subscribe("c1", podsPath, qb, b)
			conn := h.accept(muxwire.HeadlampProtocol)
			ms := sent(t, conn, 2)
			reqB := ms[1]
			push(t, conn, pathStatus(podsPath, muxwire.StateConnected), pathStatus(podsPath, muxwire.StateConnected))
			b.waitLen(t, "status connected", 1)
			a.waitLen(t, "status connected", 1)
			n := 2
			if tc.closeA {
				h.c.Unsubscribe(idA)
				h.advanceTo(DefaultDebounce)
				n++
				require.Equal(t, "CLOSE "+podsPath+" "+qa+";", kinds(sent(t, conn, n)[2:]))
			}
			for range tc.closeds {
				push(t, conn, pathStatus(podsPath, muxwire.StateClosed))
			}
			if len(tc.wantB) > 0 && tc.wantB[len(tc.wantB)-1] == "status closed" {
				b.waitLen(t, "status closed", 1)
			} else {
				push(t, conn, reply(reqB, muxwire.KindData, `"b2"`))
				b.waitLen(t, "data", 1)
			}
			assert.Equal(t, tc.wantB, b.server())
			if tc.wantCloseB > 0 {
				sent(t, conn, n+2) // the CLOSEs of A and B
			}
			var requestsB, closesB int
			for _, m := range decodeSent(t, conn) {
				if m.UserID != reqB.UserID {
					continue
				}
				switch muxwire.Kind(m.Kind) {
				case muxwire.KindRequest:
					requestsB++
				case muxwire.KindClose:
					closesB++
				}
			}
			assert.Equal(t, 1, requestsB, "B is requested once")
			assert.Equal(t, tc.wantCloseB, closesB, "CLOSEs of B")
		})
	}
}
