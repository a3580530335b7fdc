package podio

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// seedLines appends one, two, three, four to web-1/app one second apart,
// starting at the fake clock's time (00:00:00.123456789), and leaves the
// clock at the last line.
func seedLines(e *testEnv) {
	for i, text := range []string{"one", "two", "three", "four"} {
		if i > 0 {
			e.clock.Advance(time.Second)
		}
		e.logs.Append(webApp, text)
	}
	e.logs.Append(ContainerRef{Namespace: "default", Pod: "web-1", Container: "sidecar"}, "side")
}

func TestLogQuery(t *testing.T) {
	t.Parallel()
	const base = "/api/v1/namespaces/default/pods/web-1/log"
	tests := []struct {
		name  string
		query string
		want  string
	}{
		{"all lines", "", "one\ntwo\nthree\nfour\n"},
		{"tail 2", "?tailLines=2", "three\nfour\n"},
		{"tail 0", "?tailLines=0", ""},
		{"tail more than there are", "?tailLines=10", "one\ntwo\nthree\nfour\n"},
		{"timestamps", "?timestamps=true&tailLines=1", "2026-01-01T00:00:03.123456789Z four\n"},
		{"timestamps=1 counts as true", "?timestamps=1&tailLines=1", "2026-01-01T00:00:03.123456789Z four\n"},
		{"timestamps=false", "?timestamps=false&tailLines=1", "four\n"},
		{"sinceTime in seconds", "?sinceTime=2026-01-01T00:00:02Z", "three\nfour\n"},
		{"sinceTime equal to a line is inclusive", "?sinceTime=2026-01-01T00:00:02.123456789Z", "three\nfour\n"},
		{"sinceTime just after a line", "?sinceTime=2026-01-01T00:00:02.12345679Z", "four\n"},
		{"sinceTime then tail", "?sinceTime=2026-01-01T00:00:01Z&tailLines=1", "four\n"},
		{"sinceSeconds", "?sinceSeconds=2", "two\nthree\nfour\n"},
		{"other container", "?container=sidecar", "side\n"},
		{"limitBytes cuts a line", "?limitBytes=6", "one\ntw"},
	}
	e := newTestEnv(t, nil)
	seedLines(e)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, body := e.get(t, base+tc.query)
			require.Equal(t, http.StatusOK, code, body)
			assert.Equal(t, tc.want, body)
		})
	}
}

func TestLogErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		path     string
		code     int
		reason   metav1.StatusReason
		contains string
	}{
		{"unknown pod", "/api/v1/namespaces/default/pods/nope/log", 404, metav1.StatusReasonNotFound, `pods "nope" not found`},
		{"unknown namespace", "/api/v1/namespaces/other/pods/web-1/log", 404, metav1.StatusReasonNotFound, `pods "web-1" not found`},
		{"a Status from Pods is passed on", "/api/v1/namespaces/default/pods/locked/log", 403, metav1.StatusReasonForbidden, `pods "locked" is forbidden: no access`},
		{"unknown container", "/api/v1/namespaces/default/pods/web-1/log?container=x", 400, metav1.StatusReasonBadRequest, "container x is not valid for pod web-1"},
		{"tailLines not a number", "/api/v1/namespaces/default/pods/web-1/log?tailLines=abc", 400, metav1.StatusReasonBadRequest, "tailLines"},
		{"negative tailLines", "/api/v1/namespaces/default/pods/web-1/log?tailLines=-1", 422, metav1.StatusReasonInvalid, "must be greater than or equal to 0"},
		{"bad sinceTime", "/api/v1/namespaces/default/pods/web-1/log?sinceTime=yesterday", 400, metav1.StatusReasonBadRequest, "sinceTime"},
		{"both since", "/api/v1/namespaces/default/pods/web-1/log?sinceTime=2026-01-01T00:00:02Z&sinceSeconds=3", 422, metav1.StatusReasonInvalid, "at most one of `sinceTime` or `sinceSeconds`"},
		{"zero sinceSeconds", "/api/v1/namespaces/default/pods/web-1/log?sinceSeconds=0", 422, metav1.StatusReasonInvalid, "sinceSeconds"},
		{"previous", "/api/v1/namespaces/default/pods/web-1/log?previous=true", 400, metav1.StatusReasonBadRequest, `previous terminated container "app" in pod "web-1" not found`},
		{"bad chunking", "/api/v1/namespaces/default/pods/web-1/log?chunking=bytes", 400, metav1.StatusReasonBadRequest, "chunking"},
		{"unknown subresource", "/api/v1/namespaces/default/pods/web-1/portforward", 404, metav1.StatusReasonNotFound, "not found"},
		{"not a pod path", "/api/v1/pods", 404, metav1.StatusReasonNotFound, "not found"},
	}
	e := newTestEnv(t, nil)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, body := e.get(t, tc.path)
			require.Equal(t, tc.code, code, body)
			var st metav1.Status
			require.NoError(t, json.Unmarshal([]byte(body), &st), body)
			assert.Equal(t, "Status", st.Kind)
			assert.Equal(t, "v1", st.APIVersion)
			assert.Equal(t, metav1.StatusFailure, st.Status)
			assert.Equal(t, int32(tc.code), st.Code)
			assert.Equal(t, tc.reason, st.Reason)
			assert.Contains(t, st.Message, tc.contains)
		})
	}
}

