package transport

import "context"

// LimitDialer returns a Dialer that lets at most n handshakes of d be in
// flight at once; the others wait their turn, or until their context ends. An
// open Conn holds no slot: only the handshake does.
//
// Browsers delay each new WebSocket of a page by an amount that grows
// exponentially with the number of handshakes already pending (Chromium: a
// random 1-5 s times 2^min(pending + failed/(succeeded+1), 16) / 65536). A page
// whose twenty lists all redial at the moment their server comes back would
// wait seconds for every socket; a few handshakes at a time keep each delay
// near a millisecond, and the sockets open one after the other at once.
func LimitDialer(d Dialer, n int) Dialer {
	if n < 1 {
		n = 1
	}
	return &limitDialer{d: d, slots: make(chan struct{}, n)}
}

// limitDialer holds one token in slots per handshake in flight.
type limitDialer struct {
	d     Dialer
	slots chan struct{}
}

func (l *limitDialer) Dial(ctx context.Context, url string, opts DialOptions) (Conn, error) {
	select {
	case l.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-l.slots }()
	return l.d.Dial(ctx, url, opts)
}
