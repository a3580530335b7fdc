package mux

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/conntest"
	"github.com/kubelive/kubelive/internal/endpoint"
	"github.com/kubelive/kubelive/internal/muxwire"
	"github.com/kubelive/kubelive/internal/transport"
)

var protocols = []struct {
	name  string
	proto string
}{
	{"json", muxwire.HeadlampProtocol},
	{"json without subprotocol", ""},
	{"msgpack", muxwire.MsgpackProtocol},
}

// push sends server messages in the socket's protocol (one frame per JSON
// message, one muxwire.Batch frame for msgpack).
func push(t *testing.T, conn *conntest.Conn, ms ...muxwire.Message) {
	t.Helper()
	if conn.Protocol() == muxwire.MsgpackProtocol {
		b, err := muxwire.EncodeMsgp(nil, ms)
		require.NoError(t, err)
		conn.Push(transport.Frame{Binary: true, Size: len(b), Data: b})
		return
	}
	for _, m := range ms {
		b, err := muxwire.EncodeJSON(m)
		require.NoError(t, err)
		conn.PushText(string(b))
	}
}

// reply builds a server message answering request req.
func reply(req muxwire.Message, k muxwire.Kind, data string) muxwire.Message {
	m := muxwire.Message{Kind: k, ID: req.ID, Cluster: req.Cluster, Path: req.Path, Query: req.Query, UserID: req.UserID}
	switch k {
	case muxwire.KindData:
		m.Data = []byte(data)
	case muxwire.KindError:
		m.Err = data
	case muxwire.KindStatus:
		m.State = muxwire.State(data)
	}
	return m
}

func TestOneRequestPerKeyAndFanOut(t *testing.T) {
	t.Parallel()
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, nil)
			require.Zero(t, h.dialer.Queued(), "no dial before the first subscription")
			a, b, failing, panicking := &recorder{}, &recorder{}, &recorder{fail: errors.New("boom")}, &recorder{panics: true}
			h.subscribe("c1", "/api/v1/pods", "watch=1&labelSelector=app%3Dx", a)
			h.subscribe("c1", "/api/v1/pods", "labelSelector=app%3Dx&watch=1", failing)
			h.subscribe("c1", "/api/v1/pods", "labelSelector=app%3Dx&watch=1", panicking)
			conn := h.accept(p.proto)
			a.waitLen(t, "socket open", 1)
			h.subscribe("c1", "/api/v1/pods", "watch=1&labelSelector=app%3Dx", b)
			ms := sent(t, conn, 1)
			require.Len(t, ms, 1, "one REQUEST per key: %s", kinds(ms))
			if p.proto == muxwire.MsgpackProtocol {
				assert.Equal(t, "u1", ms[0].UserID)
			} else {
				assert.Equal(t, "u1-1", ms[0].UserID, "each JSON REQUEST has a userId of its own")
			}
			assert.Equal(t, "labelSelector=app%3Dx&watch=1", ms[0].Query)
			push(t, conn, reply(ms[0], muxwire.KindData, `{"type":"ADDED"}`), reply(ms[0], muxwire.KindData, `{"type":"DELETED"}`))
			want := []string{`data {"type":"ADDED"}`, `data {"type":"DELETED"}`}
			assert.Equal(t, want, b.waitLen(t, "data", 2))
			assert.Equal(t, want, a.waitLen(t, "data", 2))
			assert.Equal(t, want, failing.waitLen(t, "data", 2))
			assert.Len(t, failing.waitLen(t, "fail", 2), 2)
			assert.Len(t, panicking.waitLen(t, "fail", 2), 2)
			assert.Empty(t, a.with("fail"))
			assert.Equal(t, []string{"socket connecting", "socket open"}, a.with("socket"))
			assert.Equal(t, []string{"socket open"}, b.with("socket"), "a late subscriber sees the current state")
		})
	}
}

