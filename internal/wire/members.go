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
	s.i++
	start, run := s.i, s.i
	var out []byte // nil until something needs decoding
	for s.i < len(s.b) {
		c := s.b[s.i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			s.i++
			continue
		}
		switch {
		case c == '"':
			if out == nil {
				s.i++
				return s.b[start : s.i-1], nil
			}
			out = append(out, s.b[run:s.i]...)
			s.i++
			return out, nil
		case c < 0x20:
			return nil, s.fail("control character in string")
		case c == '\\':
			if out == nil {
				out = make([]byte, 0, len(s.b)-start)
			}
			out = append(out, s.b[run:s.i]...)
			e := s.i
			// A run of \u escapes is decoded together: it may hold a
			// surrogate pair.
			for {
				if err := s.escape(); err != nil {
					return nil, err
				}
				if s.b[s.i-6] != '\\' || s.b[s.i-5] != 'u' || s.i+1 >= len(s.b) || s.b[s.i] != '\\' || s.b[s.i+1] != 'u' {
					break
				}
			}
			out = unquote(out, s.b[e:s.i])
			run = s.i
		default: // non-ASCII: kept as is when valid UTF-8
			r, size := utf8.DecodeRune(s.b[s.i:])
			if r != utf8.RuneError || size > 1 {
				s.i += size
				continue
			}
			if out == nil {
				out = make([]byte, 0, len(s.b)-start)
			}
			out = utf8.AppendRune(append(out, s.b[run:s.i]...), utf8.RuneError)
			s.i++
			run = s.i
		}
	}
	return nil, s.fail("unterminated string")
}
