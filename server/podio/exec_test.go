package podio

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// execClient speaks one channel protocol from the client side.
type execClient struct {
	t     *testing.T
	ctx   context.Context
	conn  *websocket.Conn
	proto channelProtocol
	out   map[byte]*strings.Builder
	// frames lists every frame read as channel:length.
	frames []string
}

func (e *testEnv) exec(t *testing.T, query string, protos ...string) *execClient {
	t.Helper()
	ctx := testCtx(t)
	conn := e.dial(t, ctx, "/api/v1/namespaces/default/pods/web-1/"+query, protos...)
	proto, ok := lookupChannelProtocol(conn.Subprotocol())
	require.True(t, ok, conn.Subprotocol())
	return &execClient{t: t, ctx: ctx, conn: conn, proto: proto, out: map[byte]*strings.Builder{}}
}

func (c *execClient) send(ch byte, data string) {
	c.t.Helper()
	typ, frame := c.proto.encode(ch, []byte(data))
	require.NoError(c.t, c.conn.Write(c.ctx, typ, frame))
}

// readUntil reads frames until channel ch's output contains want.
func (c *execClient) readUntil(ch byte, want string) {
	c.t.Helper()
	for !strings.Contains(c.text(ch), want) {
		c.readFrame()
	}
}

// readFrame reads and records one frame.
func (c *execClient) readFrame() {
	c.t.Helper()
	_, msg, err := c.conn.Read(c.ctx)
	require.NoError(c.t, err, "have %q", c.out)
	got, data, err := c.proto.decode(msg)
	require.NoError(c.t, err)
	c.frames = append(c.frames, fmt.Sprintf("%d:%d", got, len(data)))
	if c.out[got] == nil {
		c.out[got] = &strings.Builder{}
	}
	c.out[got].Write(data)
}

func (c *execClient) text(ch byte) string {
	if b := c.out[ch]; b != nil {
		return b.String()
	}
	return ""
}

// readClose reads until the server closes and returns the close status.
func (c *execClient) readClose() websocket.StatusCode {
	c.t.Helper()
	for {
		_, msg, err := c.conn.Read(c.ctx)
		if err != nil {
			return websocket.CloseStatus(err)
		}
		got, data, err := c.proto.decode(msg)
		require.NoError(c.t, err)
		if c.out[got] == nil {
			c.out[got] = &strings.Builder{}
		}
		c.out[got].Write(data)
	}
}

var channelProtocols = []string{"v5.channel.k8s.io", "v4.channel.k8s.io", "v4.base64.channel.k8s.io", "channel.k8s.io", "base64.channel.k8s.io"}

// forEachChannelProtocol runs test in parallel, once per channel protocol, each on its own handler.
func forEachChannelProtocol(t *testing.T, test func(t *testing.T, e *testEnv, name string)) {
	t.Parallel()
	for _, name := range channelProtocols {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, newTestEnv(t, nil), name)
		})
	}
}

const (
	successStatus = `{"metadata":{},"status":"Success"}`
	exit3Status   = `{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: error executing command [sh], exit code 3","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}`
)

func TestExecShellRoundTrip(t *testing.T) {
	forEachChannelProtocol(t, func(t *testing.T, e *testEnv, name string) {
		c := e.exec(t, "exec?command=sh&stdin=true&stdout=true&stderr=true", name)
		assert.Equal(t, name, c.conn.Subprotocol())

		c.send(chStdin, "echo hello wörld\n")
		c.readUntil(chStdout, "hello wörld\n")
		assert.Equal(t, "1:0", c.frames[0], "the first frame is the empty ready frame on stdout")

		c.send(chStdin, "nosuch\n")
		c.readUntil(chStderr, "sh: nosuch: not found\n")
		c.send(chStdin, "exit 3\n")
		assert.Equal(t, websocket.StatusNormalClosure, c.readClose())
		if c.proto.version >= 4 {
			assert.JSONEq(t, exit3Status, c.text(chError))
			assert.Equal(t, exit3Status, c.text(chError), "byte-for-byte as the kubelet")
		} else {
			assert.Equal(t, "command terminated with non-zero exit code: error executing command [sh], exit code 3", c.text(chError))
		}
	})
}

