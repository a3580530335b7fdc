package persist

import (
	"fmt"

	"github.com/kubelive/kubelive/internal/msgpack"
)

// Limits of a record: members of a map, objects in a record and bytes of
// an object's raw JSON.
const (
	maxMembers = 64
	maxItems   = 1_000_000
	maxRaw     = 1_000_000
)

// appendMsgpack appends r as a map {f, k, rv, at, items}, each object a map
// {u, ns, n, rv, raw}: byte for byte what tinylib/msgp's generated encoder
// writes (the tests compare the two).
func (r *Record) appendMsgpack(o []byte) []byte {
	o = msgpack.AppendUint(append(o, 0x85, 0xa1, 'f'), uint64(r.Format))
	o = msgpack.AppendString(append(o, 0xa1, 'k'), r.Key)
	o = msgpack.AppendString(append(o, 0xa2, 'r', 'v'), r.ResourceVersion)
	o = msgpack.AppendInt(append(o, 0xa2, 'a', 't'), r.SavedAtMs)
	o = msgpack.AppendArrayHeader(append(o, 0xa5, 'i', 't', 'e', 'm', 's'), uint32(len(r.Items)))
	for i := range r.Items {
		x := &r.Items[i]
		o = msgpack.AppendString(append(o, 0x85, 0xa1, 'u'), x.UID)
		o = msgpack.AppendString(append(o, 0xa2, 'n', 's'), x.Namespace)
		o = msgpack.AppendString(append(o, 0xa1, 'n'), x.Name)
		o = msgpack.AppendString(append(o, 0xa2, 'r', 'v'), x.ResourceVersion)
		o = msgpack.AppendBytes(append(o, 0xa3, 'r', 'a', 'w'), x.Raw)
	}
	return o
}

// readMsgpack reads what appendMsgpack writes into r, accepting and
// refusing what msgp's generated decoder does: members in any order,
// unknown ones skipped, a later duplicate winning. Each Raw is a copy.
func (r *Record) readMsgpack(b []byte) ([]byte, error) {
	return msgpack.ReadMap(b, maxMembers, func(k, b []byte) (rest []byte, err error) {
		switch string(k) {
		case "f":
			var u uint64
			u, rest, err = msgpack.ReadUint(b, 16)
			r.Format = uint16(u)
		case "k":
			r.Key, rest, err = msgpack.ReadString(b)
		case "rv":
			r.ResourceVersion, rest, err = msgpack.ReadString(b)
		case "at":
			r.SavedAtMs, rest, err = msgpack.ReadInt(b)
		case "items":
			var n uint32
			if n, rest, err = msgpack.ReadArrayHeader(b); err == nil && n > maxItems {
				err = msgpack.ErrLimit
			}
			if err != nil {
				return nil, fmt.Errorf("items: %w", err)
			}
			if cap(r.Items) >= int(n) { // as msgp: none stays nil
				r.Items = r.Items[:n]
			} else {
				r.Items = make([]Object, n)
			}
			for i := range r.Items {
				if rest, err = r.Items[i].readMsgpack(rest); err != nil {
					return nil, fmt.Errorf("items[%d]: %w", i, err)
				}
			}
		default:
			rest, err = msgpack.Skip(b)
		}
		return rest, err
	})
}

func (x *Object) readMsgpack(b []byte) ([]byte, error) {
	return msgpack.ReadMap(b, maxMembers, func(k, b []byte) (rest []byte, err error) {
		switch string(k) {
		case "u":
			x.UID, rest, err = msgpack.ReadString(b)
		case "ns":
			x.Namespace, rest, err = msgpack.ReadString(b)
		case "n":
			x.Name, rest, err = msgpack.ReadString(b)
		case "rv":
			x.ResourceVersion, rest, err = msgpack.ReadString(b)
		case "raw":
			var raw []byte
			raw, rest, err = msgpack.ReadBytesZC(b, maxRaw)
			x.Raw = append(make([]byte, 0, len(raw)), raw...)
		default:
			rest, err = msgpack.Skip(b)
		}
		return rest, err
	})
}
