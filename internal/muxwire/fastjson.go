package muxwire

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/kubelive/kubelive/internal/wire"
)

// maxArena is the largest arena a JSONDecoder keeps across Reset: a stream
// comes in bursts of a few frames; a bigger burst's arena goes with it.
const maxArena = 1 << 20

// JSONDecoder reads Headlamp's JSON frames as DecodeJSON does, with the
// strings of a DATA frame (the watch event quoted in "data" above all)
// unescaped in the same pass that finds their end, eight bytes at a time,
// into an arena the decoder reuses: a frame costs no allocation for its
// payload.
//
// Invariant: every message Decode returned since the last Reset has its
// Data in the arena (or, for a frame the fast path left to DecodeJSON, in
// a buffer of its own), valid until the next Reset; the arena is only
// appended to between Resets, never moved under those messages. A
// JSONDecoder is used by one goroutine at a time; the zero value is ready.
type JSONDecoder struct {
	arena []byte
	// The routing strings of the last DATA frame, reused when the next
	// frame repeats them (a stream of one watch repeats them all).
	cluster, path, query, user string
}

// Reset makes the arena's memory free for the next frames: the Data of
// every message decoded before it may be overwritten from now on.
func (d *JSONDecoder) Reset() {
	if cap(d.arena) > maxArena {
		d.arena = nil
	}
	d.arena = d.arena[:0]
}

// Decode returns what DecodeJSON(frame, maxSize) returns. A DATA frame
// (not binary) that is an object of strings, booleans and nulls is read by
// the fast path; any other frame, and any frame the fast path finds
// something wrong with, goes to DecodeJSON, so that messages and errors,
// with their wording, are the same.
func (d *JSONDecoder) Decode(frame []byte, maxSize int) (Message, error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxFrame
	}
	if len(frame) <= maxSize {
		if m, ok := d.fast(frame); ok {
			return m, nil
		}
	}
	return DecodeJSON(frame, maxSize)
}

// fast is Decode's fast path; ok false leaves the arena as it found it.
func (d *JSONDecoder) fast(frame []byte) (Message, bool) {
	mark := len(d.arena)
	if cap(d.arena)-mark < len(frame) {
		// A new arena: the messages decoded before keep the old one.
		d.arena = make([]byte, 0, max(2*cap(d.arena), len(frame), 64<<10))
		mark = 0
	}
	m, ok := d.object(frame)
	if !ok {
		d.arena = d.arena[:mark]
	}
	return m, ok
}

// object reads frame as one object whose member values are strings, true,
// false or null, with what decodeJSON requires of a DATA message.
func (d *JSONDecoder) object(frame []byte) (Message, bool) {
	var cluster, path, query, user, typ, data []byte
	var binaryOn, dataNull, haveType bool
	i := skipSpace(frame, 0)
	if i >= len(frame) || frame[i] != '{' {
		return Message{}, false
	}
	i = skipSpace(frame, i+1)
	if i < len(frame) && frame[i] == '}' {
		return Message{}, false // {} has no clusterId: DecodeJSON says so
	}
	for {
		if i >= len(frame) || frame[i] != '"' {
			return Message{}, false
		}
		key, n, ok := d.str(frame[i+1:])
		if !ok {
			return Message{}, false
		}
		i = skipSpace(frame, i+1+n)
		if i >= len(frame) || frame[i] != ':' {
			return Message{}, false
		}
		i = skipSpace(frame, i+1)
		if i >= len(frame) {
			return Message{}, false
		}
		var v []byte
		isStr, isNull := false, false
		switch frame[i] {
		case '"':
			v, n, ok = d.str(frame[i+1:])
			if !ok {
				return Message{}, false
			}
			i, isStr = i+1+n, true
		case 't', 'f', 'n':
			lit := literal(frame[i:])
			if lit == "" {
				return Message{}, false
			}
			v, isNull = frame[i:i+len(lit)], lit == "null"
			i += len(lit)
		default: // numbers, objects and arrays: DecodeJSON skips or refuses them
			return Message{}, false
		}
		// Each member by its last occurrence, of the type decodeJSON takes.
		switch string(key) {
		case "data":
			if !isStr && !isNull {
				return Message{}, false
			}
			data, dataNull = v, isNull
		case "binary":
			if isStr {
				return Message{}, false
			}
			binaryOn = string(v) == "true"
		case "kubeliveQuery", "kubeliveUserId": // STATUS only, but typed
			if !isStr && !isNull {
				return Message{}, false
			}
		case "clusterId", "path", "query", "userId", "type":
			if !isStr && !isNull {
				return Message{}, false
			}
			if isNull {
				v = nil
			}
			switch string(key) {
			case "clusterId":
				cluster = v
			case "path":
				path = v
			case "query":
				query = v
			case "userId":
				user = v
			default:
				typ, haveType = v, true
			}
		}
		i = skipSpace(frame, i)
		if i >= len(frame) {
			return Message{}, false
		}
		if frame[i] == '}' {
			break
		}
		if frame[i] != ',' {
			return Message{}, false
		}
		i = skipSpace(frame, i+1)
	}
	if skipSpace(frame, i+1) != len(frame) {
		return Message{}, false
	}
	if !haveType || len(cluster) == 0 || len(path) == 0 || binaryOn {
		return Message{}, false
	}
	if dataNull {
		data = nil
	}
	var kind Kind
	switch string(typ) {
	case "DATA":
		kind = KindData
	case "COMPLETE":
		kind = KindComplete
	default: // STATUS, ERROR, and what is not a type: DecodeJSON
		return Message{}, false
	}
	m := Message{Kind: kind, Cluster: reuse(&d.cluster, cluster), Path: reuse(&d.path, path), Query: reuse(&d.query, query), UserID: reuse(&d.user, user)}
	if kind == KindData {
		m.Data = data
	}
	return m, true
}

