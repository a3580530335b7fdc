package podio

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/coder/websocket"
)

// Channel numbers of the remote command protocols.
const (
	chStdin  byte = 0
	chStdout byte = 1
	chStderr byte = 2
	chError  byte = 3
	chResize byte = 4
	// chClose (v5 only) is a client frame [255, n] saying stream n is closed.
	chClose byte = 255
)

// channelProtocol is one negotiated remote command subprotocol.
type channelProtocol struct {
	name    string
	version int  // 1 (channel.k8s.io), 4 or 5
	base64  bool // text frames: ASCII digit channel + base64 data
}

// lookupChannelProtocol returns the protocol named by a subprotocol; ""
// (nothing offered) is channel.k8s.io as on the kubelet.
func lookupChannelProtocol(name string) (channelProtocol, bool) {
	switch name {
	case "", "channel.k8s.io":
		return channelProtocol{name: name, version: 1}, true
	case "base64.channel.k8s.io":
		return channelProtocol{name: name, version: 1, base64: true}, true
	case "v4.channel.k8s.io":
		return channelProtocol{name: name, version: 4}, true
	case "v4.base64.channel.k8s.io":
		return channelProtocol{name: name, version: 4, base64: true}, true
	case "v5.channel.k8s.io":
		return channelProtocol{name: name, version: 5}, true
	}
	return channelProtocol{}, false
}

// encode frames data for channel ch.
func (p channelProtocol) encode(ch byte, data []byte) (websocket.MessageType, []byte) {
	if p.base64 {
		out := make([]byte, 1+base64.StdEncoding.EncodedLen(len(data)))
		out[0] = '0' + ch
		base64.StdEncoding.Encode(out[1:], data)
		return websocket.MessageText, out
	}
	out := make([]byte, 1+len(data))
	out[0] = ch
	copy(out[1:], data)
	return websocket.MessageBinary, out
}

// errEmptyFrame marks a frame with no channel byte; the kubelet ignores those.
var errEmptyFrame = errors.New("empty frame")

// decode splits a client frame into its channel and data.
func (p channelProtocol) decode(msg []byte) (byte, []byte, error) {
	if len(msg) == 0 {
		return 0, nil, errEmptyFrame
	}
	if !p.base64 {
		return msg[0], msg[1:], nil
	}
	if msg[0] < '0' || msg[0] > '9' {
		return 0, nil, fmt.Errorf("base64 frame: channel %q is not a digit", msg[0])
	}
	data, err := base64.StdEncoding.DecodeString(string(msg[1:]))
	if err != nil {
		return 0, nil, fmt.Errorf("base64 frame on channel %d: %w", msg[0]-'0', err)
	}
	return msg[0] - '0', data, nil
}

// channelConn writes framed channels to one WebSocket. Writes are serialised
// so frames of one channel keep their order.
type channelConn struct {
	conn  *websocket.Conn
	proto channelProtocol
	ctx   context.Context

	mu sync.Mutex // serialises writes
}

func (c *channelConn) write(ch byte, data []byte) error {
	typ, frame := c.proto.encode(ch, data)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.conn.Write(c.ctx, typ, frame); err != nil {
		return fmt.Errorf("write channel %d: %w", ch, err)
	}
	return nil
}

// writer returns an io.Writer for channel ch.
func (c *channelConn) writer(ch byte) io.Writer { return channelWriter{c: c, ch: ch} }

type channelWriter struct {
	c  *channelConn
	ch byte
}

func (w channelWriter) Write(p []byte) (int, error) {
	if err := w.c.write(w.ch, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// writeExit reports how the command ended on the error channel: v4 and v5
// send a JSON Status always; v1 sends the failure message as text and
// nothing on success.
func (c *channelConn) writeExit(command []string, code int) error {
	st := exitStatus(command, code)
	if c.proto.version < 4 {
		if code == 0 {
			return nil
		}
		return c.write(chError, []byte(st.Message))
	}
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode exit status: %w", err)
	}
	return c.write(chError, b)
}

// clientEvents are the effects of client frames on a session.
type clientEvents struct {
	stdin       func([]byte) // nil when stdin is not attached
	closeStdin  func()
	resize      func(termSize)
	protoErrors func(error) // malformed frames; the stream continues
}

// readLoop reads client frames until the socket fails, dispatching them to
// ev. It returns the read error (a close from the client included).
func (c *channelConn) readLoop(ev clientEvents) error {
	for {
		_, msg, err := c.conn.Read(c.ctx)
		if err != nil {
			return fmt.Errorf("read %s frame: %w", c.proto.name, err)
		}
		ch, data, err := c.proto.decode(msg)
		switch {
		case errors.Is(err, errEmptyFrame):
			continue
		case err != nil:
			ev.protoErrors(err)
			continue
		}
		switch {
		case ch == chStdin && ev.stdin != nil:
			ev.stdin(data)
		case ch == chResize:
			var ts termSize
			if err := json.Unmarshal(data, &ts); err != nil {
				ev.protoErrors(fmt.Errorf("resize %q: %w", data, err))
				continue
			}
			ev.resize(ts)
		case ch == chClose && c.proto.version >= 5 && len(data) == 1 && data[0] == chStdin:
			ev.closeStdin()
		}
	}
}

// termSize is a resize message: {"Width":80,"Height":24}.
type termSize struct {
	Width  uint16
	Height uint16
}
