// Package pack keeps JSON objects small in memory: each object is stored as
// the differences from a dictionary (another object of the same list), as a
// run of literal bytes and copies of dictionary ranges.
//
// The encoding round-trips byte for byte: Unpack(Pack(b)) is b for every b,
// whatever the dictionary. A packed form is only readable with the Packer
// (the dictionary) that made it. A Packer is immutable after NewPacker and
// safe for concurrent use.
//
// Format: a tag byte, then for tagRaw the bytes themselves, for tagPacked a
// sequence of (uvarint literal length, the literals, uvarint copy length,
// and when the copy length is not 0 uvarint dictionary offset); a copy
// length of 0 ends the sequence. Copies are at least minMatch bytes long.
package pack

import (
	"errors"
	"fmt"
	"math/bits"
)

const (
	tagRaw    = 0
	tagPacked = 1

	minMatch  = 6
	tableBits = 14
	// MaxDict caps the dictionary: offsets and the table stay small.
	MaxDict = 1 << 16
)

// Packer packs objects against one dictionary.
type Packer struct {
	dict []byte
	// table maps the hash of minMatch bytes to the dictionary offset + 1 of
	// its first occurrence (0: none).
	table []uint32
}

// NewPacker returns a Packer for a private copy of dict (at most MaxDict
// bytes of it). An empty dict makes a Packer that stores objects as they are.
func NewPacker(dict []byte) *Packer {
	if len(dict) > MaxDict {
		dict = dict[:MaxDict]
	}
	p := &Packer{dict: append([]byte(nil), dict...)}
	if len(p.dict) >= minMatch {
		p.table = make([]uint32, 1<<tableBits)
		for i := len(p.dict) - minMatch; i >= 0; i-- {
			p.table[hash(p.dict[i:])] = uint32(i + 1)
		}
	}
	return p
}

func hash(b []byte) uint32 {
	v := uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
	v ^= uint32(b[4])<<8 ^ uint32(b[5])<<16
	return (v * 2654435761) >> (32 - tableBits)
}

// Pack returns b's packed form, a new slice sized to fit (never aliasing b):
// stored as it is when packing would not make it smaller.
func (p *Packer) Pack(b []byte) []byte { return p.PackWith(nil, b) }

// PackWith is Pack writing the form into scratch's memory first (reused
// across calls: the result is a copy of it, sized to fit).
func (p *Packer) PackWith(scratch, b []byte) []byte {
	if p.table == nil || len(b) < 2*minMatch {
		return Raw(b)
	}
	out := append(scratch[:0], tagPacked)
	dict := p.dict
	lit := 0    // start of the pending literals
	expect := 0 // where in the dictionary the next bytes would continue the last copy
	misses := 0 // places looked at since the last copy
	for i := 0; i+minMatch <= len(b); {
		off, n := -1, 0
		if expect < len(dict) {
			if n = matchLen(b[i:], dict[expect:]); n >= minMatch {
				off = expect
			}
		}
		if off < 0 {
			if c := p.table[hash(b[i:])]; c != 0 {
				if n = matchLen(b[i:], dict[c-1:]); n >= minMatch {
					off = int(c - 1)
				}
			}
		}
		if off < 0 {
			// past a run of misses, look at fewer places (the bytes
			// skipped stay literals): a long value unlike the
			// dictionary's costs less than a hash lookup a byte
			misses++
			step := 1 + misses>>4
			i += step
			expect += step
			continue
		}
		misses = 0
		out = appendUvarint(out, uint64(i-lit))
		out = append(out, b[lit:i]...)
		out = appendUvarint(out, uint64(n))
		out = appendUvarint(out, uint64(off))
		i += n
		lit = i
		expect = off + n
		if len(out) >= len(b) {
			return Raw(b)
		}
	}
	out = appendUvarint(out, uint64(len(b)-lit))
	out = append(out, b[lit:]...)
	out = append(out, 0)
	if len(out) >= len(b)+1 {
		return Raw(b)
	}
	return append([]byte(nil), out...) // sized to fit: the estimate may be far off
}

