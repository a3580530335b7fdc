package stream

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/clock"
	"github.com/kubelive/kubelive/internal/conntest"
	"github.com/kubelive/kubelive/internal/transport"
)

type output struct {
	channel int
	data    string
}

type exitResult struct {
	code int
	err  error
}

// execHarness is an Exec over a fake Dialer whose callbacks feed channels.
type execHarness struct {
	exec *Exec
	d    *conntest.Dialer
	clk  *clock.Fake
	out  chan output
	exit chan exitResult
}

func newExecHarness(t *testing.T, extra ...string) *execHarness {
	t.Helper()
	h := &execHarness{d: conntest.NewDialer(), clk: clock.NewFake(), out: make(chan output, 1024), exit: make(chan exitResult, 4)}
	h.exec = NewExec(h.d, h.clk, "ws://h/api/v1/namespaces/ns/pods/p/exec?command=sh", ExecOptions{
		Protocols: extra,
		OnOutput:  func(ch int, data []byte) { h.out <- output{ch, string(data)} },
		OnExit:    func(code int, err error) { h.exit <- exitResult{code, err} },
	})
	t.Cleanup(h.exec.Close)
	return h
}

// open accepts the dial with protocol and waits until the session is open.
func (h *execHarness) open(t *testing.T, protocol string) *conntest.Conn {
	t.Helper()
	c := nextAttempt(t, h.d).Accept(protocol)
	require.Eventually(t, func() bool { _, err := h.exec.openCodec(); return err == nil }, patience, 100_000)
	return c
}

// collect reads output until want bytes arrived on channel ch, returning them.
func (h *execHarness) collect(t *testing.T, ch int, n int) string {
	t.Helper()
	var got string
	for len(got) < n {
		o := recv(t, h.out, "output")
		require.Equal(t, ch, o.channel)
		got += o.data
	}
	return got
}

func TestExecOffersChannelProtocolsThenAuth(t *testing.T) {
	t.Parallel()
	h := newExecHarness(t, "base64url.bearer.authorization.k8s.io.dG9r")
	a := nextAttempt(t, h.d)
	assert.Equal(t, []string{ProtocolV5Channel, ProtocolV4Channel, ProtocolV4Base64Channel, ProtocolChannel, "base64url.bearer.authorization.k8s.io.dG9r"}, a.Opts.Protocols)
	assert.Equal(t, transport.PayloadBytes, a.Opts.Payload)
}

