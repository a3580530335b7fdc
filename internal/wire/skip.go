package wire

import "encoding/binary"

// fastLevels is how deep skipComposite follows nesting on its own (one bit
// a level records whether the level is an object); deeper values take the
// recursive path.
const fastLevels = 64

// skipComposite returns the offset just past the object or array that starts
// at b[i] ('{' or '['), opened at nesting depth d, and true when that value
// is valid JSON by the scanner's grammar (the one of json.Valid, with the
// same depth limit). Otherwise it returns false and leaves nothing changed:
// the caller then takes the recursive path (skipObject, skipArray), which
// finds the same end for valid input and reports the error, with its offset
// and reason, for invalid input. So skipComposite never changes what the
// scanner accepts or says; it only walks the common case in one loop, on
// local variables, with strings checked eight bytes at a time (a value
// skipped whole: spec, status, managedFields, most of a Kubernetes object).
func skipComposite(b []byte, i, d int) (int, bool) {
	var objs uint64 // bit k: the container at level k is an object
	level := -1     // the innermost open container; -1: none
	for {
		// A value starts at i, after optional whitespace.
		i = skipWS(b, i)
		if i >= len(b) {
			return 0, false
		}
		switch c := b[i]; c {
		case '{', '[':
			level++
			if level >= fastLevels || d+level > maxDepth {
				return 0, false
			}
			i = skipWS(b, i+1)
			if i >= len(b) {
				return 0, false
			}
			if c == '[' {
				objs &^= 1 << level
				if b[i] != ']' {
					continue // the first element
				}
				i++
				level--
				break
			}
			objs |= 1 << level
			if b[i] == '}' {
				i++
				level--
				break
			}
			var ok bool
			if i, ok = skipKey(b, i); !ok {
				return 0, false
			}
			continue // the first member's value
		case '"':
			var ok bool
			if i, ok = skipString(b, i+1); !ok {
				return 0, false
			}
		case 't':
			if !hasLiteral(b, i, "true") {
				return 0, false
			}
			i += 4
		case 'f':
			if !hasLiteral(b, i, "false") {
				return 0, false
			}
			i += 5
		case 'n':
			if !hasLiteral(b, i, "null") {
				return 0, false
			}
			i += 4
		default:
			var ok bool
			if i, ok = skipNumber(b, i); !ok {
				return 0, false
			}
		}
		// After a value: close containers until a comma asks for the next one.
		for {
			if level < 0 {
				return i, true
			}
			i = skipWS(b, i)
			if i >= len(b) {
				return 0, false
			}
			inObject := objs&(1<<level) != 0
			c := b[i]
			if c == ',' {
				i++
				if inObject {
					var ok bool
					if i, ok = skipKey(b, skipWS(b, i)); !ok {
						return 0, false
					}
				}
				break
			}
			if inObject && c == '}' || !inObject && c == ']' {
				i++
				level--
				continue
			}
			return 0, false
		}
	}
}

func skipWS(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skipKey skips a member's key and its colon; b[i] must be the key's quote.
func skipKey(b []byte, i int) (int, bool) {
	if i >= len(b) || b[i] != '"' {
		return 0, false
	}
	i, ok := skipString(b, i+1)
	if !ok {
		return 0, false
	}
	i = skipWS(b, i)
	if i >= len(b) || b[i] != ':' {
		return 0, false
	}
	return i + 1, true
}

func hasLiteral(b []byte, i int, lit string) bool {
	return len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit
}

// The SWAR constants: one in each byte, and each byte's top bit.
const (
	ones = 0x0101010101010101
	tops = 0x8080808080808080
)

// SpecialBytes returns a mask with the top bit set in the lowest byte of w
// (eight bytes of a JSON string, loaded little-endian) that is a quote, a
// backslash, a control character or not ASCII, and maybe in bytes above it;
// 0 if there is none. The lowest set bit is always exact: a false positive
// only follows a true one. It lets a string's scan pass eight plain bytes at
// a time.
func SpecialBytes(w uint64) uint64 {
	q := w ^ (ones * '"')
	b := w ^ (ones * '\\')
	return ((q-ones)&^q | (b-ones)&^b | (w-ones*0x20)&^w | w) & tops
}

// skipString returns the offset just past the string whose contents start at
// i, and true when it is a valid JSON string (no control character, only the
// escapes str accepts); bytes from 0x80 pass as they are, as in str.
func skipString(b []byte, i int) (int, bool) {
	for {
		for i+8 <= len(b) && SpecialBytes(binary.LittleEndian.Uint64(b[i:])) == 0 {
			i += 8
		}
		for i < len(b) && (plainByte[b[i]] || b[i] >= 0x80) {
			i++
		}
		if i >= len(b) {
			return 0, false
		}
		switch c := b[i]; {
		case c == '"':
			return i + 1, true
		case c == '\\':
			if i+1 >= len(b) {
				return 0, false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if len(b)-i < 6 || !isHex4(b[i+2:i+6]) {
					return 0, false
				}
				i += 6
			default:
				return 0, false
			}
		default: // a control character
			return 0, false
		}
	}
}

// skipNumber is number's grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func skipNumber(b []byte, i int) (int, bool) {
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch j := skipDigits(b, i); {
	case i < len(b) && b[i] == '0':
		i++
	case j == i:
		return 0, false
	default:
		i = j
	}
	if i < len(b) && b[i] == '.' {
		j := skipDigits(b, i+1)
		if j == i+1 {
			return 0, false
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := skipDigits(b, i)
		if j == i {
			return 0, false
		}
		i = j
	}
	return i, true
}

func skipDigits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}
