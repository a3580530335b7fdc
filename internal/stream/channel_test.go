package stream

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/transport"
)

func TestExecProtocolsOrder(t *testing.T) {
	t.Parallel()
	assert.Equal(t, []string{"v5.channel.k8s.io", "v4.channel.k8s.io", "v4.base64.channel.k8s.io", "channel.k8s.io"}, ExecProtocols())
	p := ExecProtocols()
	p[0] = "mutated"
	assert.Equal(t, ProtocolV5Channel, ExecProtocols()[0], "each call returns a fresh slice")
}

func TestCodecEncodeDecode(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		protocol string
		channel  byte
		data     string
		wire     string // the frame payload
		binary   bool
	}{
		{name: "v5 stdin", protocol: ProtocolV5Channel, channel: 0, data: "ls\n", wire: "\x00ls\n", binary: true},
		{name: "v5 stdout", protocol: ProtocolV5Channel, channel: 1, data: "out", wire: "\x01out", binary: true},
		{name: "v4 stderr", protocol: ProtocolV4Channel, channel: 2, data: "err", wire: "\x02err", binary: true},
		{name: "v4 error", protocol: ProtocolV4Channel, channel: 3, data: "{}", wire: "\x03{}", binary: true},
		{name: "v1 stdout", protocol: ProtocolChannel, channel: 1, data: "x\xff", wire: "\x01x\xff", binary: true},
		{name: "no protocol is v1", protocol: "", channel: 1, data: "x", wire: "\x01x", binary: true},
		{name: "v4 base64 stdin", protocol: ProtocolV4Base64Channel, channel: 0, data: "ls\n", wire: "0bHMK"},
		{name: "v4 base64 stdout", protocol: ProtocolV4Base64Channel, channel: 1, data: "hello", wire: "1aGVsbG8="},
		{name: "v1 base64 stderr", protocol: ProtocolBase64Channel, channel: 2, data: "\x00\xff", wire: "2AP8="},
		{name: "base64 ready signal", protocol: ProtocolBase64Channel, channel: 1, data: "", wire: "1"},
		{name: "binary ready signal", protocol: ProtocolV4Channel, channel: 2, data: "", wire: "\x02", binary: true},
		{name: "v4 base64 resize", protocol: ProtocolV4Base64Channel, channel: 4, data: `{"Width":80,"Height":24}`, wire: "4eyJXaWR0aCI6ODAsIkhlaWdodCI6MjR9"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := CodecFor(tc.protocol)
			require.NoError(t, err)

			f := c.Encode(tc.channel, []byte(tc.data))
			assert.Equal(t, tc.wire, string(f.Data), "encoded payload")
			assert.Equal(t, tc.binary, f.Binary, "frame type")
			assert.Equal(t, len(f.Data), f.Size)

			ch, data, err := c.Decode(transport.Frame{Binary: tc.binary, Data: []byte(tc.wire)})
			require.NoError(t, err)
			assert.Equal(t, tc.channel, ch)
			assert.Equal(t, tc.data, string(data))
		})
	}
}

func TestCodecDecodeErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		protocol string
		frame    transport.Frame
		want     error
	}{
		{name: "empty binary", protocol: ProtocolV5Channel, frame: transport.Frame{Binary: true, Data: []byte{}}, want: ErrEmptyFrame},
		{name: "empty base64", protocol: ProtocolV4Base64Channel, frame: transport.Frame{Data: nil}, want: ErrEmptyFrame},
		{name: "base64 channel not a digit", protocol: ProtocolV4Base64Channel, frame: transport.Frame{Data: []byte("xAAAA")}, want: ErrBadChannel},
		{name: "opaque payload", protocol: ProtocolV4Channel, frame: transport.Frame{Value: "js string"}, want: ErrPayloadNotInGo},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := CodecFor(tc.protocol)
			require.NoError(t, err)
			_, _, err = c.Decode(tc.frame)
			assert.ErrorIs(t, err, tc.want)
		})
	}
	t.Run("bad base64", func(t *testing.T) {
		t.Parallel()
		c, err := CodecFor(ProtocolBase64Channel)
		require.NoError(t, err)
		_, _, err = c.Decode(transport.Frame{Data: []byte("1!!!")})
		assert.ErrorContains(t, err, "channel 1")
	})
	t.Run("unknown protocol", func(t *testing.T) {
		t.Parallel()
		_, err := CodecFor("v9.channel.k8s.io")
		assert.ErrorIs(t, err, ErrUnknownProtocol)
	})
}

func TestCodecResizeAndClose(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		protocol  string
		resize    string
		canClose  bool
		closeWire []byte
	}{
		{name: "v5", protocol: ProtocolV5Channel, resize: "\x04{\"Width\":120,\"Height\":40}", canClose: true, closeWire: []byte{255, 0}},
		{name: "v4", protocol: ProtocolV4Channel, resize: "\x04{\"Width\":120,\"Height\":40}"},
		{name: "v4 base64", protocol: ProtocolV4Base64Channel, resize: "4eyJXaWR0aCI6MTIwLCJIZWlnaHQiOjQwfQ=="},
		{name: "v1", protocol: ProtocolChannel, resize: "\x04{\"Width\":120,\"Height\":40}"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := CodecFor(tc.protocol)
			require.NoError(t, err)
			f, err := c.ResizeFrame(120, 40)
			require.NoError(t, err)
			assert.Equal(t, tc.resize, string(f.Data))

			assert.Equal(t, tc.canClose, c.CanCloseChannel())
			cf, err := c.CloseFrame(ChannelStdin)
			if !tc.canClose {
				assert.ErrorIs(t, err, ErrCloseUnsupported)
				return
			}
			require.NoError(t, err)
			assert.True(t, cf.Binary)
			assert.Equal(t, tc.closeWire, cf.Data)
		})
	}
	c, err := CodecFor(ProtocolV5Channel)
	require.NoError(t, err)
	_, err = c.ResizeFrame(-1, 10)
	assert.Error(t, err)
}

func TestExitCode(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		status  string
		code    int
		wantErr error
		msg     string
	}{
		{name: "success", status: `{"metadata":{},"status":"Success"}`, code: 0},
		{name: "non-zero exit", status: `{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}`, code: 3},
		{name: "exit 137", status: `{"status":"Failure","reason":"NonZeroExitCode","details":{"causes":[{"reason":"Other","message":"x"},{"reason":"ExitCode","message":"137"}]}}`, code: 137},
		{name: "shell not found", status: `{"metadata":{},"status":"Failure","message":"OCI runtime exec failed: exec: \"bash\": executable file not found","reason":"InternalError","code":500}`, code: -1, wantErr: ErrExecFailed, msg: "executable file not found"},
		{name: "non-zero without cause", status: `{"status":"Failure","reason":"NonZeroExitCode","message":"exit code unknown"}`, code: -1, wantErr: ErrExecFailed, msg: "exit code unknown"},
		{name: "bad exit code", status: `{"status":"Failure","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"three"}]}}`, code: -1, wantErr: ErrBadStatus},
		{name: "not json", status: `oops`, code: -1, wantErr: ErrBadStatus},
		{name: "unknown status", status: `{"status":"Pending"}`, code: -1, wantErr: ErrBadStatus},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, err := ExitCode([]byte(tc.status))
			assert.Equal(t, tc.code, code)
			if tc.wantErr == nil {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, tc.wantErr)
			assert.ErrorContains(t, err, tc.msg)
		})
	}
}
