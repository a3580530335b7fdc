package muxtest

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/coder/websocket"

	"github.com/kubelive/kubelive/internal/transport"
)

// Dialer is a native transport.Dialer over coder/websocket.
type Dialer struct {
	HTTPClient *http.Client // nil: http.DefaultClient
}

// Dial opens url offering opts.Protocols.
func (d Dialer) Dial(ctx context.Context, url string, opts transport.DialOptions) (transport.Conn, error) {
	c, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: d.HTTPClient, Subprotocols: opts.Protocols})
	if err != nil {
		if resp != nil {
			return nil, &transport.HandshakeError{Status: resp.StatusCode, Err: err}
		}
		return nil, fmt.Errorf("dial %s: %w", url, err)
	}
	c.SetReadLimit(64 << 20)
	return &conn{c: c}, nil
}

type conn struct{ c *websocket.Conn }

// Recv returns one frame per call (coder/websocket reads one at a time).
func (c *conn) Recv(ctx context.Context) ([]transport.Frame, error) {
	typ, data, err := c.c.Read(ctx)
	if err != nil {
		if code := websocket.CloseStatus(err); code != -1 {
			return nil, &transport.CloseError{Code: int(code), Reason: err.Error()}
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var ce websocket.CloseError
		if errors.As(err, &ce) {
			return nil, &transport.CloseError{Code: int(ce.Code), Reason: ce.Reason}
		}
		return nil, &transport.CloseError{Code: transport.CloseAbnormal, Reason: err.Error()}
	}
	return []transport.Frame{{Binary: typ == websocket.MessageBinary, Size: len(data), Data: data}}, nil
}

func (c *conn) Send(ctx context.Context, f transport.Frame) error {
	typ := websocket.MessageText
	if f.Binary {
		typ = websocket.MessageBinary
	}
	return c.c.Write(ctx, typ, f.Data)
}

func (c *conn) Close(code int, reason string) error {
	return c.c.Close(websocket.StatusCode(code), reason)
}

func (c *conn) Protocol() string { return c.c.Subprotocol() }