func TestLogFollowHTTP(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, nil)
	seedLines(e)
	ctx := testCtx(t)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		e.srv.URL+"/api/v1/namespaces/default/pods/web-1/log?follow=true&tailLines=1&timestamps=true", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/plain", resp.Header.Get("Content-Type"))
	r := bufio.NewReader(resp.Body)

	line, err := r.ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "2026-01-01T00:00:03.123456789Z four\n", line)

	e.clock.Advance(time.Second)
	e.logs.Append(webApp, "five ✓")
	line, err = r.ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "2026-01-01T00:00:04.123456789Z five ✓\n", line)

	e.logs.End(webApp)
	_, err = r.ReadString('\n')
	assert.ErrorIs(t, err, io.EOF)
}

func TestLogFollowHTTPDroppedByTracker(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, nil)
	ctx := testCtx(t)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.srv.URL+"/api/v1/namespaces/default/pods/web-1/log?follow=true", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, "/api/v1/namespaces/default/pods/web-1/log", <-e.track.added)
	e.track.DropAll()
	_, err = bufio.NewReader(resp.Body).ReadString('\n')
	require.Error(t, err)
	assert.NotErrorIs(t, err, io.EOF, "a drop must not look like a clean end")
}

// readLogFrames reads log frames and decodes them until the reassembled text
// has suffix want; it returns the frames' decoded bytes.
func readLogFrames(t *testing.T, ctx context.Context, conn *websocket.Conn, b64 bool, want string) [][]byte {
	t.Helper()
	var frames [][]byte
	var all strings.Builder
	for !strings.HasSuffix(all.String(), want) {
		typ, data, err := conn.Read(ctx)
		require.NoError(t, err, "have %q", all.String())
		if b64 {
			require.Equal(t, websocket.MessageText, typ)
			data, err = base64.StdEncoding.DecodeString(string(data))
			require.NoError(t, err)
		} else {
			require.Equal(t, websocket.MessageBinary, typ)
		}
		require.NotEmpty(t, data, "no empty frames")
		frames = append(frames, data)
		all.Write(data)
	}
	return frames
}

