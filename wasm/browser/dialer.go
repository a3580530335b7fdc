//go:build js && wasm

package browser

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/hack-pad/safejs"

	"github.com/kubelive/kubelive/internal/transport"
)

// DefaultMaxFrame is the largest frame a Dialer's sockets take in by default:
// far above any Kubernetes object (etcd refuses requests over 1.5 MiB by
// default), far below what would exhaust the wasm heap.
const DefaultMaxFrame = 16 << 20

// Dialer opens browser WebSockets (binaryType arraybuffer).
type Dialer struct {
	Shim  *Shim
	Funcs *Funcs
	// MaxFrame caps one received frame (0: DefaultMaxFrame; < 0: no cap).
	// A bigger frame never reaches Go: the socket closes and Recv returns a
	// CloseError with code 1009 saying how big it was, after the frames
	// that came before it.
	MaxFrame int
}

// Dial opens a socket and waits for it to open. If ctx ends first, the socket
// is closed (a browser aborts a handshake in flight) and ctx.Err() returned.
// Browsers hide the HTTP status of a refused handshake, so a refusal is a
// CloseError (code 1006), never a permanent HandshakeError.
func (d *Dialer) Dial(ctx context.Context, url string, opts transport.DialOptions) (transport.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c := &conn{shim: d.Shim, funcs: d.Funcs, payload: opts.Payload, borrow: opts.Borrow, wake: make(chan struct{}, 1), done: make(chan struct{})}
	var err error
	c.fn, err = d.Funcs.FuncOf(func(safejs.Value, []safejs.Value) any {
		select { // never block a JS callback
		case c.wake <- struct{}{}:
		default:
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("wake func: %w", err)
	}
	protocols := make([]any, len(opts.Protocols))
	for i, p := range opts.Protocols {
		protocols[i] = p
	}
	maxFrame := d.MaxFrame
	if maxFrame == 0 {
		maxFrame = DefaultMaxFrame
	}
	s, err := d.Shim.Call("prepare", c.fn.Value(), max(maxFrame, 0))
	if err != nil {
		d.Funcs.Release(c.fn)
		return nil, fmt.Errorf("open socket: %w", err)
	}
	c.s = s
	// Wait one task: a cleanup in the same task as the subscribe cancels ctx
	// before any socket exists.
	if _, err := d.Shim.Call("later", s); err != nil {
		c.Close(transport.CloseNormal, "")
		return nil, fmt.Errorf("open socket: %w", err)
	}
	select {
	case <-c.wake:
	case <-ctx.Done():
		c.Close(transport.CloseNormal, "dial cancelled")
		return nil, ctx.Err()
	}
	msg, err := d.Shim.Call("open", s, url, protocols)
	if err != nil {
		c.Close(transport.CloseNormal, "")
		return nil, fmt.Errorf("open socket: %w", err)
	}
	if text, _ := msg.String(); text != "" {
		c.Close(transport.CloseNormal, "")
		return nil, fmt.Errorf("open socket: %s", text)
	}
	for {
		state, err := d.Shim.Call("poll", s)
		if err != nil {
			c.Close(transport.CloseNormal, "")
			return nil, fmt.Errorf("poll socket: %w", err)
		}
		switch st, _ := state.String(); st {
		case "open":
			p, _ := s.Get("proto")
			c.protocol, _ = p.String()
			return c, nil
		case "closed":
			cerr := c.closeError()
			c.Close(transport.CloseNormal, "")
			return nil, fmt.Errorf("handshake failed: %w", cerr)
		}
		select {
		case <-c.wake:
		case <-ctx.Done():
			c.Close(transport.CloseNormal, "dial cancelled")
			return nil, ctx.Err()
		}
	}
}

// conn is an open browser WebSocket. fn (the wake-up func) is released by
// Close, which every path out of the conn's life calls exactly once.
type conn struct {
	shim     *Shim
	funcs    *Funcs
	payload  transport.PayloadMode
	borrow   bool // frames alias burst, reused by the next Recv (DialOptions.Borrow)
	s        safejs.Value
	fn       safejs.Func
	wake     chan struct{}
	done     chan struct{} // closed by Close: a Recv in progress returns
	protocol string
	once     sync.Once
	burst    []byte // the borrowed frames' buffer (see burstBuffer)
	// data and meta are the shim's arrays of a burst (drainInto), held
	// until it replaces them; metaBuf is meta's copy in Go.
	data, meta safejs.Value
	held       bool // data and meta are the shim's current arrays
	metaBuf    []byte
}

func (c *conn) closeError() *transport.CloseError {
	code, _ := c.s.Get("code")
	reason, _ := c.s.Get("reason")
	ce := &transport.CloseError{}
	ce.Code, _ = code.Int()
	ce.Reason, _ = reason.String()
	return ce
}

func (c *conn) Protocol() string { return c.protocol }

// WebSocket returns the browser WebSocket (for getSocket()).
func (c *conn) WebSocket() safejs.Value {
	v, err := c.shim.Call("ws", c.s)
	if err != nil {
		return safejs.Null()
	}
	return v
}

// Recv returns the frames buffered in JS, waiting for at least one.
func (c *conn) Recv(ctx context.Context) ([]transport.Frame, error) {
	for {
		frames, err := c.drain()
		if err != nil || len(frames) > 0 {
			return frames, err
		}
		state, err := c.shim.Call("pollClosed", c.s)
		if err != nil {
			return nil, fmt.Errorf("poll socket: %w", err)
		}
		if closed, _ := state.Bool(); closed {
			// drain again: frames may have come with the close
			if frames, err := c.drain(); err != nil || len(frames) > 0 {
				return frames, err
			}
			return nil, c.closeError()
		}
		select {
		case <-c.wake:
		case <-c.done:
			return nil, &transport.CloseError{Code: transport.CloseNormal, Reason: "closed by client"}
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (c *conn) drain() ([]transport.Frame, error) {
	if c.payload == transport.PayloadBytes {
		return c.drainBytes()
	}
	r, err := c.shim.Call("drain", c.s)
	if err != nil {
		return nil, fmt.Errorf("drain socket: %w", err)
	}
	q, _ := r.Get("q")
	n, _ := q.Length()
	if n == 0 {
		return nil, nil
	}
	sizes := make([]byte, 4*n)
	kinds := make([]byte, n)
	if err := copyField(r, "sizes", sizes); err != nil {
		return nil, err
	}
	if err := copyField(r, "kinds", kinds); err != nil {
		return nil, err
	}
	frames := make([]transport.Frame, n)
	for i := range frames {
		v, err := q.Index(i)
		if err != nil {
			return nil, fmt.Errorf("drain socket: %w", err)
		}
		frames[i] = transport.Frame{Binary: kinds[i] == 1, Size: int(binary.LittleEndian.Uint32(sizes[4*i:])), Value: v}
	}
	return frames, nil
}

// drainBytes copies a burst into Go in two copies: the shim encodes its
// text frames (UTF-8, a lone surrogate as U+FFFD) and copies its binary ones
// into one array, with each frame's length and kind in another, both kept
// by the socket (drainInto). The call answers a number, and the conn holds
// the two arrays until the shim says they were replaced (or, after a big
// burst, that they go), so that a burst
// brings no JS object into Go (each one costs Go an allocation and a
// finalizer).
func (c *conn) drainBytes() ([]transport.Frame, error) {
	r, err := c.shim.Call("drainInto", c.s)
	if err != nil {
		return nil, fmt.Errorf("drain socket: %w", err)
	}
	n, err := r.Int()
	if err != nil {
		return nil, fmt.Errorf("drain socket: %w", err)
	}
	if n < 0 || !c.held {
		n = max(n, -n-1)
		if c.data, err = c.s.Get("data"); err == nil {
			c.meta, err = c.s.Get("meta")
		}
		if err != nil {
			return nil, fmt.Errorf("drain socket: %w", err)
		}
		c.held = true
	}
	if n == 0 {
		return nil, nil
	}
	c.metaBuf = slices.Grow(c.metaBuf[:0], 8+5*n)[:8+5*n]
	meta := c.metaBuf
	if _, err := safejs.CopyBytesToGo(meta, c.meta); err != nil {
		return nil, fmt.Errorf("drain socket: %w", err)
	}
	total := int(binary.LittleEndian.Uint32(meta))
	var data []byte
	if c.borrow {
		data = c.burstBuffer(total)
	} else {
		data = make([]byte, total) // the consumer's to keep
	}
	if _, err := safejs.CopyBytesToGo(data, c.data); err != nil {
		return nil, fmt.Errorf("drain socket: %w", err)
	}
	if binary.LittleEndian.Uint32(meta[4:]) == 1 {
		// the shim drops the arrays of a big burst on its next task: so do we
		c.data, c.meta, c.held = safejs.Null(), safejs.Null(), false
		c.metaBuf = nil
	}
	lens, kinds := meta[8:8+4*n], meta[8+4*n:]
	frames := make([]transport.Frame, n)
	off := 0
	for i := range frames {
		l := int(binary.LittleEndian.Uint32(lens[4*i:]))
		if off+l > len(data) {
			return nil, fmt.Errorf("drain socket: frame %d of %d bytes runs past the burst's %d bytes", i, l, len(data))
		}
		frames[i] = transport.Frame{Binary: kinds[i] == 1, Size: l, Data: data[off : off+l : off+l]}
		off += l
	}
	return frames, nil
}

// maxBurstBuffer is the largest burst buffer a borrowing conn keeps between
// bursts (it is live heap, which the collector's goal grows with): a stream
// at 1,000 events/s comes in bursts of a few KB; a bigger burst gets a
// buffer of its own that goes with it.
const maxBurstBuffer = 256 << 10

// burstBuffer returns n bytes to copy a burst into, valid until the next
// call (Recv runs on one goroutine at a time, so no two bursts share it).
func (c *conn) burstBuffer(n int) []byte {
	if n > maxBurstBuffer {
		return make([]byte, n)
	}
	if cap(c.burst) < n {
		c.burst = make([]byte, n, max(n, 4<<10))
	}
	return c.burst[:n]
}

func copyField(r safejs.Value, name string, dst []byte) error {
	v, err := r.Get(name)
	if err != nil {
		return fmt.Errorf("drain socket: %w", err)
	}
	if _, err := safejs.CopyBytesToGo(dst, v); err != nil {
		return fmt.Errorf("drain socket %s: %w", name, err)
	}
	return nil
}

// ErrNotOpen is returned by Send on a socket that is not open.
var ErrNotOpen = errors.New("socket is not open")

// Send writes one frame: text as a string, binary as bytes.
func (c *conn) Send(_ context.Context, f transport.Frame) error {
	var data any
	if f.Binary {
		u8, err := safejs.Global().Get("Uint8Array")
		if err != nil {
			return fmt.Errorf("send: %w", err)
		}
		arr, err := u8.New(len(f.Data))
		if err != nil {
			return fmt.Errorf("send: %w", err)
		}
		if _, err := safejs.CopyBytesToJS(arr, f.Data); err != nil {
			return fmt.Errorf("send: %w", err)
		}
		data = arr
	} else {
		data = string(f.Data)
	}
	r, err := c.shim.Call("send", c.s, data)
	if err != nil {
		return fmt.Errorf("send: %w", err)
	}
	if msg, _ := r.String(); msg != "" {
		return fmt.Errorf("send: %w: %s", ErrNotOpen, msg)
	}
	return nil
}

// Close closes the socket and releases its wake-up func; idempotent. A Recv
// waiting on another goroutine returns a CloseError (the browser's close event
// no longer reaches Go once the wake-up is detached).
func (c *conn) Close(code int, reason string) error {
	c.once.Do(func() {
		_, _ = c.shim.Call("close", c.s, code, reason)
		c.funcs.Release(c.fn)
		close(c.done)
	})
	return nil
}
