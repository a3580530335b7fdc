package stream

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/kubelive/kubelive/internal/transport"
)

// The subprotocols of a log stream: base64 text frames, or raw binary frames.
const (
	ProtocolBase64Binary = "base64.binary.k8s.io"
	ProtocolBinary       = "binary.k8s.io"
)

// Line is one whole log line.
type Line struct {
	// Time is the line's timestamp; zero if the line had none.
	Time time.Time
	// Text is the line without its timestamp, its separating space and its
	// line ending (\n or \r\n), as valid UTF-8.
	Text string
}

// LineAssembler turns log frames, whose bytes are aligned to neither lines
// nor UTF-8 characters, into whole lines. A line is decoded once its '\n'
// has arrived, so a character split across frames is never corrupted ('\n'
// never occurs inside a multi-byte encoding).
//
// Invariant: partial holds the bytes after the last '\n' seen, never a '\n'.
type LineAssembler struct {
	// Timestamps says that each line starts with an RFC3339Nano timestamp and
	// a space (timestamps=true), which is parsed into Line.Time.
	Timestamps bool
	partial    []byte
}

// Feed decodes one frame, base64 text (base64.binary.k8s.io) or raw binary
// (binary.k8s.io), and returns the lines it completes.
func (a *LineAssembler) Feed(f transport.Frame) ([]Line, error) {
	if f.Data == nil && f.Value != nil {
		return nil, ErrPayloadNotInGo
	}
	if f.Binary {
		return a.Write(f.Data), nil
	}
	p := make([]byte, base64.StdEncoding.DecodedLen(len(f.Data)))
	n, err := base64.StdEncoding.Decode(p, f.Data)
	if err != nil {
		return nil, fmt.Errorf("decode base64 log frame of %d bytes: %w", len(f.Data), err)
	}
	return a.Write(p[:n]), nil
}

// Write adds raw log bytes and returns the lines they complete.
func (a *LineAssembler) Write(p []byte) []Line {
	var lines []Line
	for {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			a.partial = append(a.partial, p...)
			return lines
		}
		raw := p[:i]
		if len(a.partial) > 0 {
			raw = append(a.partial, raw...)
			a.partial = a.partial[:0]
		}
		lines = append(lines, a.line(raw))
		p = p[i+1:]
	}
}

// Partial reports how many bytes of an unterminated line are held.
func (a *LineAssembler) Partial() int { return len(a.partial) }

// Reset discards the unterminated line, as after a dropped socket: the server
// sends it again, whole, on the resumed stream.
func (a *LineAssembler) Reset() { a.partial = a.partial[:0] }

// line builds a Line from its raw bytes (without the '\n').
func (a *LineAssembler) line(raw []byte) Line {
	raw = bytes.TrimSuffix(raw, []byte{'\r'})
	var l Line
	if a.Timestamps {
		l.Time, raw = splitTimestamp(raw)
	}
	l.Text = string(appendValid(nil, raw))
	return l
}

// splitTimestamp parses a leading "<RFC3339Nano> " off raw. Without a valid
// timestamp it returns the zero time and raw unchanged.
func splitTimestamp(raw []byte) (time.Time, []byte) {
	tok, rest := raw, []byte(nil)
	if i := bytes.IndexByte(raw, ' '); i >= 0 {
		tok, rest = raw[:i], raw[i+1:]
	}
	// The shortest RFC3339 time is 20 bytes; the length bound keeps the
	// parse off arbitrary text.
	if len(tok) < 20 || len(tok) > 40 {
		return time.Time{}, raw
	}
	t, ok := parseRFC3339(tok) // as time.Parse(time.RFC3339Nano, ...)
	if !ok {
		return time.Time{}, raw
	}
	return t, rest
}