func TestLogFollowWebSocket(t *testing.T) {
	t.Parallel()
	tests := []struct {
		protos   []string
		chunking string
		b64      bool
	}{
		{[]string{"base64.binary.k8s.io"}, "stream", true},
		{[]string{"base64.binary.k8s.io"}, "lines", true},
		{[]string{"base64.binary.k8s.io"}, "split", true},
		{[]string{"binary.k8s.io"}, "stream", false},
		{[]string{"binary.k8s.io"}, "split", false},
		{nil, "lines", false},
		{[]string{"v4.channel.k8s.io", "base64.binary.k8s.io", "binary.k8s.io"}, "lines", true},
		{[]string{"base64url.bearer.authorization.k8s.io.dG9rZW4", "binary.k8s.io"}, "lines", false},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.protos, ",")+"/"+tc.chunking, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t, nil)
			seedLines(e)
			ctx := testCtx(t)
			conn := e.dial(t, ctx, "/api/v1/namespaces/default/pods/web-1/log?follow=true&timestamps=true&tailLines=2&chunking="+tc.chunking, tc.protos...)
			want := ""
			if len(tc.protos) > 0 {
				want = "binary.k8s.io"
				if tc.b64 {
					want = "base64.binary.k8s.io"
				}
			}
			assert.Equal(t, want, conn.Subprotocol())

			frames := readLogFrames(t, ctx, conn, tc.b64, "Z four\n")
			assert.Equal(t, "2026-01-01T00:00:02.123456789Z three\n2026-01-01T00:00:03.123456789Z four\n", string(joinFrames(frames)))

			e.clock.Advance(time.Second)
			e.logs.Append(webApp, "café ✓ 日本語 🚀 five")
			frames = readLogFrames(t, ctx, conn, tc.b64, "five\n")
			assert.Equal(t, "2026-01-01T00:00:04.123456789Z café ✓ 日本語 🚀 five\n", string(joinFrames(frames)))
			if tc.chunking == "split" {
				assert.Greater(t, len(frames), 1, "split mode cuts a line")
				assert.True(t, hasBrokenRune(frames), "split mode cuts inside a multi-byte character")
			}

			e.logs.End(webApp)
			_, _, err := conn.Read(ctx)
			assert.Equal(t, websocket.StatusNormalClosure, websocket.CloseStatus(err), "%v", err)
		})
	}
}

func joinFrames(frames [][]byte) []byte {
	var out []byte
	for _, f := range frames {
		out = append(out, f...)
	}
	return out
}

func hasBrokenRune(frames [][]byte) bool {
	for _, f := range frames {
		if !utf8.Valid(f) {
			return true
		}
	}
	return false
}

func TestLogWebSocketNoFollowClosesNormally(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, nil)
	seedLines(e)
	ctx := testCtx(t)
	conn := e.dial(t, ctx, "/api/v1/namespaces/default/pods/web-1/log", "binary.k8s.io")
	frames := readLogFrames(t, ctx, conn, false, "four\n")
	assert.Equal(t, "one\ntwo\nthree\nfour\n", string(joinFrames(frames)))
	_, _, err := conn.Read(ctx)
	assert.Equal(t, websocket.StatusNormalClosure, websocket.CloseStatus(err))
}

func TestLogWebSocketRejects(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, nil)
	e.assertRefused(t, []refusal{
		{"unsupported protocol", "/api/v1/namespaces/default/pods/web-1/log", []string{"v4.channel.k8s.io"}, http.StatusForbidden},
		{"unknown pod", "/api/v1/namespaces/default/pods/nope/log", []string{"base64.binary.k8s.io"}, http.StatusNotFound},
	})
}

func TestLogWebSocketDroppedByTracker(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, nil)
	ctx := testCtx(t)
	conn := e.dial(t, ctx, "/api/v1/namespaces/default/pods/web-1/log?follow=true", "base64.binary.k8s.io")
	<-e.track.added
	e.track.DropAll()
	_, _, err := conn.Read(ctx)
	require.Error(t, err)
	assert.Equal(t, websocket.StatusCode(-1), websocket.CloseStatus(err), "no close frame: an abrupt drop")
}

// TestPreviousLogOfARestartedContainer reads the log of a restarted
// container's previous instance: it ends even when followed. A container that
// never restarted has none.
func TestPreviousLogOfARestartedContainer(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, func(o *Options) {
		p := fakePods().(PodsFunc)
		p.RestartsFunc = func(_, pod, container string) int {
			if pod == "web-1" && container == "sidecar" {
				return 4
			}
			return 0
		}
		o.Pods = p
	})
	code, body := e.get(t, "/api/v1/namespaces/default/pods/web-1/log?container=sidecar&previous=true&follow=true")
	require.Equal(t, http.StatusOK, code, body)
	lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	require.Len(t, lines, 5)
	assert.Equal(t, `{"level":"info","msg":"starting","container":"sidecar","attempt":4}`, lines[0])
	assert.Equal(t, `{"level":"fatal","msg":"giving up: exit status 1"}`, lines[4])
	code, again := e.get(t, "/api/v1/namespaces/default/pods/web-1/log?container=sidecar&previous=true&tailLines=1")
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, lines[4]+"\n", again, "the same instance, tailed")
	code, body = e.get(t, "/api/v1/namespaces/default/pods/web-1/log?container=app&previous=true")
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Contains(t, body, `previous terminated container \"app\" in pod \"web-1\" not found`)
}
