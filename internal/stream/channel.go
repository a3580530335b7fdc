package stream

import (
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/kubelive/kubelive/internal/jsonw"
	"github.com/kubelive/kubelive/internal/transport"
)

// The channel subprotocols of exec and attach (k8s.io/apimachinery wsstream
// and remotecommand).
const (
	ProtocolV5Channel       = "v5.channel.k8s.io"
	ProtocolV4Channel       = "v4.channel.k8s.io"
	ProtocolV4Base64Channel = "v4.base64.channel.k8s.io"
	ProtocolChannel         = "channel.k8s.io"
	ProtocolBase64Channel   = "base64.channel.k8s.io"
)

// Channel numbers: the first byte (binary) or digit (base64) of a frame.
const (
	ChannelStdin  = 0
	ChannelStdout = 1
	ChannelStderr = 2
	ChannelError  = 3 // a JSON Status (v4, v5) or plain error text (v1)
	ChannelResize = 4 // {"Width":c,"Height":r}
	// ChannelClose is v5's close signal: the frame [255, channel] tells the
	// server that the client will write no more on channel.
	ChannelClose = 255
)

// Sentinel errors of the channel framing.
var (
	ErrEmptyFrame         = errors.New("empty channel frame")
	ErrBadChannel         = errors.New("bad channel")
	ErrUnknownProtocol    = errors.New("unknown channel protocol")
	ErrCloseUnsupported   = errors.New("close signal needs " + ProtocolV5Channel)
	ErrPayloadNotInGo     = errors.New("frame payload not copied into Go")
	errNegativeResizeSize = errors.New("negative terminal size")
)

// ExecProtocols returns the channel subprotocols an exec or attach offers, in
// order of preference. The kubelet picks the first it supports.
func ExecProtocols() []string {
	return []string{ProtocolV5Channel, ProtocolV4Channel, ProtocolV4Base64Channel, ProtocolChannel}
}

// Codec frames channel data for one negotiated subprotocol. The zero value is
// the binary channel.k8s.io codec.
type Codec struct {
	protocol    string
	base64      bool // text frames: ASCII digit + std base64; else binary: byte + raw
	statusJSON  bool // channel 3 carries a metav1.Status (v4 and later)
	closeSignal bool // the [255, channel] close frame is understood (v5)
}

// CodecFor returns the Codec of a negotiated subprotocol. "" (no subprotocol
// selected) is channel.k8s.io, as the API server treats it.
func CodecFor(protocol string) (Codec, error) {
	switch protocol {
	case ProtocolV5Channel:
		return Codec{protocol: protocol, statusJSON: true, closeSignal: true}, nil
	case ProtocolV4Channel:
		return Codec{protocol: protocol, statusJSON: true}, nil
	case ProtocolV4Base64Channel:
		return Codec{protocol: protocol, base64: true, statusJSON: true}, nil
	case ProtocolChannel, "":
		return Codec{protocol: ProtocolChannel}, nil
	case ProtocolBase64Channel:
		return Codec{protocol: protocol, base64: true}, nil
	}
	return Codec{}, fmt.Errorf("%w: %q", ErrUnknownProtocol, protocol)
}

// Protocol returns the subprotocol of the Codec.
func (c Codec) Protocol() string {
	if c.protocol == "" {
		return ProtocolChannel
	}
	return c.protocol
}

// StatusJSON reports whether channel 3 carries a JSON Status.
func (c Codec) StatusJSON() bool { return c.statusJSON }

// CanCloseChannel reports whether the close signal is available (v5).
func (c Codec) CanCloseChannel() bool { return c.closeSignal }

// Encode frames data for channel. Base64 codecs make a text frame of the
// channel digit and the std base64 of data; binary codecs a binary frame of
// the channel byte and data. channel must be 0-9 for base64 codecs.
func (c Codec) Encode(channel byte, data []byte) transport.Frame {
	var p []byte
	if c.base64 {
		p = make([]byte, 1+base64.StdEncoding.EncodedLen(len(data)))
		p[0] = '0' + channel
		base64.StdEncoding.Encode(p[1:], data)
	} else {
		p = make([]byte, 1+len(data))
		p[0] = channel
		copy(p[1:], data)
	}
	return transport.Frame{Binary: !c.base64, Size: len(p), Data: p}
}

// Decode splits a received frame into its channel and data. The type of the
// frame (text or binary) is not checked: the negotiated protocol decides. A
// frame of only the channel (the server's "channel ready" signal) has empty
// data. data never aliases f.Data for base64 codecs and does for binary ones.
func (c Codec) Decode(f transport.Frame) (channel byte, data []byte, err error) {
	if f.Data == nil && f.Value != nil {
		return 0, nil, ErrPayloadNotInGo
	}
	if len(f.Data) == 0 {
		return 0, nil, ErrEmptyFrame
	}
	if !c.base64 {
		return f.Data[0], f.Data[1:], nil
	}
	d := f.Data[0]
	if d < '0' || d > '9' {
		return 0, nil, fmt.Errorf("%w: %q in a %s frame", ErrBadChannel, d, c.Protocol())
	}
	data = make([]byte, base64.StdEncoding.DecodedLen(len(f.Data)-1))
	n, err := base64.StdEncoding.Decode(data, f.Data[1:])
	if err != nil {
		return 0, nil, fmt.Errorf("decode %s frame on channel %d: %w", c.Protocol(), d-'0', err)
	}
	return d - '0', data[:n], nil
}

// ResizeFrame frames a terminal resize on channel 4.
func (c Codec) ResizeFrame(cols, rows int) (transport.Frame, error) {
	if cols < 0 || rows < 0 {
		return transport.Frame{}, fmt.Errorf("resize %dx%d: %w", cols, rows, errNegativeResizeSize)
	}
	// {"Width":cols,"Height":rows}, as Marshal writes struct{ Width, Height int }
	p := jsonw.Int(append([]byte(nil), `{"Width":`...), cols)
	p = append(jsonw.Int(append(p, `,"Height":`...), rows), '}')
	return c.Encode(ChannelResize, p), nil
}

// CloseFrame frames v5's close signal for channel: binary [255, channel].
// It fails with ErrCloseUnsupported unless v5 was negotiated.
func (c Codec) CloseFrame(channel byte) (transport.Frame, error) {
	if !c.closeSignal {
		return transport.Frame{}, fmt.Errorf("close channel %d over %s: %w", channel, c.Protocol(), ErrCloseUnsupported)
	}
	return transport.Frame{Binary: true, Size: 2, Data: []byte{ChannelClose, channel}}, nil
}