func TestDebouncedClose(t *testing.T) {
	t.Parallel()
	for _, p := range protocols {
		t.Run(p.name+"/last listener leaves", func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, nil)
			id := h.subscribe("c1", "/api/v1/pods", "watch=1", &recorder{})
			id2 := h.subscribe("c1", "/api/v1/pods", "watch=1", &recorder{})
			conn := h.accept(p.proto)
			sent(t, conn, 1)
			h.c.Unsubscribe(id)
			h.c.Unsubscribe(id)
			h.c.Unsubscribe(id2)
			require.Len(t, decodeSent(t, conn), 1, "no CLOSE before the debounce")
			require.False(t, conn.Closed())
			h.advanceTo(DefaultDebounce)
			ms := sent(t, conn, 2)
			assert.Equal(t, muxwire.KindClose, muxwire.Kind(ms[1].Kind))
			assert.Equal(t, ms[0].ID, ms[1].ID)
			assert.Equal(t, "watch=1", ms[1].Query)
			assert.Equal(t, ms[0].UserID, ms[1].UserID, "CLOSE names the request's own userId")
			require.Eventually(t, conn.Closed, waitFor, time.Millisecond, "the socket closes with the last key")
			assert.Zero(t, h.c.Stats().Keys)
		})
		t.Run(p.name+"/resubscribe within the debounce", func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, nil)
			id := h.subscribe("c1", "/api/v1/pods", "watch=1", &recorder{})
			conn := h.accept(p.proto)
			sent(t, conn, 1)
			h.c.Unsubscribe(id)
			r := &recorder{}
			h.subscribe("c1", "/api/v1/pods", "watch=1", r)
			require.Eventually(t, func() bool { return h.clk.Pending() <= 0 }, waitFor, time.Millisecond, "debounce timer stopped")
			h.clk.Advance(time.Second)
			push(t, conn, reply(decodeSent(t, conn)[0], muxwire.KindData, "{}"))
			r.waitLen(t, "data", 1)
			assert.Len(t, decodeSent(t, conn), 1, "neither CLOSE nor a second REQUEST: %s", kinds(decodeSent(t, conn)))
			assert.False(t, conn.Closed())
		})
	}
}

func TestReconnectRequestsFromResume(t *testing.T) {
	t.Parallel()
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, nil)
			pods, cms := &recorder{}, &recorder{}
			idPods := h.subscribe("c1", "/api/v1/pods", "watch=1", pods)
			h.subscribe("c2", "/api/v1/configmaps", "watch=1&resourceVersion=7", cms)
			conn := h.accept(p.proto)
			sent(t, conn, 2)
			require.NoError(t, h.c.SetResume(idPods, "watch=1&resourceVersion=42&allowWatchBookmarks=true"))
			require.Len(t, decodeSent(t, conn), 2, "SetResume sends nothing")
			conn.Drop(transport.CloseAbnormal, "network")
			pods.waitLen(t, "socket reconnecting", 1)
			h.advanceTo(400 * time.Millisecond) // 800 ms ceiling x rand 0.5
			conn2 := h.accept(p.proto)
			ms := sent(t, conn2, 2)
			assert.Equal(t, "REQUEST /api/v1/pods allowWatchBookmarks=true&resourceVersion=42&watch=1;"+
				"REQUEST /api/v1/configmaps resourceVersion=7&watch=1;", kinds(ms))
			push(t, conn2, reply(ms[0], muxwire.KindData, "{}"))
			pods.waitLen(t, "data", 1)
			assert.Equal(t, []string{"socket connecting", "socket open", "socket reconnecting", "socket open"}, pods.with("socket"))
			assert.Equal(t, 1, h.c.Stats().Reconnects)
		})
	}
}

func TestRestartReplacesRequest(t *testing.T) {
	t.Parallel()
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, nil)
			r := &recorder{}
			id := h.subscribe("c1", "/api/v1/pods", "watch=1&resourceVersion=5", r)
			conn := h.accept(p.proto)
			first := sent(t, conn, 1)[0]
			push(t, conn, reply(first, muxwire.KindStatus, "closed"))
			r.waitLen(t, "status closed", 1)
			require.NoError(t, h.c.Restart(id, "watch=1&resourceVersion=90"))
			ms := sent(t, conn, 2)
			assert.Equal(t, "REQUEST /api/v1/pods resourceVersion=5&watch=1;"+
				"REQUEST /api/v1/pods resourceVersion=90&watch=1;", kinds(ms), "no CLOSE for a watch the server ended")
			push(t, conn, reply(first, muxwire.KindData, `{"stale":1}`), reply(ms[1], muxwire.KindData, `{"fresh":1}`))
			r.waitLen(t, "data", 1)
			// A live request replaced: CLOSE, whose reply is not news.
			require.NoError(t, h.c.Restart(id, "watch=1&resourceVersion=95"))
			ms = sent(t, conn, 4)
			assert.Equal(t, "CLOSE /api/v1/pods resourceVersion=90&watch=1;REQUEST /api/v1/pods resourceVersion=95&watch=1;", kinds(ms[2:]))
			closed := reply(ms[2], muxwire.KindStatus, "closed")
			if p.proto != muxwire.MsgpackProtocol {
				closed.UserID = "" // Headlamp's STATUS names only the cluster and path
			}
			push(t, conn, closed, reply(ms[1], muxwire.KindData, `{"stale":2}`), reply(ms[3], muxwire.KindData, `{"fresh":2}`))
			assert.Equal(t, []string{`data {"fresh":1}`, `data {"fresh":2}`}, r.waitLen(t, "data", 2))
			assert.Len(t, r.with("status closed"), 1)
			assert.ErrorIs(t, h.c.Restart(999, "watch=1"), ErrUnknownID)
		})
	}
}

