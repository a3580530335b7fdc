//go:build js && wasm

package bridge

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hack-pad/safejs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// podJS drives logs() and exec() the way the dashboard does.
const podJS = `return {
  logs(api, opts) {
    const r = { lines: [], dropped: 0, errors: [], states: [] };
    opts.onError = (e) => r.errors.push(e.message);
    opts.onStatus = (s) => r.states.push(s);
    r.id = api.logs(opts, (lines, dropped) => { r.lines.push(...lines); r.dropped = dropped; });
    r.json = () => JSON.stringify(r.lines);
    return r;
  },
  exec(api, opts) {
    const r = { out: { 1: '', 2: '' }, exit: null, error: '' };
    opts.onOutput = (ch, text) => { r.out[ch] += text; };
    opts.onExit = (code, err) => { r.exit = code; r.error = err ? err.message : ''; };
    r.id = api.exec(opts);
    r.stdout = () => r.out[1];
    r.exited = () => r.exit !== null;
    return r;
  },
};`

type podHarness struct {
	*listHarness
	js safejs.Value
}

func newPodHarness(t *testing.T) *podHarness {
	l := newListHarness(t, "off")
	ctor, _ := safejs.Global().Get("Function")
	f, err := ctor.New(podJS)
	require.NoError(t, err)
	js, err := f.Invoke()
	require.NoError(t, err)
	return &podHarness{listHarness: l, js: js}
}

// runningPod returns a Running pod of the seeded namespace and its container.
func (p *podHarness) runningPod() (ns, pod, container string) {
	var l struct {
		Items []struct {
			Metadata struct{ Name, Namespace string }
			Spec     struct{ Containers []struct{ Name string } }
			Status   struct{ Phase string }
		}
	}
	require.NoError(p.t, json.Unmarshal(p.k.api("GET", "/api/v1/namespaces/default/pods", nil), &l))
	for _, it := range l.Items {
		if it.Status.Phase == "Running" {
			return it.Metadata.Namespace, it.Metadata.Name, it.Spec.Containers[0].Name
		}
	}
	p.t.Fatal("no running pod in default")
	return "", "", ""
}

func (p *podHarness) call(method string, args ...any) safejs.Value {
	p.t.Helper()
	v, err := p.js.Call(method, append([]any{p.api}, args...)...)
	require.NoError(p.t, err)
	return v
}

func (p *podHarness) str(r safejs.Value, method string) string {
	v, err := r.Call(method)
	require.NoError(p.t, err)
	s, _ := v.String()
	return s
}

type logLine struct {
	Text string `json:"text"`
	Time string `json:"time"`
}

// A followed log, its socket dropped 5 times, equals the server's log
// exactly: no line lost, none shown twice.
func TestLogFollowSurvivesDropsExactly(t *testing.T) {
	p := newPodHarness(t)
	ns, pod, container := p.runningPod()
	o, _ := safejs.ValueOf(map[string]any{"cluster": "demo", "namespace": ns, "pod": pod, "container": container})
	r := p.call("logs", o)
	seen := func() []logLine {
		var ls []logLine
		require.NoError(t, json.Unmarshal([]byte(p.str(r, "json")), &ls))
		return ls
	}
	// Each drop is a failure of the stream: the retry delay doubles (up to
	// 12.8 s before the 5th), as the backoff policy says.
	cut := 0 // drops that cut the stream (one that lands while it redials cuts nothing)
	for range 5 {
		n := len(seen())
		p.waitForWithin(40*time.Second, "more lines", func() bool { return len(seen()) > n+3 })
		var d struct{ Dropped int }
		require.NoError(t, json.Unmarshal(p.k.do("POST", "/admin/drop?path=/log", nil, ""), &d))
		if d.Dropped > 0 {
			cut++
		}
	}
	require.Positive(t, cut)
	n := len(seen())
	p.waitForWithin(40*time.Second, "lines after the last drop", func() bool { return len(seen()) > n+5 })
	id, _ := r.Get("id")
	_, err := p.api.Call("cancel", id)
	require.NoError(t, err)
	got := seen()

	q := url.Values{"container": {container}, "timestamps": {"true"}}
	body := string(p.k.api("GET", "/api/v1/namespaces/"+ns+"/pods/"+pod+"/log?"+q.Encode(), nil))
	var server []logLine
	for _, line := range strings.Split(strings.TrimRight(body, "\n"), "\n") {
		ts, text, _ := strings.Cut(line, " ")
		server = append(server, logLine{Text: text, Time: ts})
	}
	start := -1
	for i, s := range server {
		if sameTime(t, s.Time, got[0].Time) && s.Text == got[0].Text {
			start = i
			break
		}
	}
	require.GreaterOrEqual(t, start, 0, "first line seen is in the server's log")
	require.GreaterOrEqual(t, len(server)-start, len(got), "the server has at least the lines seen")
	for i, g := range got {
		s := server[start+i]
		require.True(t, sameTime(t, s.Time, g.Time) && s.Text == g.Text, "line %d: saw %q at %s, server has %q at %s", i, g.Text, g.Time, s.Text, s.Time)
	}
	t.Logf("%d lines followed across %d drops, equal to the server's log", len(got), cut)
	errs := p.strings(r, "errors")
	assert.GreaterOrEqual(t, len(errs), cut, "every drop that cut the stream was reported through onError: %q", errs)
	p.waitFor("nothing open", func() bool { return p.stats().Streams == 0 })
}

func sameTime(t *testing.T, a, b string) bool {
	ta, err1 := time.Parse(time.RFC3339Nano, a)
	tb, err2 := time.Parse(time.RFC3339Nano, b)
	return err1 == nil && err2 == nil && ta.Equal(tb)
}

// Exec round trip and the exit code from channel 3.
func TestExecEchoAndExitCode(t *testing.T) {
	p := newPodHarness(t)
	ns, pod, container := p.runningPod()
	o, _ := safejs.ValueOf(map[string]any{"cluster": "demo", "namespace": ns, "pod": pod, "container": container,
		"command": []any{"sh", "-c", "echo hello wörld; exit 3"}})
	r := p.call("exec", o)
	p.waitFor("exit", func() bool { v, _ := r.Call("exited"); b, _ := v.Bool(); return b })
	assert.Equal(t, "hello wörld\n", p.str(r, "stdout"))
	assert.Equal(t, 3, p.num(r, "exit"))
	p.waitFor("nothing open", func() bool { st := p.stats(); return st.Streams == 0 && st.BrowserSockets.Live == 0 })
}

// A resize reaches the server's terminal.
func TestExecResizeReachesTheServer(t *testing.T) {
	p := newPodHarness(t)
	ns, pod, container := p.runningPod()
	o, _ := safejs.ValueOf(map[string]any{"cluster": "demo", "namespace": ns, "pod": pod, "container": container,
		"command": []any{"sh"}, "tty": true})
	r := p.call("exec", o)
	id, _ := r.Get("id")
	p.waitFor("a prompt", func() bool { return strings.Contains(p.str(r, "stdout"), "$") })
	res, err := p.api.Call("resize", id, 123, 45)
	require.NoError(t, err)
	s, _ := res.String()
	require.Empty(t, s)
	_, err = p.api.Call("write", id, "stty size\r")
	require.NoError(t, err)
	p.waitFor("the size", func() bool { return strings.Contains(p.str(r, "stdout"), "45 123") })
	_, err = p.api.Call("write", id, "exit 0\r")
	require.NoError(t, err)
	p.waitFor("exit", func() bool { v, _ := r.Call("exited"); b, _ := v.Bool(); return b })
	assert.Equal(t, 0, p.num(r, "exit"))
}
