package stream

import "unicode/utf8"

// UTF8Decoder decodes a byte stream that arrives in arbitrary pieces into
// valid UTF-8, like a TextDecoder with {stream: true}.
//
// Invariant: held is a proper prefix of a valid encoding (1 to 3 bytes, never
// a full rune and never invalid). Hence the output for any split of an input
// equals the output for the whole input, and a byte becomes U+FFFD only when
// no continuation can make it valid (or at Flush).
type UTF8Decoder struct {
	held [utf8.UTFMax - 1]byte
	n    int // len of the held prefix
}

// Decode appends the decoded text of the held bytes followed by p to dst and
// returns it, holding back an incomplete trailing sequence for the next call.
// Each invalid byte becomes U+FFFD.
func (d *UTF8Decoder) Decode(dst, p []byte) []byte {
	if d.n > 0 {
		buf := make([]byte, 0, d.n+len(p))
		buf = append(append(buf, d.held[:d.n]...), p...)
		d.n = 0
		p = buf
	}
	cut := incompleteTail(p)
	d.n = copy(d.held[:], p[cut:])
	return appendValid(dst, p[:cut])
}

// Flush appends what is held, as U+FFFD per byte, and resets the decoder.
func (d *UTF8Decoder) Flush(dst []byte) []byte {
	dst = appendValid(dst, d.held[:d.n])
	d.n = 0
	return dst
}

// Pending reports how many bytes are held back.
func (d *UTF8Decoder) Pending() int { return d.n }

// incompleteTail returns where a trailing incomplete (but so far valid)
// encoding starts in p, or len(p) if there is none.
func incompleteTail(p []byte) int {
	for k := 1; k < utf8.UTFMax && k <= len(p); k++ {
		i := len(p) - k
		if utf8.RuneStart(p[i]) {
			if !utf8.FullRune(p[i:]) {
				return i
			}
			break
		}
	}
	return len(p)
}

// appendValid appends p to dst with each invalid byte replaced by U+FFFD.
func appendValid(dst, p []byte) []byte {
	if utf8.Valid(p) {
		return append(dst, p...)
	}
	for len(p) > 0 {
		r, size := utf8.DecodeRune(p)
		if r == utf8.RuneError && size == 1 {
			dst = utf8.AppendRune(dst, utf8.RuneError)
		} else {
			dst = append(dst, p[:size]...)
		}
		p = p[size:]
	}
	return dst
}
