// Package wire reads Kubernetes watch events and LIST responses without
// decoding them. A skip-based scanner walks the JSON once, validates it with
// the same grammar as encoding/json, and extracts only what the live data
// layer needs (event type; an object's uid, namespace, name and
// resourceVersion; a Status's code, reason and message). Each object's raw
// bytes are returned as a subslice of the input, never copied, so JS can
// JSON.parse only the objects that changed. The one exception:
// metadata.managedFields (the server-side apply bookkeeping, often the
// largest part of an object, that no UI shows) is cut out of each object's
// bytes while scanning, unless Options.KeepManagedFields; such an object's
// Raw is a private copy without that member's span, never re-encoded.
//
// The scanner accepts exactly the documents json.Valid accepts; a duplicated
// key resolves to its last value, as encoding/json does with a map. Errors
// carry the input's length and an offset, never its content (a frame may
// hold a Secret).
package wire

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Sentinel errors, wrapped by every error this package returns.
var (
	// ErrSyntax: the input is not valid JSON.
	ErrSyntax = errors.New("invalid JSON")
	// ErrShape: the JSON is valid but not a watch event or list (a field
	// missing, or of the wrong type).
	ErrShape = errors.New("unexpected shape")
)

// maxDepth is encoding/json's nesting limit, so both accept the same inputs.
const maxDepth = 10000

// ScanError reports where a document failed. It never holds the content.
type ScanError struct {
	What   string // "event", "list" or "object"
	Len    int    // length of the input in bytes
	Offset int    // byte offset of the failure (-1 when not positional)
	Reason string // a fixed description, e.g. "metadata.uid is not a string"
	Err    error  // ErrSyntax or ErrShape
}

func (e *ScanError) Error() string {
	if e.Offset >= 0 {
		return fmt.Sprintf("wire: %s (%d bytes): %v at offset %d: %s", e.What, e.Len, e.Err, e.Offset, e.Reason)
	}
	return fmt.Sprintf("wire: %s (%d bytes): %v: %s", e.What, e.Len, e.Err, e.Reason)
}

func (e *ScanError) Unwrap() error { return e.Err }

// kind of a scanned value.
const (
	kAbsent byte = iota
	kString
	kNull
	kObject
	kArray
	kNumber
	kBool
)

// val locates one JSON value in the input. Invariant: for kString, start and
// end delimit the contents between the quotes; otherwise the whole value.
type val struct {
	start, end int
	kind       byte
	slow       bool // string holds an escape or a non-ASCII byte: unquote before use
}

// scanner walks b. Invariant: b[:i] has been consumed and is well-formed.
type scanner struct {
	b    []byte
	i    int
	err  *ScanError // first syntax error, with What/Len filled by the caller
	keep bool       // keep metadata.managedFields in Raw
}

// Options change what the scanner returns. The zero value is the default.
type Options struct {
	// KeepManagedFields keeps metadata.managedFields in every object's raw
	// bytes (by default the member is cut out).
	KeepManagedFields bool
}

func (s *scanner) fail(reason string) error {
	if s.err == nil {
		s.err = &ScanError{Offset: s.i, Reason: reason, Err: ErrSyntax}
	}
	return s.err
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, or 0 at the end.
func (s *scanner) peek() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// value skips one value at nesting depth d and reports where it was.
func (s *scanner) value(d int) (val, error) {
	switch s.peek() {
	case '"':
		return s.str()
	case '{':
		start := s.i
		if end, ok := skipComposite(s.b, start, d); ok {
			s.i = end
		} else if err := s.skipObject(d); err != nil {
			return val{}, err
		}
		return val{start: start, end: s.i, kind: kObject}, nil
	case '[':
		start := s.i
		if end, ok := skipComposite(s.b, start, d); ok {
			s.i = end
		} else if err := s.skipArray(d); err != nil {
			return val{}, err
		}
		return val{start: start, end: s.i, kind: kArray}, nil
	case 't':
		return s.literal("true", kBool)
	case 'f':
		return s.literal("false", kBool)
	case 'n':
		return s.literal("null", kNull)
	case 0:
		if s.i >= len(s.b) {
			return val{}, s.fail("unexpected end")
		}
	}
	return s.number()
}

func (s *scanner) literal(lit string, kind byte) (val, error) {
	start := s.i
	if len(s.b)-s.i < len(lit) || string(s.b[s.i:s.i+len(lit)]) != lit {
		return val{}, s.fail("invalid literal")
	}
	s.i += len(lit)
	return val{start: start, end: s.i, kind: kind}, nil
}

func (s *scanner) digits() int {
	n := 0
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
		n++
	}
	return n
}

// number skips -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number() (val, error) {
	start := s.i
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(s.b) && s.b[s.i] == '0':
		s.i++
	case s.digits() == 0:
		return val{}, s.fail("invalid character")
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if s.digits() == 0 {
			return val{}, s.fail("invalid number")
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if s.digits() == 0 {
			return val{}, s.fail("invalid number")
		}
	}
	return val{start: start, end: s.i, kind: kNumber}, nil
}