func TestExecTTYResize(t *testing.T) {
	forEachChannelProtocol(t, func(t *testing.T, e *testEnv, name string) {
		c := e.exec(t, "exec?command=/bin/sh&stdin=1&stdout=1&stderr=1&tty=1", name)
		c.readUntil(chStdout, "$ ")
		c.send(chResize, `{"Width":100,"Height":30}`)
		c.send(chStdin, "stty size\r")
		c.readUntil(chStdout, "$ stty size\r\n30 100\r\n$ ")
		c.send(chResize, `{"Width":132,"Height":43}`)
		c.send(chStdin, "stty size\r")
		c.readUntil(chStdout, "43 132\r\n$ ")
		c.send(chStdin, "nosuch\r")
		c.readUntil(chStdout, "sh: nosuch: not found\r\n$ ")
		c.send(chStdin, "exit\r")
		assert.Equal(t, websocket.StatusNormalClosure, c.readClose())
		assert.Empty(t, c.text(chStderr), "a tty merges stderr into stdout")
		if c.proto.version >= 4 {
			assert.JSONEq(t, `{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: error executing command [/bin/sh], exit code 127","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"127"}]}}`, c.text(chError))
		}
	})
}

func TestExecOneShot(t *testing.T) {
	forEachChannelProtocol(t, func(t *testing.T, e *testEnv, name string) {
		c := e.exec(t, "exec?command=echo&command=hi%20there&command=%24HOSTNAME", name)
		assert.Equal(t, websocket.StatusNormalClosure, c.readClose())
		assert.Equal(t, "hi there $HOSTNAME\n", c.text(chStdout), "argv is not expanded by a shell")
		if c.proto.version >= 4 {
			assert.Equal(t, successStatus, c.text(chError))
		} else {
			assert.Empty(t, c.text(chError), "v1 sends nothing on success")
		}
	})
}

func TestExecV5CloseSignal(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, nil)
	c := e.exec(t, "exec?command=cat&stdin=true", "v5.channel.k8s.io")
	c.send(chStdin, "abc")
	c.send(chStdin, "déf\n")
	c.readUntil(chStdout, "abcdéf\n")
	require.NoError(t, c.conn.Write(c.ctx, websocket.MessageBinary, []byte{chClose, chStdin}))
	assert.Equal(t, websocket.StatusNormalClosure, c.readClose())
	assert.Equal(t, successStatus, c.text(chError))
}

func TestExecNegotiatesInClientOrder(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, nil)
	tests := []struct {
		offered []string
		want    string
	}{
		{[]string{"base64.binary.k8s.io", "v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io", "channel.k8s.io"}, "v4.channel.k8s.io"},
		{[]string{"v4.base64.channel.k8s.io", "v5.channel.k8s.io"}, "v4.base64.channel.k8s.io"},
		{[]string{"v5.channel.k8s.io", "v4.channel.k8s.io", "v4.base64.channel.k8s.io", "channel.k8s.io"}, "v5.channel.k8s.io"},
		{[]string{"base64url.bearer.authorization.k8s.io.dG9r", "channel.k8s.io"}, "channel.k8s.io"},
		{nil, ""},
	}
	for _, tc := range tests {
		c := e.exec(t, "exec?command=true", tc.offered...)
		assert.Equal(t, tc.want, c.conn.Subprotocol())
		assert.Equal(t, websocket.StatusNormalClosure, c.readClose())
	}
}

func TestExecRejects(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, nil)
	e.assertRefused(t, []refusal{
		{"unknown pod", "/api/v1/namespaces/default/pods/nope/exec?command=sh", []string{"v4.channel.k8s.io"}, http.StatusNotFound},
		{"unknown container", "/api/v1/namespaces/default/pods/web-1/exec?command=sh&container=x", []string{"v4.channel.k8s.io"}, http.StatusBadRequest},
		{"no command", "/api/v1/namespaces/default/pods/web-1/exec", []string{"v4.channel.k8s.io"}, http.StatusBadRequest},
		{"no streams", "/api/v1/namespaces/default/pods/web-1/exec?command=sh&stdout=0&stderr=false", []string{"v4.channel.k8s.io"}, http.StatusBadRequest},
		{"unsupported protocol", "/api/v1/namespaces/default/pods/web-1/exec?command=sh", []string{"base64.binary.k8s.io", "v3.channel.k8s.io"}, http.StatusForbidden},
	})
	code, _ := e.get(t, "/api/v1/namespaces/default/pods/web-1/exec?command=sh")
	assert.Equal(t, http.StatusBadRequest, code, "exec without an upgrade")
}