func TestSamePathDifferentSelectorsStayIndependent(t *testing.T) {
	t.Parallel()
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, nil)
			a, b := &recorder{}, &recorder{}
			idA := h.subscribe("c1", "/api/v1/pods", "watch=1&labelSelector=app%3Da", a)
			h.subscribe("c1", "/api/v1/pods", "watch=1&labelSelector=app%3Db", b)
			conn := h.accept(p.proto)
			ms := sent(t, conn, 2)
			push(t, conn, reply(ms[0], muxwire.KindData, `"a1"`), reply(ms[1], muxwire.KindData, `"b1"`))
			a.waitLen(t, "data", 1)
			b.waitLen(t, "data", 1)
			h.c.Unsubscribe(idA)
			h.advanceTo(DefaultDebounce)
			ms = sent(t, conn, 3)
			assert.Equal(t, muxwire.KindClose, muxwire.Kind(ms[2].Kind))
			assert.Equal(t, "labelSelector=app%3Da&watch=1", ms[2].Query)
			// The server confirms A's close: exactly by id on msgpack, as a
			// query-less STATUS on Headlamp's JSON.
			closed := reply(ms[0], muxwire.KindStatus, "closed")
			if p.proto != muxwire.MsgpackProtocol {
				closed.Query, closed.UserID = "", ""
			}
			push(t, conn, closed, reply(ms[0], muxwire.KindData, `"a2"`), reply(ms[1], muxwire.KindData, `"b2"`))
			assert.Equal(t, []string{`data "b1"`, `data "b2"`}, b.waitLen(t, "data", 2))
			assert.Equal(t, []string{"status connected"}, b.with("status"), "B never sees A's close (its first DATA confirmed it)")
			assert.Equal(t, []string{`data "a1"`}, a.with("data"))
			assert.False(t, conn.Closed())
		})
	}
}

func TestMsgpackBatchRoutesByID(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	var recs []*recorder
	for _, ns := range []string{"a", "b", "c"} {
		r := &recorder{}
		recs = append(recs, r)
		h.subscribe("c1", "/api/v1/namespaces/"+ns+"/pods", "watch=1", r)
	}
	conn := h.accept(muxwire.MsgpackProtocol)
	ms := sent(t, conn, 3)
	require.Len(t, conn.Sent(), 1, "the three REQUESTs leave as one batch frame")
	batch := []muxwire.Message{
		reply(ms[2], muxwire.KindData, "c1"), reply(ms[0], muxwire.KindData, "a1"), reply(ms[2], muxwire.KindData, "c2"),
		reply(ms[1], muxwire.KindError, "forbidden"), reply(ms[1], muxwire.KindStatus, "error"),
		{Kind: muxwire.KindData, ID: 999, Data: []byte("nobody")},
	}
	batch[1].Binary = true
	push(t, conn, batch...)
	assert.Equal(t, []string{"data c1", "data c2"}, recs[2].waitLen(t, "data", 2))
	assert.Equal(t, []string{"data a1"}, recs[0].waitLen(t, "data", 1))
	assert.Equal(t, []string{"error forbidden", "status error"}, recs[1].server())
	assert.Equal(t, muxwire.MsgpackProtocol, h.c.Stats().Protocol)
	assert.Equal(t, uint64(6), h.c.Stats().MessagesIn)
}

func TestDialTimeoutThenBackoff(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(o *Options) { o.DialTimeout = 3 * time.Second })
	r := &recorder{}
	h.subscribe("c1", "/api/v1/pods", "watch=1", r)
	a := h.dialer.Next(waitFor)
	require.NotNil(t, a)
	h.advanceTo(3 * time.Second)
	<-a.Ctx.Done()
	a.Fail(a.Ctx.Err())
	fails := r.waitLen(t, "fail", 1)
	assert.Contains(t, fails[0], ErrDialTimeout.Error())
	h.advanceTo(400 * time.Millisecond)
	conn := h.accept(muxwire.MsgpackProtocol)
	sent(t, conn, 1)
	assert.Equal(t, []string{"socket connecting", "socket reconnecting", "socket open"}, r.with("socket"))
}