// str skips a string; s.b[s.i] is the opening quote.
func (s *scanner) str() (val, error) {
	s.i++
	start := s.i
	slow := false
	for s.i < len(s.b) {
		b, i := s.b, s.i // the hot loop, on locals: runs of plain bytes
		for i < len(b) && plainByte[b[i]] {
			i++
		}
		if s.i = i; i >= len(b) {
			break
		}
		c := b[i]
		switch {
		case c == '"':
			s.i++
			return val{start: start, end: s.i - 1, kind: kString, slow: slow}, nil
		case c == '\\':
			slow = true
			if err := s.escape(); err != nil {
				return val{}, err
			}
			continue
		case c < 0x20:
			return val{}, s.fail("control character in string")
		case c >= utf8.RuneSelf:
			slow = true
		}
		s.i++
	}
	return val{}, s.fail("unterminated string")
}

// escape skips one escape sequence; s.b[s.i] is the backslash.
func (s *scanner) escape() error {
	s.i++
	if s.i >= len(s.b) {
		return s.fail("unterminated string")
	}
	switch s.b[s.i] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		s.i++
		return nil
	case 'u':
		if len(s.b)-s.i < 5 || !isHex4(s.b[s.i+1:s.i+5]) {
			return s.fail("invalid \\u escape")
		}
		s.i += 5
		return nil
	}
	return s.fail("invalid escape")
}

func isHex4(h []byte) bool {
	for _, c := range h {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// objectNext advances to the next member of an object whose '{' is consumed;
// n is the number of members read so far. It returns the key and leaves the
// scanner on the value, or done at the closing brace.
func (s *scanner) objectNext(n int) (key val, done bool, err error) {
	c := s.peek()
	if c == '}' {
		s.i++
		return val{}, true, nil
	}
	if n > 0 {
		if c != ',' {
			return val{}, false, s.fail("expected ',' or '}'")
		}
		s.i++
		c = s.peek()
	}
	if c != '"' {
		return val{}, false, s.fail("expected a key")
	}
	if key, err = s.str(); err != nil {
		return val{}, false, err
	}
	if s.peek() != ':' {
		return val{}, false, s.fail("expected ':'")
	}
	s.i++
	return key, false, nil
}

// arrayNext advances to the next element of an array whose '[' is consumed.
func (s *scanner) arrayNext(n int) (done bool, err error) {
	c := s.peek()
	if c == ']' {
		s.i++
		return true, nil
	}
	if n > 0 {
		if c != ',' {
			return false, s.fail("expected ',' or ']'")
		}
		s.i++
	}
	return false, nil
}

// open consumes '{' or '[' at depth d.
func (s *scanner) open(d int) error {
	if d > maxDepth {
		return s.fail("nesting too deep")
	}
	s.i++
	return nil
}

func (s *scanner) skipObject(d int) error {
	if err := s.open(d); err != nil {
		return err
	}
	for n := 0; ; n++ {
		_, done, err := s.objectNext(n)
		if err != nil || done {
			return err
		}
		if _, err := s.value(d + 1); err != nil {
			return err
		}
	}
}

func (s *scanner) skipArray(d int) error {
	if err := s.open(d); err != nil {
		return err
	}
	for n := 0; ; n++ {
		done, err := s.arrayNext(n)
		if err != nil || done {
			return err
		}
		if _, err := s.value(d + 1); err != nil {
			return err
		}
	}
}

// begin checks that the input is an object, leaving the scanner on its '{'.
func (s *scanner) begin() *ScanError {
	if s.peek() == '{' {
		return nil
	}
	if s.i >= len(s.b) {
		return &ScanError{Offset: s.i, Reason: "empty input", Err: ErrSyntax}
	}
	if _, err := s.value(1); err != nil || s.end() != nil {
		return s.err
	}
	return &ScanError{Offset: 0, Reason: "not an object", Err: ErrShape}
}

// end checks that only whitespace follows the top-level value.
func (s *scanner) end() error {
	if s.peek() != 0 || s.i < len(s.b) {
		return s.fail("data after the top-level value")
	}
	return nil
}

// is reports whether the string value v equals want (after unquoting).
func (s *scanner) is(v val, want string) bool {
	if v.kind != kString {
		return false
	}
	if !v.slow {
		return string(s.b[v.start:v.end]) == want
	}
	return string(unquote(nil, s.b[v.start:v.end])) == want
}

// intValue parses a number value as an int, as encoding/json does into an int.
func (s *scanner) intValue(v val) (int, bool) {
	n, err := strconv.ParseInt(string(s.b[v.start:v.end]), 10, strconv.IntSize)
	return int(n), err == nil
}
