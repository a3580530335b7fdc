package mux

import (
	"fmt"

	"github.com/kubelive/kubelive/internal/muxwire"
	"github.com/kubelive/kubelive/internal/redial"
	"github.com/kubelive/kubelive/internal/transport"
)

// State is the state of the client's socket as one subscription sees it:
// the redial loop's states (connecting, open, reconnecting, closed). The
// server's word on a key's upstream watch is a muxwire.State, carried apart
// in Status.Server.
type State = redial.State

// Socket states.
const (
	StateConnecting   = redial.Connecting
	StateOpen         = redial.Open
	StateReconnecting = redial.Reconnecting
	StateClosed       = redial.Closed
)

// Status is one state change seen by a subscription: either the socket's
// (Server empty, State set) or the server's STATUS about this key's upstream
// watch (Server set; State is then meaningless and left zero). After a server's muxwire.StateClosed the
// watch is over: the owner resumes it with Restart.
//
// Seq orders the socket's states: each change of the socket's state takes
// the next Seq, and the state delivered at Subscribe carries the Seq of the
// state it reports. That one may reach the listener after a later change
// (the socket can open while Subscribe is returning), so a listener that
// keeps the socket's state keeps the one with the highest Seq. The server's
// statuses carry Seq 0.
type Status struct {
	State  State
	Server muxwire.State
	Err    string // why, when the state is an error, a close or a reconnect
	Seq    uint64
}

// ServerError is an ERROR the server sent for a key; it wraps ErrServer.
type ServerError struct {
	Key     muxwire.Key
	Message string
}

func (e *ServerError) Error() string {
	return fmt.Sprintf("mux: server error on %s: %s", e.Key, e.Message)
}

func (e *ServerError) Unwrap() error { return ErrServer }

// Stats describes the client for introspection (kl.stats()).
type Stats struct {
	State      State
	Protocol   string // the subprotocol of the open socket
	Keys       int    // live keys, CLOSE-pending ones included
	Listeners  int
	Reconnects int
	FramesIn   uint64
	MessagesIn uint64
	// BytesIn counts the bytes of the frames received, as they came.
	BytesIn uint64
}

// Stats returns a snapshot of the client's counters.
func (c *Client) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.stats
	st.State, st.Keys, st.Listeners = c.state, len(c.keys), len(c.byID)
	if c.sock != nil {
		st.Protocol = c.sock.conn.Protocol()
	}
	return st
}

// guard runs f for a listener, turning a panic into an error.
func guard(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return f()
}

// reportError hands err to m.OnError, or to fallback if m has none or its
// OnError fails itself.
func reportError(m member, err error, fallback func(error)) {
	if m.l.OnError != nil {
		if e := guard(func() error { m.l.OnError(err); return nil }); e == nil {
			return
		}
	}
	if fallback != nil {
		_ = guard(func() error { fallback(err); return nil })
	}
}

func deliverStatus(m member, s Status, fallback func(error)) {
	if m.l.OnStatus == nil {
		return
	}
	if err := guard(func() error { m.l.OnStatus(s); return nil }); err != nil {
		reportError(m, fmt.Errorf("%w: subscription %d status: %w", ErrListenerFailed, m.id, err), fallback)
	}
}

func deliverData(m member, f transport.Frame, fallback func(error)) {
	if m.l.OnData == nil {
		return
	}
	if err := guard(func() error { return m.l.OnData(f) }); err != nil {
		reportError(m, fmt.Errorf("%w: subscription %d data of %d bytes: %w", ErrListenerFailed, m.id, f.Size, err), fallback)
	}
}