func TestExecLogBuiltinsReachTheLogBook(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, nil)
	c := e.exec(t, "exec?command=sh&command=-c&command=log+from+exec%3B+echo+redirected+%3E%3E+%2Flog", "v4.channel.k8s.io")
	assert.Equal(t, websocket.StatusNormalClosure, c.readClose())
	lines := e.logs.Lines(webApp)
	require.Len(t, lines, 2)
	assert.Equal(t, "from exec", lines[0].Text)
	assert.Equal(t, "redirected", lines[1].Text)
}

func TestAttachSharesOneShell(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, nil)
	a := e.exec(t, "attach?stdin=true&stdout=true&tty=true", "v4.channel.k8s.io")
	a.readUntil(chStdout, "$ ")
	b := e.exec(t, "attach?stdin=true&stdout=true&tty=true", "v5.channel.k8s.io")
	b.readFrame() // the ready frame: b is registered once it arrives
	a.send(chStdin, "echo shared\r")
	a.readUntil(chStdout, "shared\r\n$ ")
	b.readUntil(chStdout, "shared\r\n$ ")
	b.send(chResize, `{"Width":90,"Height":20}`)
	b.send(chStdin, "stty size\r")
	a.readUntil(chStdout, "20 90\r\n")
	b.send(chStdin, "exit 4\r")
	for _, c := range []*execClient{a, b} {
		assert.Equal(t, websocket.StatusNormalClosure, c.readClose())
		assert.Contains(t, c.text(chError), `"causes":[{"reason":"ExitCode","message":"4"}]`)
	}
}

func TestExecDroppedByTracker(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, nil)
	c := e.exec(t, "exec?command=sh&stdin=true&tty=true", "v4.channel.k8s.io")
	c.readUntil(chStdout, "$ ")
	e.track.DropAll()
	assert.Equal(t, websocket.StatusCode(-1), c.readClose(), "an abrupt drop, no close frame")
}

func TestInUseWhileAStreamIsOpen(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, nil)
	h := e.h
	require.False(t, h.InUse("default", "web-1"))
	c := e.exec(t, "exec?command=sh&stdin=true&tty=true", "v4.channel.k8s.io")
	c.readUntil(chStdout, "$ ")
	a := e.exec(t, "attach?stdin=true&stdout=true&tty=true", "v5.channel.k8s.io")
	a.readFrame() // the ready frame: the attach is registered
	assert.True(t, h.InUse("default", "web-1"), "exec and attach are open")
	assert.False(t, h.InUse("default", "db-0"))
	c.send(chStdin, "exit\r")
	assert.Equal(t, websocket.StatusNormalClosure, c.readClose())
	assert.True(t, h.InUse("default", "web-1"), "the attach is still open")
	a.send(chStdin, "exit\r")
	assert.Equal(t, websocket.StatusNormalClosure, a.readClose())
	require.Eventually(t, func() bool { return !h.InUse("default", "web-1") }, 10*time.Second, 5*time.Millisecond, "both streams closed")
}

// TestExecScriptReadsStdin runs a script that reads the client's stdin until
// v5's close signal ends it; the loop's count is the exit code.
func TestExecScriptReadsStdin(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, nil)
	script := url.QueryEscape(`read first; n=0; while read line; do n=$((n+1)); done; echo "$first/$n"; exit $n`)
	c := e.exec(t, "exec?command=sh&command=-c&command="+script+"&stdin=true", "v5.channel.k8s.io")
	c.send(chStdin, "alpha\nb\n")
	c.send(chStdin, "c\n")
	require.NoError(t, c.conn.Write(c.ctx, websocket.MessageBinary, []byte{chClose, chStdin}))
	assert.Equal(t, websocket.StatusNormalClosure, c.readClose())
	assert.Equal(t, "alpha/2\n", c.text(chStdout))
	assert.Contains(t, c.text(chError), `"causes":[{"reason":"ExitCode","message":"2"}]`)
}
