// Package msgpack reads and writes the MessagePack values kubelive's two
// msgpack formats use (maps with string keys, arrays, strings, binary,
// integers, booleans), byte for byte as github.com/tinylib/msgp's runtime
// does: each value in its shortest encoding, and the same inputs accepted
// and refused on reading. It exists because that runtime links
// encoding/json's encoder and its own JSON converters into every binary,
// a tenth of the wasm module gzipped; its tests check it against msgp.
//
// Every Read function takes the bytes left, returns the value and the
// bytes after it, and never panics: short or mistyped input is an error.
package msgpack

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Errors of the Read functions.
var (
	// ErrShort: the input ends inside a value.
	ErrShort = errors.New("msgpack: too few bytes left to read the value")
	// ErrLimit: a length over the limit the reader was given.
	ErrLimit = errors.New("msgpack: a length over the size limit")
	// ErrDepth: values nested deeper than MaxDepth.
	ErrDepth = errors.New("msgpack: values nested too deep")
)

// MaxDepth bounds the nesting Skip walks (msgp's recursion limit).
const MaxDepth = 100000

// TypeError is a value of another type than the one read.
type TypeError struct {
	Want string // "str", "map", ...
	Lead byte   // the value's first byte
}

func (e *TypeError) Error() string {
	if t := typeOf(e.Lead); t != "" {
		return fmt.Sprintf("msgpack: %s where %s belongs", article(t), article(e.Want))
	}
	return fmt.Sprintf("msgpack: 0x%02x starts no value, %s belongs", e.Lead, article(e.Want))
}

// article is a type's name after "a" or "an".
func article(t string) string {
	if t[0] == 'a' || t[0] == 'e' || t[0] == 'i' {
		return "an " + t
	}
	return "a " + t
}

// OverflowError is an integer outside the range of the Go type read.
type OverflowError struct {
	Bits int  // the size of the Go type
	Neg  bool // a negative value read as unsigned
}

func (e *OverflowError) Error() string {
	if e.Neg {
		return "msgpack: a negative integer where an unsigned one belongs"
	}
	return fmt.Sprintf("msgpack: an integer over %d bits", e.Bits)
}

// typeOf names the type of the value that starts with lead ("" for none).
func typeOf(lead byte) string {
	switch {
	case lead <= 0x7f || lead >= 0xe0 || lead >= 0xcc && lead <= 0xd3:
		return "int"
	case lead <= 0x8f || lead == 0xde || lead == 0xdf:
		return "map"
	case lead <= 0x9f || lead == 0xdc || lead == 0xdd:
		return "array"
	case lead <= 0xbf || lead >= 0xd9 && lead <= 0xdb:
		return "str"
	}
	switch lead {
	case 0xc0:
		return "nil"
	case 0xc2, 0xc3:
		return "bool"
	case 0xc4, 0xc5, 0xc6:
		return "bin"
	case 0xca, 0xcb:
		return "float"
	case 0xc7, 0xc8, 0xc9, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8:
		return "ext"
	}
	return "" // 0xc1, never used
}

// appendHeader appends a header: fix|n when n < fixMax, else one of the
// three leads with a 1-, 2- or 4-byte length (lead8 0 when there is none).
func appendHeader(b []byte, n uint32, fix byte, fixMax uint32, lead8, lead16, lead32 byte) []byte {
	switch {
	case n < fixMax:
		return append(b, fix|byte(n))
	case n <= math.MaxUint8 && lead8 != 0:
		return append(b, lead8, byte(n))
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, lead16), uint16(n))
	}
	return binary.BigEndian.AppendUint32(append(b, lead32), n)
}

// AppendMapHeader appends the header of a map of n pairs.
func AppendMapHeader(b []byte, n uint32) []byte { return appendHeader(b, n, 0x80, 16, 0, 0xde, 0xdf) }

// AppendArrayHeader appends the header of an array of n values.
func AppendArrayHeader(b []byte, n uint32) []byte {
	return appendHeader(b, n, 0x90, 16, 0, 0xdc, 0xdd)
}

// AppendString appends s as a str.
func AppendString(b []byte, s string) []byte {
	return append(appendHeader(b, uint32(len(s)), 0xa0, 32, 0xd9, 0xda, 0xdb), s...)
}

// AppendBytes appends p as a bin.
func AppendBytes(b []byte, p []byte) []byte {
	return append(appendHeader(b, uint32(len(p)), 0xc4, 0, 0xc4, 0xc5, 0xc6), p...)
}

// AppendBool appends v.
func AppendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 0xc3)
	}
	return append(b, 0xc2)
}

// AppendUint appends u in the smallest unsigned form.
func AppendUint(b []byte, u uint64) []byte {
	switch {
	case u <= 0x7f:
		return append(b, byte(u))
	case u <= math.MaxUint8:
		return append(b, 0xcc, byte(u))
	case u <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, 0xcd), uint16(u))
	case u <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(b, 0xce), uint32(u))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xcf), u)
}

// AppendInt appends i in the smallest signed form (a positive fixint up
// to 127).
func AppendInt(b []byte, i int64) []byte {
	switch {
	case i >= -32 && i <= math.MaxInt8:
		return append(b, byte(i))
	case i >= math.MinInt8 && i < -32:
		return append(b, 0xd0, byte(i))
	case i >= math.MinInt16 && i <= math.MaxInt16:
		return binary.BigEndian.AppendUint16(append(b, 0xd1), uint16(i))
	case i >= math.MinInt32 && i <= math.MaxInt32:
		return binary.BigEndian.AppendUint32(append(b, 0xd2), uint32(i))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xd3), uint64(i))
}
