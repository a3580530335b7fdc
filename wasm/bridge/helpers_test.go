//go:build js && wasm

package bridge

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hack-pad/safejs"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/endpoint"
)

const deadline = 10 * time.Second

// helpersJS builds JS-side test listeners that record what they receive, as
// a page's own callbacks would.
const helpersJS = `return {
  recorder(throwIt) {
    const r = { msgs: [], errors: [], statuses: [] };
    r.onMessage = (m) => { r.msgs.push(m); if (throwIt) throw new Error('listener blew up'); };
    r.onError = (e) => { r.errors.push(String(e && e.message)); };
    r.onStatus = (s) => { r.statuses.push(s.state); };
    return r;
  },
  opts(cluster, url, type, protocols, r) {
    return { cluster, url, type, protocols, onMessage: r.onMessage, onError: r.onError, onStatus: r.onStatus };
  },
  seqs(r) { return JSON.stringify(r.msgs.map((m) => m.seq)); },
  json(v) { return JSON.stringify(v); },
  isU8(v) { return v instanceof Uint8Array; },
  cycles(api, path, n) {
    const out = { done: false };
    setTimeout(() => {
      const t0 = performance.now();
      const opts = [0, 1, 2].map((i) => ({ cluster: 'c' + i, url: path, onMessage() {} }));
      for (let i = 0; i < n; i++) {
        const a = api.subscribe(opts[i % 3]);
        const b = api.subscribe(opts[i % 3]);
        api.unsubscribe(b);
        api.unsubscribe(a);
        api.unsubscribe(a);
      }
      out.ms = performance.now() - t0;
      out.done = true;
    }, 0);
    return out;
  },
};`

type harness struct {
	t    *testing.T
	addr string
	b    *Bridge
	api  safejs.Value
	h    safejs.Value
}

func newHarness(t *testing.T, token endpoint.Secret, userID string) *harness {
	t.Helper()
	addr := os.Getenv("WSTEST_ADDR")
	require.NotEmpty(t, addr, "WSTEST_ADDR is not set: run through scripts/go_js_wasm_exec")
	b, api, err := Start(Config{BaseURL: "http://" + addr, Token: token, UserID: userID, Multiplexer: "off"})
	require.NoError(t, err)
	t.Cleanup(b.Close)
	ctor, err := safejs.Global().Get("Function")
	require.NoError(t, err)
	f, err := ctor.New(helpersJS)
	require.NoError(t, err)
	h, err := f.Invoke()
	require.NoError(t, err)
	return &harness{t: t, addr: addr, b: b, api: api, h: h}
}

func (h *harness) recorder(throwIt bool) safejs.Value {
	r, err := h.h.Call("recorder", throwIt)
	require.NoError(h.t, err)
	return r
}

// subscribe calls api.subscribe as JS would and returns the id.
func (h *harness) subscribe(cluster, path, typ string, protocols []string, r safejs.Value) float64 {
	ps := make([]any, len(protocols))
	for i, p := range protocols {
		ps[i] = p
	}
	o, err := h.h.Call("opts", cluster, path, typ, ps, r)
	require.NoError(h.t, err)
	id, err := h.api.Call("subscribe", o)
	require.NoError(h.t, err)
	f, err := id.Float()
	require.NoError(h.t, err)
	return f
}

func (h *harness) unsubscribe(id float64) {
	_, err := h.api.Call("unsubscribe", id)
	require.NoError(h.t, err)
}

// stats returns api.stats() decoded.
func (h *harness) stats() statsJSON {
	v, err := h.api.Call("stats")
	require.NoError(h.t, err)
	text, err := h.h.Call("json", v)
	require.NoError(h.t, err)
	s, _ := text.String()
	var st statsJSON
	require.NoError(h.t, json.Unmarshal([]byte(s), &st))
	return st
}

func (h *harness) statsText() string {
	v, err := h.api.Call("stats")
	require.NoError(h.t, err)
	text, err := h.h.Call("json", v)
	require.NoError(h.t, err)
	s, _ := text.String()
	return s
}

func (h *harness) length(r safejs.Value, field string) int {
	v, err := r.Get(field)
	require.NoError(h.t, err)
	n, err := v.Length()
	require.NoError(h.t, err)
	return n
}

func (h *harness) strings(r safejs.Value, field string) []string {
	v, err := r.Get(field)
	require.NoError(h.t, err)
	n, _ := v.Length()
	out := make([]string, n)
	for i := range out {
		e, _ := v.Index(i)
		out[i], _ = e.String()
	}
	return out
}

// waitFor polls cond until it holds or the deadline passes. Polling yields to
// the browser's event loop, so sockets make progress meanwhile.
func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	h.waitForWithin(deadline, what, cond)
}

func (h *harness) waitForWithin(limit time.Duration, what string, cond func() bool) {
	h.t.Helper()
	end := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(end) {
			h.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// ctl calls the test server's control API.
func (h *harness) ctl(method, op string, q url.Values, body string) []byte {
	h.t.Helper()
	req, err := http.NewRequest(method, "http://"+h.addr+"/ctl/"+op+"?"+q.Encode(), strings.NewReader(body))
	require.NoError(h.t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(h.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(h.t, err)
	require.Equal(h.t, http.StatusOK, resp.StatusCode, string(data))
	return data
}

type connInfo struct {
	Open  int `json:"open"`
	Total int `json:"total"`
	Conns []struct {
		URL       string   `json:"url"`
		Protocols []string `json:"protocols"`
	} `json:"conns"`
}

func (h *harness) conns(path string) connInfo {
	var ci connInfo
	require.NoError(h.t, json.Unmarshal(h.ctl("GET", "conns", url.Values{"path": {path}}, ""), &ci))
	return ci
}

func (h *harness) send(path string, frames ...string) {
	h.ctl("POST", "send", url.Values{"path": {path}}, strings.Join(frames, "\n"))
}

func (h *harness) drop(path string) {
	h.ctl("POST", "drop", url.Values{"path": {path}}, "")
}

func (h *harness) serverLog() []string {
	var lines []string
	require.NoError(h.t, json.Unmarshal(h.ctl("GET", "log", nil, ""), &lines))
	return lines
}

func seqFrames(n int) ([]string, string) {
	frames := make([]string, n)
	want := make([]int, n)
	for i := range frames {
		frames[i] = fmt.Sprintf(`{"seq":%d}`, i)
		want[i] = i
	}
	w, _ := json.Marshal(want)
	return frames, string(w)
}

// uniquePath gives each test its own server path so tests can share one
// server without seeing each other's sockets.
func uniquePath(t *testing.T) string {
	return "api/v1/" + strings.ReplaceAll(strings.ToLower(t.Name()), "/", "-")
}
