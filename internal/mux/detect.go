package mux

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kubelive/kubelive/internal/endpoint"
	"github.com/kubelive/kubelive/internal/muxwire"
	"github.com/kubelive/kubelive/internal/transport"
)

// ErrNoMultiplexer is wrapped by Detect's error when the backend has no
// usable /wsMultiplexer.
var ErrNoMultiplexer = errors.New("mux: backend has no multiplexer endpoint")

// Detect tells whether the backend of ep serves /wsMultiplexer (the
// multiplexer 'auto'): it dials the endpoint within timeout and closes the
// socket at once. It returns the subprotocol the server selected ("" means
// Headlamp's JSON) and nil, or an error wrapping ErrNoMultiplexer when the
// upgrade failed or timed out, in which case the caller falls back to
// per-URL sockets.
func Detect(ctx context.Context, d transport.Dialer, ep endpoint.Endpoint, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	url := ep.URL("", Endpoint)
	protos := append([]string{muxwire.MsgpackProtocol, muxwire.HeadlampProtocol}, ep.AuthProtocols()...)
	conn, err := d.Dial(ctx, url, transport.DialOptions{Protocols: protos, Payload: transport.PayloadBytes})
	if err != nil {
		return "", fmt.Errorf("%w: dial %s: %w", ErrNoMultiplexer, url, err)
	}
	p := conn.Protocol()
	_ = conn.Close(transport.CloseNormal, "probe")
	return p, nil
}