func TestPermanentHandshakeFailureStops(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	r := &recorder{}
	h.subscribe("c1", "/api/v1/pods", "watch=1", r)
	h.dialer.Next(waitFor).Fail(&transport.HandshakeError{Status: 404, Err: errors.New("not found")})
	r.waitLen(t, "socket closed", 1)
	assert.Len(t, r.with("fail"), 1)
	assert.Nil(t, h.dialer.Next(50*time.Millisecond), "no retry after a 404")
}

func TestCloseEndsEverything(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	r := &recorder{}
	h.subscribe("c1", "/api/v1/pods", "watch=1", r)
	conn := h.accept(muxwire.HeadlampProtocol)
	sent(t, conn, 1)
	h.c.Close()
	h.c.Close()
	require.Eventually(t, conn.Closed, waitFor, time.Millisecond)
	r.waitLen(t, "socket closed", 1)
	_, err := h.c.Subscribe(muxwire.Key{Cluster: "c1", Path: "/p"}, Listener{})
	assert.ErrorIs(t, err, ErrClosed)
	_, err = h.c.Subscribe(muxwire.Key{Cluster: "c1", Path: "/p", Query: "a=%zz"}, Listener{})
	assert.ErrorIs(t, err, muxwire.ErrBadKey)
}

func TestDetect(t *testing.T) {
	t.Parallel()
	ep, err := endpoint.New("https://backend.test/base", "", "")
	require.NoError(t, err)
	for _, tc := range []struct {
		name    string
		answer  func(a *conntest.Attempt)
		want    string
		wantErr bool
	}{
		{"msgpack", func(a *conntest.Attempt) { a.Accept(muxwire.MsgpackProtocol) }, muxwire.MsgpackProtocol, false},
		{"headlamp", func(a *conntest.Attempt) { a.Accept("") }, "", false},
		{"no endpoint", func(a *conntest.Attempt) { a.Fail(&transport.HandshakeError{Status: 404, Err: errors.New("404")}) }, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := conntest.NewDialer()
			go func() {
				a := d.Next(waitFor)
				if a != nil {
					tc.answer(a)
				}
			}()
			got, err := Detect(context.Background(), d, ep, waitFor)
			if tc.wantErr {
				require.ErrorIs(t, err, ErrNoMultiplexer)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			require.Eventually(t, func() bool { return len(d.Conns()) == 1 && d.Conns()[0].Closed() }, waitFor, time.Millisecond)
		})
	}
}

// A key whose upstream the server reported closed is requested afresh when a
// listener joins it again (the owner resumed from the same resourceVersion
// within the debounce): joining the dead watch would deliver nothing, ever.
func TestRejoiningAnEndedKeyRequestsAgain(t *testing.T) {
	t.Parallel()
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, nil)
			first := &recorder{}
			id := h.subscribe("c1", "/api/v1/pods", "watch=1&resourceVersion=5", first)
			conn := h.accept(p.proto)
			req := sent(t, conn, 1)[0]
			st := reply(req, muxwire.KindStatus, string(muxwire.StateClosed))
			push(t, conn, reply(req, muxwire.KindStatus, string(muxwire.StateConnected)))
			if p.proto != muxwire.MsgpackProtocol {
				st.Query, st.UserID = "", "" // as Headlamp's backend sends it
			}
			push(t, conn, st)
			first.waitLen(t, "status", 2)
			h.c.Unsubscribe(id)
			again := &recorder{}
			h.subscribe("c1", "/api/v1/pods", "watch=1&resourceVersion=5", again)
			ms := sent(t, conn, 2)
			assert.Equal(t, "REQUEST /api/v1/pods resourceVersion=5&watch=1;REQUEST /api/v1/pods resourceVersion=5&watch=1;", kinds(ms), "no CLOSE for an ended watch")
			push(t, conn, reply(ms[1], muxwire.KindData, `{"type":"ADDED"}`))
			assert.Equal(t, []string{`data {"type":"ADDED"}`}, again.waitLen(t, "data", 1))
			assert.Equal(t, []string{"status connected", `data {"type":"ADDED"}`}, again.server())
		})
	}
}
