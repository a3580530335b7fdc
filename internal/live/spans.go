package live

import (
	"encoding/binary"

	"github.com/kubelive/kubelive/internal/wire"
)

// appendMemberSpans is wire.AppendMemberSpans for b, one JSON object that is
// known to be valid: a cache item's Raw (wire's scanner accepts exactly what
// json.Valid accepts, and cuts members only along their spans) with the
// cluster member appendWithCluster adds. It does not validate: it follows
// the structure (quotes, escapes, brackets, commas and colons), skipping the
// inside of strings eight bytes at a time, which costs a fraction of the
// validating scan on Kubernetes objects, whose bytes are mostly strings.
// Where b is not shaped as an object of members (which valid JSON never is
// not), it falls back to wire.AppendMemberSpans, so that the result is
// always that of wire.AppendMemberSpans for valid JSON, NoSpans alone for
// what is not even shaped as an object.
func appendMemberSpans(dst []uint32, b []byte) []uint32 {
	if out, ok := appendShapedSpans(dst, b); ok {
		return out
	}
	return wire.AppendMemberSpans(dst, b)
}

// appendShapedSpans appends b's member count and spans, as
// wire.AppendMemberSpans does, and true; or returns dst and false when b is
// not an object of members as far as its structure shows.
func appendShapedSpans(dst []uint32, b []byte) ([]uint32, bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return dst, false
	}
	at := len(dst)
	dst = append(dst, 0)
	i = skipSpace(b, i+1)
	n := uint32(0)
	if i < len(b) && b[i] == '}' {
		i++
	} else {
		for {
			if i >= len(b) || b[i] != '"' {
				return dst[:at], false
			}
			ke, ok := stringEnd(b, i+1)
			if !ok {
				return dst[:at], false
			}
			j := skipSpace(b, ke+1)
			if j >= len(b) || b[j] != ':' {
				return dst[:at], false
			}
			vs := skipSpace(b, j+1)
			ve, ok := valueEnd(b, vs)
			if !ok {
				return dst[:at], false
			}
			dst = append(dst, uint32(i+1), uint32(ke), uint32(vs), uint32(ve))
			n++
			i = skipSpace(b, ve)
			if i >= len(b) {
				return dst[:at], false
			}
			if b[i] == '}' {
				i++
				break
			}
			if b[i] != ',' {
				return dst[:at], false
			}
			i = skipSpace(b, i+1)
		}
	}
	if skipSpace(b, i) != len(b) {
		return dst[:at], false
	}
	dst[at] = n
	return dst, true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// hasByte reports whether one of w's eight bytes is c (the classic
// zero-byte test on w xor c repeated: exact as a yes or no).
func hasByte(w uint64, c byte) bool {
	x := w ^ (ones * uint64(c))
	return (x-ones)&^x&highs != 0
}

// stringEnd is the offset of the quote that ends the string whose contents
// start at i (escapes skipped: an escaped byte is never a quote or a
// backslash that ends or escapes, and \uXXXX holds neither), or false.
func stringEnd(b []byte, i int) (int, bool) {
	for {
		for i+8 <= len(b) {
			w := binary.LittleEndian.Uint64(b[i:])
			if hasByte(w, '"') || hasByte(w, '\\') {
				break
			}
			i += 8
		}
		for i < len(b) && b[i] != '"' && b[i] != '\\' {
			i++
		}
		if i >= len(b) {
			return 0, false
		}
		if b[i] == '"' {
			return i, true
		}
		i += 2 // the backslash and the byte it escapes
	}
}

// valueEnd is the offset just past the value that starts at i, or false.
func valueEnd(b []byte, i int) (int, bool) {
	if i >= len(b) {
		return 0, false
	}
	switch b[i] {
	case '"':
		e, ok := stringEnd(b, i+1)
		return e + 1, ok
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				e, ok := stringEnd(b, i+1)
				if !ok {
					return 0, false
				}
				i = e
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, true
				}
			}
			i++
		}
		return 0, false
	}
	// a number, true, false or null: up to the next delimiter
	start := i
	for i < len(b) && !isSpace(b[i]) && b[i] != ',' && b[i] != '}' && b[i] != ']' {
		i++
	}
	return i, i > start
}
