//go:build js && wasm

package bridge

import (
	"strings"
	"testing"
	"time"

	"github.com/hack-pad/safejs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// streamJS drives api.stream() the way Headlamp's stream() callers do and records
// everything into one object.
const streamJS = `return function (api, url, opts) {
  const r = { frames: [], errors: [], fails: 0, connects: 0 };
  const o = Object.assign({ onError: (e) => r.errors.push(e.message) }, opts);
  if (opts.withFail) o.failCb = () => { r.fails++; };
  o.connectCb = () => { r.connects++; };
  r.id = api.stream(url, (f) => r.frames.push(f), o);
  r.socketState = () => { const ws = api.socket(r.id); return ws ? ws.readyState : -1; };
  return r;
};`

func (h *harness) startStream(path string, opts map[string]any) safejs.Value {
	h.t.Helper()
	ctor, err := safejs.Global().Get("Function")
	require.NoError(h.t, err)
	f, err := ctor.New(streamJS)
	require.NoError(h.t, err)
	start, err := f.Invoke()
	require.NoError(h.t, err)
	o, err := safejs.ValueOf(opts)
	require.NoError(h.t, err)
	r, err := start.Invoke(h.api, path, o)
	require.NoError(h.t, err)
	return r
}

func (h *harness) num(r safejs.Value, field string) int {
	v, err := r.Get(field)
	require.NoError(h.t, err)
	n, err := v.Int()
	require.NoError(h.t, err)
	return n
}

func (h *harness) cancelStream(r safejs.Value) {
	id, err := r.Get("id")
	require.NoError(h.t, err)
	_, err = h.api.Call("cancel", id)
	require.NoError(h.t, err)
}

func (h *harness) socketState(r safejs.Value) int {
	v, err := r.Call("socketState")
	require.NoError(h.t, err)
	n, _ := v.Int()
	return n
}

// quietFor checks that cond stays false for d: the bounded window in which a
// retry that should not happen would have happened (the first backoff delay
// is at most 800 ms).
func (h *harness) quietFor(d time.Duration, what string, cond func() bool) {
	h.t.Helper()
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		if cond() {
			h.t.Fatalf("unexpected: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestStreamParsesJSONAndReportsBadFrames(t *testing.T) {
	h := newHarness(t, "", "")
	path := uniquePath(t)
	r := h.startStream("clusters-free/"+path, map[string]any{"isJson": true, "cluster": "demo"})
	server := "/clusters/demo/clusters-free/" + path
	h.waitFor("open", func() bool { return h.socketState(r) == 1 })
	h.send(server, `{"seq":0}`, `{broken`, `{"seq":1}`)
	h.waitFor("frames", func() bool { return h.length(r, "frames") == 2 && h.length(r, "errors") == 1 })
	assert.Contains(t, h.strings(r, "errors")[0], "7 bytes")
	assert.Equal(t, 1, h.num(r, "connects"))
	h.cancelStream(r)
	h.waitFor("closed", func() bool { st := h.stats(); return st.Streams == 0 && st.BrowserSockets.Live == 0 })
	assert.Equal(t, -1, h.socketState(r), "getSocket is null after cancel")
}

func TestStreamCancelWhileDialingLeavesNothing(t *testing.T) {
	h := newHarness(t, "", "")
	path := uniquePath(t)
	r := h.startStream(path+"?hold=400", map[string]any{"cluster": "demo"})
	h.waitFor("handshake reaches the server", func() bool {
		for _, l := range h.serverLog() {
			if strings.Contains(l, path) {
				return true
			}
		}
		return false
	})
	h.cancelStream(r)
	assert.Equal(t, 0, h.stats().Streams)
	h.waitFor("the server to end the held handshake", func() bool {
		for _, l := range h.serverLog() {
			if strings.HasPrefix(l, "held /clusters/demo/"+path) {
				return true
			}
		}
		return false
	})
	h.waitFor("no socket", func() bool {
		return h.stats().BrowserSockets.Live == 0 && h.conns("/clusters/demo/"+path).Open == 0
	})
	h.quietFor(1500*time.Millisecond, "a retry after cancel", func() bool { return h.conns("/clusters/demo/"+path).Total > 0 || h.num(r, "connects") > 1 })
}

func TestStreamCancelDuringRetryWait(t *testing.T) {
	h := newHarness(t, "", "")
	path := uniquePath(t)
	r := h.startStream(path, map[string]any{"cluster": "demo", "withFail": true, "reconnectOnFailure": true})
	h.waitFor("open", func() bool { return h.socketState(r) == 1 })
	h.drop("/clusters/demo/" + path)
	h.waitFor("failCb", func() bool { return h.num(r, "fails") == 1 })
	h.cancelStream(r)
	h.waitFor("nothing open", func() bool { st := h.stats(); return st.Streams == 0 && st.BrowserSockets.Live == 0 })
	h.quietFor(1500*time.Millisecond, "a retry after cancel", func() bool { return h.conns("/clusters/demo/"+path).Total > 1 })
	assert.Equal(t, 1, h.num(r, "connects"))
}

func TestStreamRetriesWithBackoffAndConnectCbEachAttempt(t *testing.T) {
	h := newHarness(t, "", "")
	path := uniquePath(t)
	r := h.startStream(path, map[string]any{"cluster": "demo"}) // no failCb: reconnects by default
	for i := 1; i <= 3; i++ {
		h.waitFor("open", func() bool { return h.conns("/clusters/demo/"+path).Total == i && h.socketState(r) == 1 })
		assert.Equal(t, i, h.num(r, "connects"))
		if i < 3 {
			h.ctl("POST", "drop", map[string][]string{"path": {"/clusters/demo/" + path}, "close": {"1000"}}, "")
		}
	}
	h.send("/clusters/demo/"+path, "plain text frame")
	h.waitFor("raw frame", func() bool { return h.length(r, "frames") == 1 })
	assert.Equal(t, []string{"plain text frame"}, h.strings(r, "frames"))
	h.cancelStream(r)
}

func TestStreamWithFailCbDoesNotReconnect(t *testing.T) {
	h := newHarness(t, "", "")
	path := uniquePath(t)
	r := h.startStream(path, map[string]any{"cluster": "demo", "withFail": true})
	h.waitFor("open", func() bool { return h.socketState(r) == 1 })
	h.drop("/clusters/demo/" + path)
	h.waitFor("failCb", func() bool { return h.num(r, "fails") == 1 })
	h.waitFor("ended by itself", func() bool { return h.stats().Streams == 0 })
	h.quietFor(1500*time.Millisecond, "a reconnect", func() bool { return h.conns("/clusters/demo/"+path).Total > 1 })
}
