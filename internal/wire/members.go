package wire

import "unicode/utf8"

// ScanMembers validates b as one JSON object (followed by whitespace only)
// and calls fn with each member in order: its decoded key, and its value. A
// string value is passed decoded (str true): a subslice of b when it holds no
// escape, otherwise a fresh buffer with the escapes resolved; any other value
// is passed as its raw bytes (str false). Subslices of b are valid as long as
// b is. It is how a multiplexer envelope, whose "data" is a watch event
// quoted as a JSON string, is read without a generic JSON decoder.
func ScanMembers(b []byte, fn func(key, value []byte, str bool)) error {
	s := scanner{b: b}
	fail := func(e *ScanError) error {
		e.What, e.Len = "object", len(b)
		return e
	}
	if e := s.begin(); e != nil {
		return fail(e)
	}
	s.i++
	for n := 0; ; n++ {
		k, done, err := s.objectNext(n)
		if err != nil {
			return fail(s.err)
		}
		if done {
			break
		}
		key := s.key(k)
		if s.peek() == '"' {
			v, err := s.strDecode()
			if err != nil {
				return fail(s.err)
			}
			fn(key, v, true)
			continue
		}
		v, err := s.value(2)
		if err != nil {
			return fail(s.err)
		}
		fn(key, s.b[v.start:v.end], false)
	}
	if s.end() != nil {
		return fail(s.err)
	}
	return nil
}

// strDecode reads a string as str does and returns its decoded contents in
// the same pass: a subslice of b when nothing needs decoding (no escape, no
// invalid UTF-8), otherwise a fresh buffer that runs of plain bytes are
// copied into in bulk. s.b[s.i] is the opening quote.
func (s *scanner) strDecode() ([]byte, error) {
	b := s.b
	start := s.i + 1
	i, run := start, start
	var out []byte // nil until something needs decoding
	for i < len(b) {
		// The hot loop, on locals: runs of plain bytes.
		for i < len(b) && plainByte[b[i]] {
			i++
		}
		if i >= len(b) {
			break
		}
		c := b[i]
		switch {
		case c == '"':
			s.i = i + 1
			if out == nil {
				return b[start:i], nil
			}
			return append(out, b[run:i]...), nil
		case c < 0x20:
			s.i = i
			return nil, s.fail("control character in string")
		case c == '\\':
			if out == nil {
				out = make([]byte, 0, len(b)-start)
			}
			out = append(out, b[run:i]...)
			e := i
			// A run of \u escapes is decoded together: it may hold a
			// surrogate pair.
			s.i = i
			for {
				if err := s.escape(); err != nil {
					return nil, err
				}
				if s.i < 6 || s.b[s.i-6] != '\\' || s.b[s.i-5] != 'u' || s.i+1 >= len(b) || b[s.i] != '\\' || b[s.i+1] != 'u' {
					break
				}
			}
			i = s.i
			out = unquote(out, b[e:i])
			run = i
		default: // non-ASCII: kept as is when valid UTF-8
			r, size := utf8.DecodeRune(b[i:])
			if r != utf8.RuneError || size > 1 {
				i += size
				continue
			}
			if out == nil {
				out = make([]byte, 0, len(b)-start)
			}
			out = utf8.AppendRune(append(out, b[run:i]...), utf8.RuneError)
			i++
			run = i
		}
	}
	s.i = i
	return nil, s.fail("unterminated string")
}

// plainByte (a read-only table, never written after init) marks the bytes
// a JSON string holds as they are: not a quote, a backslash, a control
// character or the start of a multi-byte sequence.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()
