//go:build js && wasm

package bridge

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/hack-pad/safejs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/endpoint"
)

func TestFiftySubscribersShareOneBrowserSocket(t *testing.T) {
	h := newHarness(t, "", "")
	path := uniquePath(t)
	recs := make([]safejs.Value, 50)
	for i := range recs {
		r := h.recorder(false)
		recs[i] = r
		h.subscribe("demo", path+"?watch=1", "json", nil, r)
	}
	h.waitFor("socket open", func() bool {
		st := h.stats()
		return len(st.Sockets) == 1 && st.Sockets[0].State == "open"
	})
	frames, want := seqFrames(100)
	h.send("/clusters/demo/"+path, frames...)
	for i, r := range recs {
		h.waitFor("all messages", func() bool { return h.length(r, "msgs") == 100 })
		got, err := h.h.Call("seqs", r)
		require.NoError(t, err)
		s, _ := got.String()
		assert.Equal(t, want, s, "subscriber %d in order", i)
	}
	ci := h.conns("/clusters/demo/" + path)
	assert.Equal(t, 1, ci.Open, "one socket at the server")
	assert.Equal(t, 1, ci.Total, "one socket ever")
	st := h.stats()
	assert.Equal(t, 1, st.BrowserSockets.Created, "one browser WebSocket")
	assert.Equal(t, 50, st.Sockets[0].Listeners)
	assert.Equal(t, uint64(100), st.Sockets[0].MessagesIn)
}

func TestKeysDifferingOnlyInClusterOrProtocolsGetTwoSockets(t *testing.T) {
	h := newHarness(t, "", "")
	path := uniquePath(t)
	r := h.recorder(false)
	h.subscribe("c1", path, "json", nil, r)
	h.subscribe("c2", path, "json", nil, r)
	h.subscribe("c3", path, "json", []string{"a.k8s.io"}, r)
	h.subscribe("c3", path, "json", []string{"b.k8s.io"}, r)
	h.waitFor("four sockets open", func() bool {
		return h.conns("/clusters/c1/"+path).Open == 1 && h.conns("/clusters/c2/"+path).Open == 1 &&
			h.conns("/clusters/c3/"+path).Open == 2
	})
	assert.Len(t, h.stats().Sockets, 4)
}

func TestCleanupWhilePendingClosesWhenDialEnds(t *testing.T) {
	h := newHarness(t, "", "")
	path := uniquePath(t)
	ids := make([]float64, 3)
	for i := range ids {
		ids[i] = h.subscribe("demo", path+"?hold=300", "json", nil, h.recorder(false))
	}
	st := h.stats()
	require.Len(t, st.Sockets, 1)
	assert.Equal(t, "connecting", st.Sockets[0].State)
	h.waitFor("handshake reaches the server", func() bool {
		for _, l := range h.serverLog() {
			if strings.Contains(l, path) {
				return true
			}
		}
		return false
	})
	for _, id := range ids {
		h.unsubscribe(id)
	}
	assert.Empty(t, h.stats().Sockets, "no entry once the last listener left")
	h.waitFor("the server to end the held handshake", func() bool {
		for _, l := range h.serverLog() {
			if strings.HasPrefix(l, "held /clusters/demo/"+path) {
				return true
			}
		}
		return false
	})
	h.waitFor("no socket open anywhere", func() bool {
		return h.stats().BrowserSockets.Live == 0 && h.conns("/clusters/demo/"+path).Open == 0
	})
	assert.Empty(t, h.stats().Sockets)
}

func TestSameCallbackTwiceOneCleanup(t *testing.T) {
	h := newHarness(t, "", "")
	path := uniquePath(t)
	r := h.recorder(false)
	id1 := h.subscribe("demo", path, "json", nil, r)
	h.subscribe("demo", path, "json", nil, r)
	h.waitFor("open", func() bool { return h.conns("/clusters/demo/"+path).Open == 1 })
	h.unsubscribe(id1)
	h.unsubscribe(id1) // harmless
	h.send("/clusters/demo/"+path, `{"seq":0}`)
	h.waitFor("the message", func() bool { return h.length(r, "msgs") == 1 })
	st := h.stats()
	require.Len(t, st.Sockets, 1)
	assert.Equal(t, 1, st.Sockets[0].Listeners)
	h.send("/clusters/demo/"+path, `{"seq":1}`)
	h.waitFor("the second message", func() bool { return h.length(r, "msgs") == 2 })
}

func TestThrowingListenerIsIsolated(t *testing.T) {
	h := newHarness(t, "", "")
	path := uniquePath(t)
	bad, good := h.recorder(true), h.recorder(false)
	h.subscribe("demo", path, "json", nil, bad)
	h.subscribe("demo", path, "json", nil, good)
	h.waitFor("open", func() bool { return h.conns("/clusters/demo/"+path).Open == 1 })
	frames, want := seqFrames(3)
	h.send("/clusters/demo/"+path, frames...)
	h.waitFor("good gets all", func() bool { return h.length(good, "msgs") == 3 })
	h.waitFor("bad's errors", func() bool { return h.length(bad, "errors") == 3 })
	got, _ := h.h.Call("seqs", good)
	s, _ := got.String()
	assert.Equal(t, want, s)
	assert.Contains(t, h.strings(bad, "errors")[0], "listener blew up")
	assert.Zero(t, h.length(good, "errors"))
}

