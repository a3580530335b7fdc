package view

import "encoding/binary"

// labelSet is an object's labels in one string: each pair as its key's
// length (uvarint), the key, its value's length (uvarint), the value. It
// holds what a map[string]string of the same labels holds in a fifth of
// the memory (one allocation, no buckets), and a view keeps one per
// object. Invariant: every key appears once (it is made from a map).
type labelSet string

// makeLabelSet packs m; nil or empty gives the empty set.
func makeLabelSet(m map[string]string) labelSet {
	if len(m) == 0 {
		return ""
	}
	n := 0
	for k, v := range m {
		n += uvarintLen(len(k)) + len(k) + uvarintLen(len(v)) + len(v)
	}
	b := make([]byte, 0, n)
	for k, v := range m {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	return labelSet(b)
}

// uvarintLen is the length of n's uvarint.
func uvarintLen(n int) int {
	l := 1
	for ; n >= 0x80; n >>= 7 {
		l++
	}
	return l
}

// get returns the value of key and whether the set has it, as a map's
// index does. The value shares the set's memory.
func (l labelSet) get(key string) (string, bool) {
	for s := string(l); len(s) > 0; {
		k, rest, ok := field(s)
		if !ok {
			return "", false
		}
		v, next, ok := field(rest)
		if !ok {
			return "", false
		}
		if k == key {
			return v, true
		}
		s = next
	}
	return "", false
}

// each calls f with every value, in the set's order.
func (l labelSet) each(f func(v string)) {
	for s := string(l); len(s) > 0; {
		_, rest, ok := field(s)
		if !ok {
			return
		}
		v, next, ok := field(rest)
		if !ok {
			return
		}
		f(v)
		s = next
	}
}

// field reads one length-prefixed string from the front of s. ok is false
// only for a set not made by makeLabelSet (it cannot happen).
func field(s string) (f, rest string, ok bool) {
	var n uint64
	for i, shift := 0, uint(0); i < len(s) && i < binary.MaxVarintLen64; i, shift = i+1, shift+7 {
		c := s[i]
		n |= uint64(c&0x7f) << shift
		if c < 0x80 {
			s = s[i+1:]
			if uint64(len(s)) < n {
				return "", "", false
			}
			return s[:n], s[n:], true
		}
	}
	return "", "", false
}
