// Package transport declares the small interfaces every kubelive component
// talks through: a WebSocket-like Conn and the Dialer that makes one. The
// browser adapter (wasm/browser) and the fakes of internal/conntest implement
// them; nothing here touches a real network.
package transport

import (
	"context"
	"errors"
	"fmt"
)

// Frame is one WebSocket message.
type Frame struct {
	Binary bool // a binary frame; otherwise text
	Size   int  // payload length in bytes
	// Data holds the payload when the Conn was dialed with PayloadBytes
	// (and always for native conns).
	Data []byte
	// Value is an opaque handle to a payload that stayed outside Go (the
	// browser's string or ArrayBuffer) when the Conn was dialed with
	// PayloadOpaque; nil otherwise.
	Value any
}

// PayloadMode says whether frames must be copied into Go.
type PayloadMode int

const (
	// PayloadBytes copies every payload into Frame.Data.
	PayloadBytes PayloadMode = iota
	// PayloadOpaque leaves payloads where they are, in Frame.Value, for a
	// consumer that only routes them (copying a frame into Go costs ~15 µs in
	// the browser).
	PayloadOpaque
)

// DialOptions are the parameters of one dial.
type DialOptions struct {
	Protocols []string // subprotocols, in order of preference
	Payload   PayloadMode
	// Borrow lends the frames' memory: a Conn may deliver the frames of
	// every burst in one buffer it reuses for the next, so that a consumer
	// that copies what it keeps (a watch keeps one object per event, and
	// nothing of a DELETED or a duplicate) costs the heap no frame at all.
	// Data is then valid only until the next Recv.
	Borrow bool
}

// Conn is one open WebSocket. Recv is called from one goroutine at a time;
// Send and Close may be called from any goroutine.
type Conn interface {
	// Recv blocks until at least one frame is available and returns every
	// frame buffered so far, in order (one call per burst, not per frame). It
	// returns a *CloseError when the peer closed, or ctx.Err(). The frames'
	// Data are the consumer's to keep (the Conn never touches them again),
	// unless the Conn was dialed with Borrow: then they are valid until the
	// next Recv.
	Recv(ctx context.Context) ([]Frame, error)
	// Send writes one frame.
	Send(ctx context.Context, f Frame) error
	// Close closes the socket with a close code and reason; it is idempotent.
	// A Recv in progress on another goroutine returns (a *CloseError).
	Close(code int, reason string) error
	// Protocol is the subprotocol the server selected ("" if none).
	Protocol() string
}

// Dialer opens Conns. Dial honours ctx: if ctx ends while the handshake is in
// flight, the half-open socket is closed and ctx.Err() returned.
type Dialer interface {
	Dial(ctx context.Context, url string, opts DialOptions) (Conn, error)
}

// CloseError reports a closed socket. Code 1000 is a normal close (the API
// server ends every watch that way); 1006 an abnormal one.
type CloseError struct {
	Code   int
	Reason string
}

func (e *CloseError) Error() string {
	if e.Reason == "" {
		return fmt.Sprintf("socket closed: code %d", e.Code)
	}
	return fmt.Sprintf("socket closed: code %d: %s", e.Code, e.Reason)
}

// HandshakeError reports a dial the server refused with an HTTP status
// (browsers do not expose it; native dialers do). Status 401, 403 and 404 are
// permanent: callers stop retrying.
type HandshakeError struct {
	Status int
	Err    error
}

func (e *HandshakeError) Error() string {
	return fmt.Sprintf("handshake refused: HTTP %d: %v", e.Status, e.Err)
}

func (e *HandshakeError) Unwrap() error { return e.Err }

// Permanent reports whether err says that retrying cannot help (401, 403, 404).
func Permanent(err error) bool {
	var h *HandshakeError
	if errors.As(err, &h) {
		return h.Status == 401 || h.Status == 403 || h.Status == 404
	}
	return false
}

// Close codes used by kubelive.
const (
	CloseNormal    = 1000
	CloseGoingAway = 1001
	CloseAbnormal  = 1006
	CloseTooBig    = 1009 // a received message exceeded the limit
)