func TestMalformedFrameGoesToOnError(t *testing.T) {
	h := newHarness(t, "", "")
	path := uniquePath(t)
	r := h.recorder(false)
	h.subscribe("demo", path, "json", nil, r)
	h.waitFor("open", func() bool { return h.conns("/clusters/demo/"+path).Open == 1 })
	h.send("/clusters/demo/"+path, `{"password":"hunter2"`, `{"seq":7}`)
	h.waitFor("error and next frame", func() bool { return h.length(r, "errors") == 1 && h.length(r, "msgs") == 1 })
	e := h.strings(r, "errors")[0]
	assert.Contains(t, e, "21 bytes")
	assert.NotContains(t, e, "hunter2")
	got, _ := h.h.Call("seqs", r)
	s, _ := got.String()
	assert.Equal(t, "[7]", s)
}

func TestBinaryModeHandsUint8Array(t *testing.T) {
	h := newHarness(t, "", "")
	path := uniquePath(t)
	r := h.recorder(false)
	h.subscribe("demo", path, "binary", nil, r)
	h.waitFor("open", func() bool { return h.conns("/clusters/demo/"+path).Open == 1 })
	h.ctl("POST", "send", map[string][]string{"path": {"/clusters/demo/" + path}, "binary": {"1"}}, "abc")
	h.waitFor("frame", func() bool { return h.length(r, "msgs") == 1 })
	msgs, _ := r.Get("msgs")
	m, _ := msgs.Index(0)
	ok, _ := h.h.Call("isU8", m)
	b, _ := ok.Bool()
	assert.True(t, b)
	n, _ := m.Length()
	assert.Equal(t, 3, n)
}

func TestURLProtocolsAndTokenNeverLeaks(t *testing.T) {
	const token = "s3cret-token-value"
	h := newHarness(t, endpoint.Secret(token), "user-1")
	path := uniquePath(t)
	r := h.recorder(false)
	h.subscribe("demo", path+"?watch=1&labelSelector=app%3Dweb", "json", []string{"v4.channel.k8s.io"}, r)
	h.waitFor("open", func() bool { return h.conns("/clusters/demo/"+path).Open == 1 })
	ci := h.conns("/clusters/demo/" + path)
	require.Len(t, ci.Conns, 1)
	enc := base64.RawURLEncoding.EncodeToString([]byte(token))
	assert.Equal(t, "/clusters/demo/"+path+"?watch=1&labelSelector=app%3Dweb", ci.Conns[0].URL)
	assert.Equal(t, []string{
		"base64.binary.k8s.io", "v4.channel.k8s.io",
		"base64url.bearer.authorization.k8s.io." + enc,
		"base64url.headlamp.authorization.k8s.io.user-1",
	}, ci.Conns[0].Protocols)
	// Make errors happen, then look everywhere a token could leak.
	h.send("/clusters/demo/"+path, "{bad")
	h.drop("/clusters/demo/" + path)
	h.waitFor("reconnect", func() bool { return h.stats().Sockets[0].Reconnects >= 1 })
	var seen []string
	seen = append(seen, h.serverLog()...)
	seen = append(seen, h.statsText())
	seen = append(seen, h.strings(r, "errors")...)
	for _, c := range ci.Conns {
		seen = append(seen, c.URL)
	}
	for _, s := range seen {
		assert.NotContains(t, s, token)
		assert.NotContains(t, s, enc)
	}
}

func TestServerDropReconnectsAndKeepsDelivering(t *testing.T) {
	h := newHarness(t, "", "")
	path := uniquePath(t)
	r := h.recorder(false)
	h.subscribe("demo", path, "json", nil, r)
	h.waitFor("open", func() bool { return h.conns("/clusters/demo/"+path).Open == 1 })
	h.send("/clusters/demo/"+path, `{"seq":0}`)
	h.waitFor("first", func() bool { return h.length(r, "msgs") == 1 })
	h.ctl("POST", "drop", map[string][]string{"path": {"/clusters/demo/" + path}, "close": {"1000"}}, "")
	h.waitFor("reopened", func() bool {
		st := h.stats()
		return st.Sockets[0].State == "open" && st.Sockets[0].Reconnects == 1 && h.conns("/clusters/demo/"+path).Open == 1
	})
	assert.Equal(t, []string{"connecting", "open", "reconnecting", "open"}, h.strings(r, "statuses"))
	h.send("/clusters/demo/"+path, `{"seq":1}`)
	h.waitFor("after reconnect", func() bool { return h.length(r, "msgs") == 2 })
	assert.Equal(t, 2, h.conns("/clusters/demo/"+path).Total)
}

func TestTenThousandCyclesLeaveNothing(t *testing.T) {
	h := newHarness(t, "", "")
	path := uniquePath(t)
	funcs := h.b.Funcs()
	// 9,980 cycles from a JS task, as a page makes them (several keys, the
	// same options object reused), then 20 whose socket really opens first.
	out, err := h.h.Call("cycles", h.api, path, 9980)
	require.NoError(t, err)
	h.waitForWithin(2*time.Minute, "the JS cycles", func() bool { d, _ := out.Get("done"); b, _ := d.Truthy(); return b })
	r := h.recorder(false)
	for range 20 {
		id := h.subscribe("demo", path, "json", nil, r)
		h.waitFor("open", func() bool { s := h.stats(); return len(s.Sockets) == 1 && s.Sockets[0].State == "open" })
		h.unsubscribe(id)
		h.unsubscribe(id)
	}
	h.waitFor("nothing left", func() bool {
		st := h.stats()
		return len(st.Sockets) == 0 && st.BrowserSockets.Live == 0 && h.conns("/clusters/demo/"+path).Open == 0
	})
	assert.Equal(t, funcs, h.b.Funcs(), "every js.Func released")
	assert.Equal(t, 0, h.b.deps.Registry.Len())
	assert.Zero(t, h.stats().Timers, "no backoff or dial timer left")
	ms, _ := out.Get("ms")
	f, _ := ms.Float()
	t.Logf("9,980 JS cycles took %.0f ms; browser sockets created in all: %d", f, h.stats().BrowserSockets.Created)
}
