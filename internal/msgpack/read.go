package msgpack

import "encoding/binary"

// length reads the n-byte big-endian length after b's lead (n is 1, 2 or 4)
// and returns it with the bytes after it.
func length(b []byte, n int) (uint32, []byte, error) {
	if len(b) < 1+n {
		return 0, nil, ErrShort
	}
	var l uint32
	switch n {
	case 1:
		l = uint32(b[1])
	case 2:
		l = uint32(binary.BigEndian.Uint16(b[1:]))
	default:
		l = binary.BigEndian.Uint32(b[1:])
	}
	return l, b[1+n:], nil
}

// header reads a map or array header: fix|n for a lead in [fix, fix+15],
// else lead16 or lead32 and the length after it.
func header(b []byte, want string, fix, lead16, lead32 byte) (uint32, []byte, error) {
	if len(b) < 1 {
		return 0, nil, ErrShort
	}
	switch c := b[0]; {
	case c&0xf0 == fix:
		return uint32(c & 0x0f), b[1:], nil
	case c == lead16:
		return length(b, 2)
	case c == lead32:
		return length(b, 4)
	}
	return 0, nil, &TypeError{Want: want, Lead: b[0]}
}

// ReadMapHeader reads a map's header: its number of pairs.
func ReadMapHeader(b []byte) (uint32, []byte, error) { return header(b, "map", 0x80, 0xde, 0xdf) }

// ReadArrayHeader reads an array's header: its number of values.
func ReadArrayHeader(b []byte) (uint32, []byte, error) {
	return header(b, "array", 0x90, 0xdc, 0xdd)
}

// ReadStringZC reads a str; the contents alias b.
func ReadStringZC(b []byte) ([]byte, []byte, error) {
	if len(b) < 1 {
		return nil, nil, ErrShort
	}
	var n uint32
	var err error
	rest := b[1:]
	switch c := b[0]; {
	case c&0xe0 == 0xa0:
		n = uint32(c & 0x1f)
	case c == 0xd9:
		n, rest, err = length(b, 1)
	case c == 0xda:
		n, rest, err = length(b, 2)
	case c == 0xdb:
		n, rest, err = length(b, 4)
	default:
		return nil, nil, &TypeError{Want: "str", Lead: c}
	}
	return payload(n, rest, err)
}

// payload splits n bytes off rest (after a header read with err).
func payload(n uint32, rest []byte, err error) ([]byte, []byte, error) {
	if err != nil {
		return nil, nil, err
	}
	if uint64(len(rest)) < uint64(n) {
		return nil, nil, ErrShort
	}
	return rest[:n:n], rest[n:], nil
}

// ReadString reads a str into a new string.
func ReadString(b []byte) (string, []byte, error) {
	s, rest, err := ReadStringZC(b)
	return string(s), rest, err
}

// ReadBytesHeader reads a bin's header: its length.
func ReadBytesHeader(b []byte) (uint32, []byte, error) {
	if len(b) < 1 {
		return 0, nil, ErrShort
	}
	switch b[0] {
	case 0xc4:
		return length(b, 1)
	case 0xc5:
		return length(b, 2)
	case 0xc6:
		return length(b, 4)
	}
	return 0, nil, &TypeError{Want: "bin", Lead: b[0]}
}

// ReadBytesZC reads a bin of at most limit bytes; the contents alias b.
func ReadBytesZC(b []byte, limit uint32) ([]byte, []byte, error) {
	n, rest, err := ReadBytesHeader(b)
	if err == nil && n > limit {
		err = ErrLimit
	}
	return payload(n, rest, err)
}

// ReadMapKey reads a map's key, a str or a bin; the key aliases b.
func ReadMapKey(b []byte) ([]byte, []byte, error) {
	k, rest, err := ReadStringZC(b)
	if te, ok := err.(*TypeError); ok && typeOf(te.Lead) == "bin" {
		return ReadBytesZC(b, ^uint32(0))
	}
	return k, rest, err
}

// ReadBool reads a bool.
func ReadBool(b []byte) (bool, []byte, error) {
	if len(b) < 1 {
		return false, nil, ErrShort
	}
	switch b[0] {
	case 0xc3:
		return true, b[1:], nil
	case 0xc2:
		return false, b[1:], nil
	}
	return false, nil, &TypeError{Want: "bool", Lead: b[0]}
}

