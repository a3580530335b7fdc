package wire

// NoSpans is what AppendMemberSpans appends for a value it cannot describe
// (not one well-formed JSON object): a reader parses such a value whole.
const NoSpans = ^uint32(0)

// AppendMemberSpans appends to dst the top-level members of b, one JSON
// object (whitespace around it allowed): their count n, then for each
// member in order four offsets into b: the key's contents (between its
// quotes, escapes left as they are) and the whole value (a string with its
// quotes). It appends NoSpans alone when b is not one well-formed object.
// A reader that keeps b as text can so parse one member's value without
// parsing the others. Duplicate keys are reported as they occur.
func AppendMemberSpans(dst []uint32, b []byte) []uint32 {
	s := scanner{b: b}
	if s.peek() != '{' {
		return append(dst, NoSpans)
	}
	s.i++
	at := len(dst)
	dst = append(dst, 0)
	n := 0
	for ; ; n++ {
		k, done, err := s.objectNext(n)
		if err != nil {
			return append(dst[:at], NoSpans)
		}
		if done {
			break
		}
		s.ws()
		v, err := s.value(2)
		if err != nil {
			return append(dst[:at], NoSpans)
		}
		start := v.start
		if v.kind == kString {
			start-- // the opening quote
			v.end++
		}
		dst = append(dst, uint32(k.start), uint32(k.end), uint32(start), uint32(v.end))
	}
	if s.end() != nil {
		return append(dst[:at], NoSpans)
	}
	dst[at] = uint32(n)
	return dst
}