// matchLen is the length of the longest common prefix of a and b, compared
// eight bytes at a time.
func matchLen(a, b []byte) int {
	n := min(len(a), len(b))
	i := 0
	for ; i+8 <= n; i += 8 {
		if x := load64(a[i:]) ^ load64(b[i:]); x != 0 {
			return i + bits.TrailingZeros64(x)>>3
		}
	}
	for i < n && a[i] == b[i] {
		i++
	}
	return i
}

// load64 is b's first eight bytes, little-endian.
func load64(b []byte) uint64 {
	b = b[:8]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// Raw is b stored as it is (not packed), in a new slice: readable by every Packer.
func Raw(b []byte) []byte {
	out := make([]byte, len(b)+1)
	out[0] = tagRaw
	copy(out[1:], b)
	return out
}

// ErrCorrupt is wrapped by every error of AppendUnpacked and Unpack.
var ErrCorrupt = errors.New("pack: corrupt packed object")

// errStop is each's error when its f stopped it.
var errStop = errors.New("pack: stopped")

// each calls f with the pieces of the object of packed in order (literals
// and dictionary ranges, each valid during the call only) until f returns
// false (errStop); a malformed form is an ErrCorrupt, possibly after f saw
// some pieces.
func (p *Packer) each(packed []byte, f func([]byte) bool) error {
	if len(packed) == 0 {
		return fmt.Errorf("%w: empty", ErrCorrupt)
	}
	switch packed[0] {
	case tagRaw:
		if !f(packed[1:]) {
			return errStop
		}
		return nil
	case tagPacked:
	default:
		return fmt.Errorf("%w: tag %d", ErrCorrupt, packed[0])
	}
	s := packed[1:]
	for {
		n, k := uvarint(s)
		if k <= 0 || n > uint64(len(s)-k) {
			return fmt.Errorf("%w: literals", ErrCorrupt)
		}
		if !f(s[k : k+int(n)]) {
			return errStop
		}
		s = s[k+int(n):]
		m, k := uvarint(s)
		if k <= 0 {
			return fmt.Errorf("%w: copy length", ErrCorrupt)
		}
		s = s[k:]
		if m == 0 {
			if len(s) != 0 {
				return fmt.Errorf("%w: %d bytes after the end", ErrCorrupt, len(s))
			}
			return nil
		}
		off, k := uvarint(s)
		if k <= 0 || off > uint64(len(p.dict)) || m > uint64(len(p.dict))-off {
			return fmt.Errorf("%w: copy out of the dictionary", ErrCorrupt)
		}
		s = s[k:]
		if !f(p.dict[off : off+m]) {
			return errStop
		}
	}
}

// AppendUnpacked appends the object of packed (made by this Packer) to dst.
func (p *Packer) AppendUnpacked(dst, packed []byte) ([]byte, error) {
	err := p.each(packed, func(b []byte) bool {
		dst = append(dst, b...)
		return true
	})
	return dst, err
}

// Unpack returns the object of packed as a new slice.
func (p *Packer) Unpack(packed []byte) ([]byte, error) {
	return p.AppendUnpacked(nil, packed)
}

// Holds reports whether packed (made by this Packer) unpacks to exactly b,
// with no allocation: a check of Pack's output before it is kept.
func (p *Packer) Holds(packed, b []byte) bool {
	err := p.each(packed, func(piece []byte) bool {
		if len(piece) > len(b) || string(piece) != string(b[:len(piece)]) {
			return false
		}
		b = b[len(piece):]
		return true
	})
	return err == nil && len(b) == 0
}

// appendUvarint and uvarint are encoding/binary's AppendUvarint and Uvarint
// (written here: that package costs the module kilobytes of reflection).
func appendUvarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// uvarint returns the value and the bytes read; 0 bytes when b ends first,
// a negative count on overflow of 64 bits.
func uvarint(b []byte) (uint64, int) {
	var v uint64
	for i, c := range b {
		if i == 10 {
			return 0, -(i + 1)
		}
		if c < 0x80 {
			if i == 9 && c > 1 {
				return 0, -(i + 1)
			}
			return v | uint64(c)<<(7*i), i + 1
		}
		v |= uint64(c&0x7f) << (7 * i)
	}
	return 0, 0
}
