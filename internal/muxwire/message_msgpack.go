package muxwire

import (
	"fmt"
	"slices"

	"github.com/kubelive/kubelive/internal/msgpack"
)

// Limits of a msgpack frame: messages in a Batch, members of a Message and
// bytes of a Data.
const (
	maxBatch   = 4096
	maxMembers = 64
	maxData    = 1 << 30
)

// appendBatch appends b as an array of messages, each a map of its members
// under their one-letter keys (k, i, c, p, q, u, d, b, s, e), the empty ones
// left out but k; byte for byte what tinylib/msgp's generated encoder
// writes (the tests compare the two).
func appendBatch(o []byte, b Batch) []byte {
	size := 5
	for i := range b {
		m := &b[i]
		size += 64 + len(m.Cluster) + len(m.Path) + len(m.Query) + len(m.UserID) + len(m.Data) + len(m.State) + len(m.Err)
	}
	o = msgpack.AppendArrayHeader(slices.Grow(o, size), uint32(len(b)))
	for i := range b {
		o = appendMessage(o, &b[i])
	}
	return o
}

func appendMessage(o []byte, m *Message) []byte {
	strs := [...]struct {
		key byte
		s   string
	}{{'c', m.Cluster}, {'p', m.Path}, {'q', m.Query}, {'u', m.UserID}, {'s', string(m.State)}, {'e', m.Err}}
	n := uint32(1)
	for _, f := range strs {
		n += b2u(f.s != "")
	}
	n += b2u(m.ID != 0) + b2u(m.Data != nil) + b2u(m.Binary)
	o = msgpack.AppendUint(append(msgpack.AppendMapHeader(o, n), 0xa1, 'k'), uint64(m.Kind))
	if m.ID != 0 {
		o = msgpack.AppendUint(append(o, 0xa1, 'i'), m.ID)
	}
	for _, f := range strs[:4] {
		if f.s != "" {
			o = msgpack.AppendString(append(o, 0xa1, f.key), f.s)
		}
	}
	if m.Data != nil {
		o = msgpack.AppendBytes(append(o, 0xa1, 'd'), m.Data)
	}
	if m.Binary {
		o = append(o, 0xa1, 'b', 0xc3)
	}
	for _, f := range strs[4:] {
		if f.s != "" {
			o = msgpack.AppendString(append(o, 0xa1, f.key), f.s)
		}
	}
	return o
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// readBatch reads what appendBatch writes, accepting and refusing what
// msgp's generated decoder does: members in any order, unknown ones
// skipped, a later duplicate winning. Data aliases b. An error names the
// message and the member, never the content.
func readBatch(b []byte) (Batch, []byte, error) {
	n, b, err := msgpack.ReadArrayHeader(b)
	if err != nil {
		return nil, nil, err
	}
	if n > maxBatch {
		return nil, nil, msgpack.ErrLimit
	}
	var out Batch // as msgp: none stays nil
	if n > 0 {
		out = make(Batch, n)
	}
	for i := range out {
		if b, err = readMessage(b, &out[i]); err != nil {
			return nil, nil, fmt.Errorf("message %d: %w", i, err)
		}
	}
	return out, b, nil
}

func readMessage(b []byte, m *Message) ([]byte, error) {
	return msgpack.ReadMap(b, maxMembers, func(k, b []byte) (rest []byte, err error) {
		var s *string // the string member read, if any
		switch string(k) {
		case "k":
			var u uint64
			u, rest, err = msgpack.ReadUint(b, 8)
			m.Kind = Kind(u)
		case "i":
			m.ID, rest, err = msgpack.ReadUint(b, 64)
		case "c":
			s = &m.Cluster
		case "p":
			s = &m.Path
		case "q":
			s = &m.Query
		case "u":
			s = &m.UserID
		case "d":
			m.Data, rest, err = msgpack.ReadBytesZC(b, maxData)
		case "b":
			m.Binary, rest, err = msgpack.ReadBool(b)
		case "s":
			var state string
			state, rest, err = msgpack.ReadString(b)
			m.State = State(state)
		case "e":
			s = &m.Err
		default:
			rest, err = msgpack.Skip(b)
		}
		if s != nil {
			*s, rest, err = msgpack.ReadString(b)
		}
		return rest, err
	})
}
