// Package jsonw appends JSON text to byte slices, byte for byte as
// encoding/json's Marshal writes the same values (strings with HTML
// escaping, floats in its format, maps in sorted key order), without
// reflection: the wasm module carries no encoding/json. Each function
// appends to dst and returns the extended slice.
package jsonw

import (
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Appender is a value that writes itself as JSON (as Marshal would write
// it; a nil pointer as null).
type Appender interface {
	AppendJSON(dst []byte) []byte
}

// String appends s quoted as encoding/json quotes it with HTML escaping on
// (gorilla's WriteJSON too): \" \\ \b \f \n \r \t, \u00XX for the other
// control characters and < > &, \ufffd for invalid UTF-8, and \u2028 and
// \u2029. Runs of bytes that need nothing are copied in bulk.
func String[T string | []byte](dst []byte, s T) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if htmlSafe[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '\\', '"':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := decodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(append(dst, s[start:i]...), `\ufffd`...)
		} else if r == '\u2028' || r == '\u2029' {
			dst = append(append(dst, s[start:i]...), '\\', 'u', '2', '0', '2', hex[r&0xf])
		} else {
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(append(dst, s[start:]...), '"')
}

func decodeRune[T string | []byte](s T) (rune, int) {
	if b, ok := any(s).([]byte); ok {
		return utf8.DecodeRune(b)
	}
	return utf8.DecodeRuneInString(string(s))
}

// htmlSafe (a read-only table, never written after init) marks the ASCII
// bytes encoding/json writes as they are with HTML escaping on.
var htmlSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// Key appends an object member's key and its colon, after a comma unless
// dst ends with the object's opening brace: a member list is written as
// Key(Key(append(dst, '{'), "a")..., "b")... without counting.
func Key(dst []byte, key string) []byte {
	if n := len(dst); n > 0 && dst[n-1] != '{' {
		dst = append(dst, ',')
	}
	return append(String(dst, key), ':')
}

// Int appends i in decimal.
func Int[T int | int64](dst []byte, i T) []byte { return strconv.AppendInt(dst, int64(i), 10) }

// Uint appends u in decimal.
func Uint(dst []byte, u uint64) []byte { return strconv.AppendUint(dst, u, 10) }

// Bool appends true or false.
func Bool(dst []byte, b bool) []byte { return strconv.AppendBool(dst, b) }

// Float appends f as encoding/json writes a float64: the shortest text that
// reads back as f, in exponent form below 1e-6 and from 1e21 on (e-07 as
// e-7); NaN and the infinities, which JSON cannot hold, as null.
func Float(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	format := byte('f')
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	n := len(dst)
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		if m := len(dst) - n; m >= 4 && dst[len(dst)-4] == 'e' && dst[len(dst)-3] == '-' && dst[len(dst)-2] == '0' {
			dst[len(dst)-2] = dst[len(dst)-1]
			dst = dst[:len(dst)-1]
		}
	}
	return dst
}

// Array appends xs as an array, each element written by elem; a nil slice
// as null.
func Array[T any](dst []byte, xs []T, elem func([]byte, T) []byte) []byte {
	if xs == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i, x := range xs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = elem(dst, x)
	}
	return append(dst, ']')
}

// Strings appends ss as an array of strings; a nil slice as null.
func Strings(dst []byte, ss []string) []byte { return Array(dst, ss, String[string]) }

// Map appends m as an object, its keys in sorted order, each value written
// by value; a nil map as null.
func Map[V any](dst []byte, m map[string]V, value func([]byte, V) []byte) []byte {
	if m == nil {
		return append(dst, "null"...)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = append(dst, '{')
	for _, k := range keys {
		dst = value(Key(dst, k), m[k])
	}
	return append(dst, '}')
}