// readInt reads any integer as its two's-complement bits, with neg set for a
// negative value of a signed form.
func readInt(b []byte) (v uint64, neg bool, rest []byte, err error) {
	if len(b) < 1 {
		return 0, false, nil, ErrShort
	}
	c := b[0]
	switch {
	case c <= 0x7f:
		return uint64(c), false, b[1:], nil
	case c >= 0xe0:
		return uint64(int64(int8(c))), true, b[1:], nil
	case c < 0xcc || c > 0xd3:
		return 0, false, nil, &TypeError{Want: "int", Lead: c}
	}
	size := 1 << ((c - 0xcc) & 3) // 1, 2, 4, 8 for uint8..64 and int8..64
	if len(b) < 1+size {
		return 0, false, nil, ErrShort
	}
	signed := c >= 0xd0
	switch size {
	case 1:
		v = uint64(b[1])
		if signed {
			v = uint64(int64(int8(b[1])))
		}
	case 2:
		v = uint64(binary.BigEndian.Uint16(b[1:]))
		if signed {
			v = uint64(int64(int16(v)))
		}
	case 4:
		v = uint64(binary.BigEndian.Uint32(b[1:]))
		if signed {
			v = uint64(int64(int32(v)))
		}
	default:
		v = binary.BigEndian.Uint64(b[1:])
	}
	return v, signed && int64(v) < 0, b[1+size:], nil
}

// ReadUint reads an integer that fits bits unsigned bits (8, 16, 32 or 64):
// any non-negative integer, of a signed form too.
func ReadUint(b []byte, bits int) (uint64, []byte, error) {
	v, neg, rest, err := readInt(b)
	switch {
	case err != nil:
		return 0, nil, err
	case neg:
		return 0, nil, &OverflowError{Bits: bits, Neg: true}
	case bits < 64 && v>>bits != 0:
		return 0, nil, &OverflowError{Bits: bits}
	}
	return v, rest, nil
}

// ReadInt reads an integer that fits an int64.
func ReadInt(b []byte) (int64, []byte, error) {
	v, neg, rest, err := readInt(b)
	if err == nil && !neg && int64(v) < 0 {
		return 0, nil, &OverflowError{Bits: 64}
	}
	return int64(v), rest, err
}

// Skip skips one value, the values inside a map or an array too.
func Skip(b []byte) ([]byte, error) { return skip(b, 0) }

func skip(b []byte, depth int) ([]byte, error) {
	if depth >= MaxDepth {
		return nil, ErrDepth
	}
	if len(b) < 1 {
		return nil, ErrShort
	}
	c := b[0]
	var err error
	switch t := typeOf(c); {
	case t == "map" || t == "array":
		var h uint32
		if t == "map" {
			h, b, err = ReadMapHeader(b)
		} else {
			h, b, err = ReadArrayHeader(b)
		}
		n := uint64(h) // values inside
		if t == "map" {
			n *= 2
		}
		for ; err == nil && n > 0; n-- {
			b, err = skip(b, depth+1)
		}
		return b, err
	case t == "str":
		_, b, err = ReadStringZC(b)
		return b, err
	case t == "bin":
		_, b, err = ReadBytesZC(b, ^uint32(0))
		return b, err
	case t == "int":
		_, _, b, err = readInt(b)
		return b, err
	case t == "nil" || t == "bool":
		return b[1:], nil
	case c == 0xca || c == 0xcb:
		return fixed(b, 1+4<<(c-0xca)) // float32, float64
	case c >= 0xd4 && c <= 0xd8:
		return fixed(b, 2+1<<(c-0xd4)) // fixext 1..16: lead, type, data
	case c >= 0xc7 && c <= 0xc9:
		l, rest, err := length(b, 1<<(c-0xc7))
		if err != nil {
			return nil, err
		}
		if len(rest) < 1 {
			return nil, ErrShort
		}
		_, rest, err = payload(l, rest[1:], nil)
		return rest, err
	}
	return nil, &TypeError{Want: "value", Lead: c}
}

// fixed skips a value of n bytes.
func fixed(b []byte, n int) ([]byte, error) {
	if len(b) < n {
		return nil, ErrShort
	}
	return b[n:], nil
}

// ReadMap reads a map of at most limit pairs (more is ErrLimit) whose keys
// are str or bin: member reads each value from the bytes after its key
// (the key aliases b) and returns the bytes after the value.
func ReadMap(b []byte, limit uint32, member func(key, b []byte) ([]byte, error)) ([]byte, error) {
	n, b, err := ReadMapHeader(b)
	if err != nil {
		return nil, err
	}
	if n > limit {
		return nil, ErrLimit
	}
	for ; n > 0; n-- {
		var k []byte
		if k, b, err = ReadMapKey(b); err != nil {
			return nil, err
		}
		if b, err = member(k, b); err != nil {
			return nil, err
		}
	}
	return b, nil
}
