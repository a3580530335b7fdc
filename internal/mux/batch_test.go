package mux

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/conntest"
	"github.com/kubelive/kubelive/internal/muxwire"
	"github.com/kubelive/kubelive/internal/transport"
)

// TestJSONBatchWithABadFrame: one burst of JSON frames with a malformed
// frame in the middle. Every other frame is delivered, in order, its data
// intact although a burst's payloads share one arena; the bad one is
// reported once, by size.
func TestJSONBatchWithABadFrame(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	a, b := &recorder{}, &recorder{}
	h.subscribe("c1", "/api/v1/namespaces/a/pods", "watch=1", a)
	h.subscribe("c1", "/api/v1/namespaces/b/pods", "watch=1", b)
	conn := h.accept(muxwire.HeadlampProtocol)
	reqA, reqB := requestsAB(t, conn)
	// Events with quotes, escapes and non-ASCII text, so that the
	// data strings hold escapes to undo.
	ev := func(i int) string {
		return fmt.Sprintf(`{"type":"MODIFIED","object":{"metadata":{"name":"p%d","annotations":{"n":"line\nbreak \"q\" </> & é 😀"}}}}`, i)
	}
	var frames []transport.Frame
	var wantA, wantB []string
	const bad = `{"clusterId":"c1","path":"/api/v1/namespaces/a/pods","data":"unterminated`
	for i := range 8 {
		if i == 4 {
			frames = append(frames, transport.Frame{Size: len(bad), Data: []byte(bad)})
		}
		req, want := reqA, &wantA
		if i%3 == 2 {
			req, want = reqB, &wantB
		}
		e, err := muxwire.EncodeJSON(reply(req, muxwire.KindData, ev(i)))
		require.NoError(t, err)
		frames = append(frames, transport.Frame{Size: len(e), Data: e})
		*want = append(*want, "data "+ev(i))
	}
	conn.Push(frames...) // one burst: one Recv
	assert.Equal(t, wantA, a.waitLen(t, "data", len(wantA)), "every frame of the burst, in order")
	assert.Equal(t, wantB, b.waitLen(t, "data", len(wantB)))
	errs := h.errs.waitLen(t, "error", 1)
	require.Len(t, errs, 1, "the bad frame is reported once: %q", errs)
	assert.Equal(t, fmt.Sprintf("error mux: malformed frame: JSON frame of %d bytes is not a message object", len(bad)), errs[0])
	assert.Empty(t, a.with("fail"))
	assert.Equal(t, uint64(9), h.c.Stats().FramesIn)
	assert.Equal(t, uint64(8), h.c.Stats().MessagesIn)
}

// TestJSONBurstsReuseTheirBuffers: bursts of Headlamp's frames (a COMPLETE
// before each DATA) to a key of two listeners and a key of one. The read
// loop reuses, from burst to burst and frame to frame, the buffers of the
// decoded message and of each delivery's listeners: every listener gets
// each of its key's events exactly once, in order, and no other key's.
func TestJSONBurstsReuseTheirBuffers(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	a1, a2, b := &recorder{}, &recorder{}, &recorder{}
	h.subscribe("c1", "/api/v1/namespaces/a/pods", "watch=1", a1)
	h.subscribe("c1", "/api/v1/namespaces/b/pods", "watch=1", b)
	h.subscribe("c1", "/api/v1/namespaces/a/pods", "watch=1", a2)
	conn := h.accept(muxwire.HeadlampProtocol)
	reqA, reqB := requestsAB(t, conn)
	frame := func(req muxwire.Message, k muxwire.Kind, data string) transport.Frame {
		e, err := muxwire.EncodeJSON(reply(req, k, data))
		require.NoError(t, err)
		return transport.Frame{Size: len(e), Data: e}
	}
	var wantA, wantB []string
	bursts := [][]int{{0, 1, 2}, {3}, {4, 5, 6, 7, 8, 9, 10}, {11, 12}} // event numbers; every third to b
	for _, burst := range bursts {
		var frames []transport.Frame
		for _, i := range burst {
			req, want := reqA, &wantA
			if i%3 == 1 {
				req, want = reqB, &wantB
			}
			ev := fmt.Sprintf(`{"type":"MODIFIED","object":{"metadata":{"name":"p%d"}}}`, i)
			frames = append(frames, frame(req, muxwire.KindComplete, ""), frame(req, muxwire.KindData, ev))
			*want = append(*want, "data "+ev)
		}
		conn.Push(frames...) // one burst: one Recv
	}
	assert.Equal(t, wantA, a1.waitLen(t, "data", len(wantA)))
	assert.Equal(t, wantA, a2.waitLen(t, "data", len(wantA)))
	assert.Equal(t, wantB, b.waitLen(t, "data", len(wantB)))
	h.c.Close()
	assert.Equal(t, wantA, a1.with("data"), "nothing more, once all is delivered")
	assert.Equal(t, wantB, b.with("data"))
	assert.Empty(t, h.errs.with("error"))
}

// requestsAB returns the REQUESTs of namespaces a and b that conn got, in
// that order, whatever order the client sent them in.
func requestsAB(t *testing.T, conn *conntest.Conn) (reqA, reqB muxwire.Message) {
	t.Helper()
	ms := sent(t, conn, 2)
	reqA, reqB = ms[0], ms[1]
	if reqA.Path != "/api/v1/namespaces/a/pods" {
		reqA, reqB = reqB, reqA
	}
	return reqA, reqB
}