func TestExecSendsInNegotiatedFraming(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		protocol string
		stdin    string
		resize   string
		closeErr error
	}{
		{name: "v5", protocol: ProtocolV5Channel, stdin: "\x00ls\n", resize: "\x04{\"Width\":80,\"Height\":24}"},
		{name: "v4", protocol: ProtocolV4Channel, stdin: "\x00ls\n", resize: "\x04{\"Width\":80,\"Height\":24}", closeErr: ErrCloseUnsupported},
		{name: "v4 base64", protocol: ProtocolV4Base64Channel, stdin: "0bHMK", resize: "4eyJXaWR0aCI6ODAsIkhlaWdodCI6MjR9", closeErr: ErrCloseUnsupported},
		{name: "v1", protocol: ProtocolChannel, stdin: "\x00ls\n", resize: "\x04{\"Width\":80,\"Height\":24}", closeErr: ErrCloseUnsupported},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newExecHarness(t)
			assert.ErrorIs(t, h.exec.Write([]byte("early")), ErrNotOpen)
			c := h.open(t, tc.protocol)
			require.NoError(t, h.exec.Write([]byte("ls\n")))
			require.NoError(t, h.exec.Resize(80, 24))
			err := h.exec.CloseStdin()
			sent := c.Sent()
			require.Len(t, sent, 2+boolInt(tc.closeErr == nil))
			assert.Equal(t, tc.stdin, string(sent[0].Data))
			assert.Equal(t, tc.resize, string(sent[1].Data))
			if tc.closeErr != nil {
				assert.ErrorIs(t, err, tc.closeErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, []byte{255, 0}, sent[2].Data)
			assert.ErrorIs(t, h.exec.Write([]byte("more")), ErrStdinClosed)
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestExecResizeBeforeOpenIsSentOnOpen(t *testing.T) {
	t.Parallel()
	h := newExecHarness(t)
	require.NoError(t, h.exec.Resize(10, 5))
	require.NoError(t, h.exec.Resize(100, 50))
	c := h.open(t, ProtocolV4Channel)
	require.Eventually(t, func() bool { return len(c.Sent()) == 1 }, patience, 100_000)
	assert.Equal(t, "\x04{\"Width\":100,\"Height\":50}", string(c.Sent()[0].Data), "only the latest size")
}

// TestExecOutputUTF8SplitAtEveryPosition interleaves stdout and stderr, each
// split at every byte position, in binary and base64 framing.
func TestExecOutputUTF8SplitAtEveryPosition(t *testing.T) {
	t.Parallel()
	for _, protocol := range []string{ProtocolV5Channel, ProtocolV4Base64Channel} {
		t.Run(protocol, func(t *testing.T) {
			t.Parallel()
			h := newExecHarness(t)
			c := h.open(t, protocol)
			codec, err := CodecFor(protocol)
			require.NoError(t, err)
			text := []byte(splitText)
			for i := 0; i <= len(text); i++ {
				c.Push(codec.Encode(ChannelStdout, text[:i]), codec.Encode(ChannelStderr, text[:i]))
				c.Push(codec.Encode(ChannelStdout, text[i:]), codec.Encode(ChannelStderr, text[i:]))
				var stdout, stderr string
				for len(stdout) < len(text) || len(stderr) < len(text) {
					o := recv(t, h.out, "output")
					if o.channel == ChannelStdout {
						stdout += o.data
					} else {
						stderr += o.data
					}
				}
				assert.Equal(t, splitText, stdout, "stdout split at %d", i)
				assert.Equal(t, splitText, stderr, "stderr split at %d", i)
			}
		})
	}
}

func TestExecExit(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		protocol string
		frames   func(c Codec) []transport.Frame
		drop     int // close code from the server after the frames; 0: none
		code     int
		err      error
	}{
		{name: "v5 success", protocol: ProtocolV5Channel, code: 0, frames: func(c Codec) []transport.Frame {
			return []transport.Frame{c.Encode(ChannelError, []byte(`{"metadata":{},"status":"Success"}`))}
		}},
		{name: "v4 exit code 3", protocol: ProtocolV4Channel, code: 3, frames: func(c Codec) []transport.Frame {
			return []transport.Frame{c.Encode(ChannelError, []byte(`{"status":"Failure","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}`))}
		}},
		{name: "v4 base64 failure", protocol: ProtocolV4Base64Channel, code: -1, err: ErrExecFailed, frames: func(c Codec) []transport.Frame {
			return []transport.Frame{c.Encode(ChannelError, []byte(`{"status":"Failure","reason":"InternalError","message":"no shell"}`))}
		}},
		{name: "v4 closed without status", protocol: ProtocolV4Channel, code: -1, err: ErrNoExitStatus, drop: transport.CloseNormal},
		{name: "v1 error text", protocol: ProtocolChannel, code: -1, err: ErrExecFailed, frames: func(c Codec) []transport.Frame {
			return []transport.Frame{c.Encode(ChannelError, []byte("container not found"))}
		}},
		{name: "v1 normal close is success", protocol: ProtocolChannel, code: 0, drop: transport.CloseNormal},
		{name: "v1 abnormal close", protocol: ProtocolChannel, code: -1, err: ErrNoExitStatus, drop: transport.CloseAbnormal},
		{name: "unknown protocol", protocol: "v9.channel.k8s.io", code: -1, err: ErrUnknownProtocol},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newExecHarness(t)
			c := nextAttempt(t, h.d).Accept(tc.protocol)
			if tc.frames != nil {
				codec, err := CodecFor(tc.protocol)
				require.NoError(t, err)
				c.Push(tc.frames(codec)...)
			}
			if tc.drop != 0 {
				c.Drop(tc.drop, "")
			}
			got := recv(t, h.exit, "OnExit")
			assert.Equal(t, tc.code, got.code)
			if tc.err == nil {
				assert.NoError(t, got.err)
			} else {
				assert.ErrorIs(t, got.err, tc.err)
			}
			waitDone(t, h.exec.Stream())
			assert.True(t, c.Closed(), "the socket is closed after the exit")
			assert.Zero(t, h.clk.Pending(), "an exec never retries")
			assert.Zero(t, h.d.Queued())
			assert.Empty(t, h.exit, "OnExit runs once")
		})
	}
}

func TestExecFlushesHeldOutputAtExit(t *testing.T) {
	t.Parallel()
	h := newExecHarness(t)
	c := h.open(t, ProtocolV5Channel)
	c.Push(transport.Frame{Binary: true, Data: []byte("\x01ok\xe2\x9c")})
	c.Push(transport.Frame{Binary: true, Data: append([]byte{3}, `{"status":"Success"}`...)})
	assert.Equal(t, "ok", h.collect(t, ChannelStdout, 2))
	assert.Equal(t, "\uFFFD\uFFFD", h.collect(t, ChannelStdout, 6), "a truncated character becomes U+FFFD at the end")
	assert.Equal(t, 0, recv(t, h.exit, "OnExit").code)
}

func TestExecCloseClosesSocketWithoutExit(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		open bool
	}{
		{name: "while dialing"},
		{name: "while open", open: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newExecHarness(t)
			a := nextAttempt(t, h.d)
			var c *conntest.Conn
			if tc.open {
				c = a.Accept(ProtocolV5Channel)
				require.Eventually(t, func() bool { return h.exec.Stream().Conn() != nil }, patience, 100_000)
			}
			h.exec.Close()
			if !tc.open {
				c = a.Accept(ProtocolV5Channel)
			}
			waitDone(t, h.exec.Stream())
			assert.True(t, c.Closed())
			assert.Empty(t, h.exit)
			assert.ErrorIs(t, h.exec.Write([]byte("x")), ErrNotOpen)
		})
	}
}
