package stream

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/kubelive/kubelive/internal/clock"
	"github.com/kubelive/kubelive/internal/transport"
)

// ErrStdinClosed is returned by Write after CloseStdin.
var ErrStdinClosed = errors.New("stdin closed")

// ExecOptions configure an Exec (or attach) session.
type ExecOptions struct {
	// Protocols are offered after ExecProtocols() (auth protocols).
	Protocols []string
	// ConnectCb runs before the dial.
	ConnectCb func()
	// OnOutput receives stdout (1) and stderr (2) as valid UTF-8, decoded as
	// one stream per channel: a character split across frames arrives whole.
	OnOutput func(channel int, data []byte)
	// OnExit runs once when the process ends or the session fails: code is
	// the exit code (0 success) with a nil error, or -1 with the reason. It
	// does not run after Close.
	OnExit func(code int, err error)
	// Probe is the Stream's (see Options): a refused dial learns its status.
	Probe func(ctx context.Context) error
	// OnState receives the Stream's state changes.
	OnState func(State)
}

// Exec is an interactive exec or attach session over one socket, never
// retried (a new dial would start a new process). Methods are safe from any
// goroutine; callbacks run on the Stream's goroutine, in order.
//
// Invariants, guarded by mu: exited is set once, before OnExit runs, and no
// OnOutput or OnExit starts after it; codec is valid once open is set.
type Exec struct {
	stream *Stream
	opts   ExecOptions

	mu          sync.Mutex
	open        bool
	codec       Codec
	exited      bool
	stdinClosed bool
	size        *[2]int // the latest resize asked for, sent on open
	out         [3]UTF8Decoder
}

// NewExec starts an exec or attach session to url (see ExecURL, AttachURL).
func NewExec(dialer transport.Dialer, clk clock.Clock, url string, opts ExecOptions) *Exec {
	e := &Exec{opts: opts}
	no := false
	e.stream = New(dialer, clk, url, Options{
		Protocols:          append(ExecProtocols(), opts.Protocols...),
		Binary:             true,
		Payload:            transport.PayloadBytes,
		ConnectCb:          opts.ConnectCb,
		FailCb:             e.onFail,
		ReconnectOnFailure: &no,
		OnOpen:             e.onOpen,
		Probe:              opts.Probe,
		OnState:            opts.OnState,
	}, e.onFrames)
	return e
}

// Stream returns the underlying Stream (for its state and socket).
func (e *Exec) Stream() *Stream { return e.stream }

// Write sends data on stdin.
func (e *Exec) Write(data []byte) error {
	c, err := e.openCodec()
	if err != nil {
		return fmt.Errorf("write stdin: %w", err)
	}
	e.mu.Lock()
	closed := e.stdinClosed
	e.mu.Unlock()
	if closed {
		return fmt.Errorf("write stdin: %w", ErrStdinClosed)
	}
	return e.stream.Send(c.Encode(ChannelStdin, data))
}

// Resize sends the terminal size on channel 4. Before the socket opens, the
// latest size is kept and sent as soon as it does.
func (e *Exec) Resize(cols, rows int) error {
	e.mu.Lock()
	if !e.open {
		e.size = &[2]int{cols, rows}
		e.mu.Unlock()
		return nil
	}
	c := e.codec
	e.mu.Unlock()
	f, err := c.ResizeFrame(cols, rows)
	if err != nil {
		return err
	}
	return e.stream.Send(f)
}

// CloseStdin tells the process that stdin ended, with v5's close signal. It
// fails with ErrCloseUnsupported when v5 was not negotiated (Close the
// session instead).
func (e *Exec) CloseStdin() error {
	c, err := e.openCodec()
	if err != nil {
		return fmt.Errorf("close stdin: %w", err)
	}
	f, err := c.CloseFrame(ChannelStdin)
	if err != nil {
		return err
	}
	if err := e.stream.Send(f); err != nil {
		return err
	}
	e.mu.Lock()
	e.stdinClosed = true
	e.mu.Unlock()
	return nil
}

// Close ends the session and closes its socket; OnExit will not run.
func (e *Exec) Close() {
	e.mu.Lock()
	e.exited = true
	e.mu.Unlock()
	e.stream.Cancel()
}

func (e *Exec) openCodec() (Codec, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.open || e.exited {
		return Codec{}, ErrNotOpen
	}
	return e.codec, nil
}

func (e *Exec) onOpen(conn transport.Conn) {
	c, err := CodecFor(conn.Protocol())
	if err != nil {
		e.exit(-1, fmt.Errorf("exec: %w", err))
		return
	}
	e.mu.Lock()
	e.codec, e.open = c, true
	size := e.size
	e.size = nil
	e.mu.Unlock()
	if size != nil {
		if f, err := c.ResizeFrame(size[0], size[1]); err == nil {
			_ = e.stream.Send(f)
		}
	}
}

func (e *Exec) onFrames(frames []transport.Frame) {
	c, err := e.openCodec()
	if err != nil {
		return // exited or closed: nothing more is delivered
	}
	for _, f := range frames {
		ch, data, err := c.Decode(f)
		switch {
		case errors.Is(err, ErrEmptyFrame):
			continue
		case err != nil:
			e.exit(-1, fmt.Errorf("exec: %w", err))
			return
		}
		switch ch {
		case ChannelStdout, ChannelStderr:
			e.output(int(ch), data)
		case ChannelError:
			if c.StatusJSON() {
				e.exit(ExitCode(data))
				return
			}
			if len(data) > 0 {
				e.exit(-1, fmt.Errorf("%w: %s", ErrExecFailed, data))
				return
			}
		}
	}
}

func (e *Exec) output(ch int, data []byte) {
	e.mu.Lock()
	text := e.out[ch].Decode(nil, data)
	e.mu.Unlock()
	if len(text) > 0 && e.opts.OnOutput != nil {
		e.opts.OnOutput(ch, text)
	}
}

// onFail handles a failed dial or the end of the socket. channel.k8s.io (v1)
// has no success Status: its clean end is exit code 0.
func (e *Exec) onFail(err error) {
	e.mu.Lock()
	opened, v1 := e.open, e.open && !e.codec.StatusJSON()
	e.mu.Unlock()
	if !opened {
		e.exit(-1, fmt.Errorf("exec: %w", err))
		return
	}
	var ce *transport.CloseError
	if v1 && errors.As(err, &ce) && ce.Code == transport.CloseNormal {
		e.exit(0, nil)
		return
	}
	e.exit(-1, fmt.Errorf("%w: %w", ErrNoExitStatus, err))
}

// exit flushes held output, reports the end once, and closes the socket.
func (e *Exec) exit(code int, err error) {
	e.mu.Lock()
	if e.exited {
		e.mu.Unlock()
		return
	}
	e.exited = true
	var tails [3][]byte
	for ch := ChannelStdout; ch <= ChannelStderr; ch++ {
		tails[ch] = e.out[ch].Flush(nil)
	}
	e.mu.Unlock()
	for ch := ChannelStdout; ch <= ChannelStderr; ch++ {
		if len(tails[ch]) > 0 && e.opts.OnOutput != nil {
			e.opts.OnOutput(ch, tails[ch])
		}
	}
	if e.opts.OnExit != nil {
		e.opts.OnExit(code, err)
	}
	e.stream.Cancel()
}