// reuse returns *last when b spells it, else b as a new string kept in *last.
func reuse(last *string, b []byte) string {
	if string(b) != *last {
		*last = string(b)
	}
	return *last
}

// literal returns the JSON literal b starts with ("true", "false", "null"),
// or "".
func literal(b []byte) string {
	for _, l := range [...]string{"true", "false", "null"} {
		if len(b) >= len(l) && string(b[:len(l)]) == l {
			return l
		}
	}
	return ""
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
		i++
	}
	return i
}

// str unescapes the JSON string that s starts (after its opening quote)
// onto the arena, which has room for len(s) more bytes (no string is
// longer unescaped than quoted). It returns the unescaped string (in the
// arena) and the bytes of s it took, the closing quote included. ok is
// false for a string DecodeJSON would refuse or change (a control
// character, an invalid escape, invalid UTF-8, no closing quote).
func (d *JSONDecoder) str(s []byte) (v []byte, n int, ok bool) {
	start := len(d.arena)
	out, n, ok := appendUnescaped(d.arena, s)
	if !ok {
		return nil, 0, false
	}
	d.arena = out
	return out[start:len(out):len(out)], n, true
}

// appendUnescaped appends the unescaped contents of the JSON string that s
// starts (after its opening quote) to dst, which must have room for len(s)
// more bytes; n counts the bytes of s taken, the closing quote included.
// Escapes decode as encoding/json decodes them (a \u surrogate without its
// pair becomes U+FFFD). Runs of plain bytes are copied eight at a time:
// each word is stored whole, and the output advances by the bytes before
// the first special one (the room rule keeps the store inside dst's
// capacity: the output never runs ahead of the input).
func appendUnescaped(dst, s []byte) (out []byte, n int, ok bool) {
	o := len(dst)
	buf := dst[:cap(dst)]
	if len(buf)-o < len(s) {
		return dst, 0, false
	}
	i := 0
	for {
		for i+8 <= len(s) {
			w := binary.LittleEndian.Uint64(s[i:])
			binary.LittleEndian.PutUint64(buf[o:], w)
			m := wire.SpecialBytes(w)
			if m == 0 {
				i, o = i+8, o+8
				continue
			}
			k := bits.TrailingZeros64(m) >> 3
			i, o = i+k, o+k
			if s[i] == '\\' && i+1 < len(s) && s[i+1] == '"' {
				// The escape of a watch event quoted whole (one every
				// ~15 bytes of a Pod): taken without leaving the loop.
				buf[o] = '"'
				i, o = i+2, o+1
				continue
			}
			break
		}
		if i >= len(s) {
			return dst, 0, false
		}
		c := s[i]
		switch {
		case c == '"':
			return buf[:o], i + 1, true
		case c == '\\':
			if i+1 >= len(s) {
				return dst, 0, false
			}
			var r byte
			switch s[i+1] {
			case '"', '\\', '/':
				r = s[i+1]
			case 'b':
				r = '\b'
			case 'f':
				r = '\f'
			case 'n':
				r = '\n'
			case 'r':
				r = '\r'
			case 't':
				r = '\t'
			case 'u':
				rr, used := unicodeEscape(s[i:])
				if used == 0 {
					return dst, 0, false
				}
				o += utf8.EncodeRune(buf[o:], rr)
				i += used
				continue
			default:
				return dst, 0, false
			}
			buf[o] = r
			i, o = i+2, o+1
		case c < 0x20:
			return dst, 0, false
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && size == 1 {
				return dst, 0, false // DecodeJSON replaces it
			}
			copy(buf[o:], s[i:i+size])
			i, o = i+size, o+size
		default: // a plain byte in the tail, shorter than a word
			buf[o] = c
			i, o = i+1, o+1
		}
	}
}

// unicodeEscape decodes the \uXXXX at the start of s, with the \uXXXX after
// it when the two are a surrogate pair; a lone surrogate is U+FFFD and the
// escape after it is left for the next call (as encoding/json does). used is
// the bytes taken, 0 when the hex digits are missing or not hex.
func unicodeEscape(s []byte) (r rune, used int) {
	r, ok := hex4(s, 2)
	if !ok {
		return 0, 0
	}
	if !utf16.IsSurrogate(r) {
		return r, 6
	}
	if len(s) >= 12 && s[6] == '\\' && s[7] == 'u' {
		if r2, ok := hex4(s, 8); ok {
			if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
				return dec, 12
			}
		}
	}
	return utf8.RuneError, 6
}

// hex4 reads the four hex digits of s at i.
func hex4(s []byte, i int) (rune, bool) {
	if len(s) < i+4 {
		return 0, false
	}
	var r rune
	for _, c := range s[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
