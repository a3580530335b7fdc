package podio

import (
	"io"
	"sync"
	"unicode/utf8"
)

// stdinPipe carries client input to a shell. Write never blocks past Close
// or the end of the session; Read returns io.EOF once closed and drained, or
// at once when the session ends.
type stdinPipe struct {
	ch        chan []byte
	closed    chan struct{}
	closeOnce sync.Once
	done      <-chan struct{}

	buf []byte // reader side only
}

func newStdinPipe(done <-chan struct{}) *stdinPipe {
	return &stdinPipe{ch: make(chan []byte, 64), closed: make(chan struct{}), done: done}
}

// Write queues a copy of b. It must not be called concurrently with Close.
func (p *stdinPipe) Write(b []byte) {
	select {
	case <-p.closed:
		return
	default:
	}
	select {
	case p.ch <- append([]byte(nil), b...):
	case <-p.closed:
	case <-p.done:
	}
}

// Close ends the input after the queued data; it is idempotent.
func (p *stdinPipe) Close() { p.closeOnce.Do(func() { close(p.closed) }) }

// Read implements io.Reader.
func (p *stdinPipe) Read(b []byte) (int, error) {
	for len(p.buf) == 0 {
		select {
		case d := <-p.ch:
			p.buf = d
		case <-p.closed:
			select {
			case d := <-p.ch:
				p.buf = d
			default:
				return 0, io.EOF
			}
		case <-p.done:
			return 0, io.EOF
		}
	}
	n := copy(b, p.buf)
	p.buf = p.buf[n:]
	return n, nil
}

// terminal is the size of a session's tty, as last resized by a client.
type terminal struct {
	mu   sync.Mutex
	size termSize // guarded by mu
}

func newTerminal() *terminal { return &terminal{size: termSize{Width: 80, Height: 24}} }

func (t *terminal) resize(s termSize) {
	if s.Width == 0 || s.Height == 0 {
		return
	}
	t.mu.Lock()
	t.size = s
	t.mu.Unlock()
}

func (t *terminal) get() termSize {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.size
}

// onlcr translates "\n" to "\r\n" as a tty's output processing does (a "\n"
// already preceded by "\r" is left alone).
type onlcr struct {
	w    io.Writer
	last byte
}

func (o *onlcr) Write(p []byte) (int, error) {
	out := make([]byte, 0, len(p)+8)
	for _, c := range p {
		if c == '\n' && o.last != '\r' {
			out = append(out, '\r')
		}
		out = append(out, c)
		o.last = c
	}
	if _, err := o.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// lineEditor is a tty's canonical mode, minimally: it echoes input, erases
// on backspace, ends a line on CR or LF, cancels it on ^C, and reports EOF
// on ^D at the start of a line. Escape sequences (arrow keys) are ignored.
type lineEditor struct {
	echo   io.Writer
	line   []byte
	escape int // 0 none, 1 after ESC, 2 inside CSI
}

// editResult is what one input byte did.
type editResult int

const (
	editNone      editResult = iota
	editLine                 // a line is complete: take it with take()
	editInterrupt            // ^C: the line was discarded
	editEOF                  // ^D on an empty line
)

func (e *lineEditor) feed(c byte) editResult {
	switch {
	case e.escape == 1:
		e.escape = 0
		if c == '[' || c == 'O' {
			e.escape = 2
		}
		return editNone
	case e.escape == 2:
		if c >= 0x40 && c <= 0x7e {
			e.escape = 0
		}
		return editNone
	}
	switch c {
	case 0x1b:
		e.escape = 1
	case '\r', '\n':
		e.write("\r\n")
		return editLine
	case 0x7f, 0x08:
		if len(e.line) > 0 {
			_, n := utf8.DecodeLastRune(e.line)
			e.line = e.line[:len(e.line)-n]
			e.write("\b \b")
		}
	case 0x03:
		e.line = e.line[:0]
		e.write("^C\r\n")
		return editInterrupt
	case 0x04:
		if len(e.line) == 0 {
			return editEOF
		}
	default:
		if c >= 0x20 || c == '\t' {
			e.line = append(e.line, c)
			_, _ = e.echo.Write([]byte{c})
		}
	}
	return editNone
}

func (e *lineEditor) write(s string) { _, _ = io.WriteString(e.echo, s) }

// take returns the completed line and resets the editor.
func (e *lineEditor) take() string {
	s := string(e.line)
	e.line = e.line[:0]
	return s
}
