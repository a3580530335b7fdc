package muxwire

import (
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/kubelive/kubelive/internal/jsonw"
	"github.com/kubelive/kubelive/internal/wire"
)

// Subprotocols of the multiplexer endpoint.
const (
	// MsgpackProtocol selects msgpack framing: Batch frames, ids, raw payloads.
	MsgpackProtocol = "kubelive.mux.v1.msgpack"
	// HeadlampProtocol is the subprotocol of Headlamp's JSON multiplexer; a
	// server that selects it, or none, speaks JSON.
	HeadlampProtocol = "headlamp.multiplexer.k8s.io"
)

// DefaultMaxFrame is the default cap on the size of one frame (16 MiB).
const DefaultMaxFrame = 16 << 20

// Sentinel errors of the codecs. Decode errors name a frame's length, never
// its content.
var (
	ErrBadFrame        = errors.New("mux: malformed frame")
	ErrFrameTooLarge   = errors.New("mux: frame over the size cap")
	ErrUnsupportedType = errors.New("mux: unsupported message type")
)

// jsonMessage is Headlamp's Message struct (backend/cmd/multiplexer.go),
// fields in its order so that EncodeJSON writes the bytes Headlamp writes.
// KubeliveQuery and KubeliveUser are our extension: STATUS keeps Headlamp's
// empty query and userId and carries the subscription's here, so our client
// routes it exactly; Headlamp's frontend ignores unknown fields.
type jsonMessage struct {
	ClusterID     string `json:"clusterId"`
	Path          string `json:"path"`
	Query         string `json:"query"`
	UserID        string `json:"userId"`
	Data          string `json:"data,omitempty"`
	Binary        bool   `json:"binary,omitempty"`
	Type          string `json:"type"`
	KubeliveQuery string `json:"kubeliveQuery,omitempty"`
	KubeliveUser  string `json:"kubeliveUserId,omitempty"`
}

type jsonErrorData struct {
	Error string `json:"error"`
}

type jsonStatusData struct {
	State State  `json:"state"`
	Error string `json:"error"`
}

// EncodeJSON writes m as Headlamp's backend does (gorilla WriteJSON): one
// object, HTML characters escaped (& as \u0026), then "\n". DATA carries
// Data as a string, base64 with binary:true when m.Binary; ERROR carries
// {"error":...}; STATUS carries {"state":...,"error":...} with an empty query
// and userId, as Headlamp sends it, and the query and userId in
// kubeliveQuery and kubeliveUserId.
func EncodeJSON(m Message) ([]byte, error) {
	k := m.Kind
	j := jsonMessage{ClusterID: m.Cluster, Path: m.Path, Query: m.Query, UserID: m.UserID, Type: k.String()}
	if j.Type == "" {
		return nil, fmt.Errorf("encode JSON: kind %d: %w", m.Kind, ErrUnsupportedType)
	}
	var data []byte
	switch k {
	case KindData:
		if m.Binary {
			data, j.Binary = base64.StdEncoding.AppendEncode(nil, m.Data), true
		} else {
			data = m.Data
		}
	case KindError:
		data = jsonErrorData{Error: m.Err}.appendJSON(nil)
	case KindStatus:
		b := jsonStatusData{State: m.State, Error: m.Err}.appendJSON(nil)
		data, j.Query, j.UserID, j.KubeliveQuery, j.KubeliveUser = b, "", "", m.Query, m.UserID
	}
	// The object written by hand, fields in jsonMessage's order, each string
	// escaped as encoding/json escapes it: one pass over the payload.
	out := make([]byte, 0, len(data)+len(data)/8+len(j.Path)+len(j.Query)+len(j.ClusterID)+len(j.UserID)+96)
	out = jsonw.String(append(out, `{"clusterId":`...), j.ClusterID)
	out = jsonw.String(append(out, `,"path":`...), j.Path)
	out = jsonw.String(append(out, `,"query":`...), j.Query)
	out = jsonw.String(append(out, `,"userId":`...), j.UserID)
	if len(data) > 0 {
		out = jsonw.String(append(out, `,"data":`...), data)
	}
	if j.Binary {
		out = append(out, `,"binary":true`...)
	}
	out = jsonw.String(append(out, `,"type":`...), j.Type)
	if j.KubeliveQuery != "" {
		out = jsonw.String(append(out, `,"kubeliveQuery":`...), j.KubeliveQuery)
	}
	if j.KubeliveUser != "" {
		out = jsonw.String(append(out, `,"kubeliveUserId":`...), j.KubeliveUser)
	}
	return append(out, "}\n"...), nil
}

// DecodeJSON reads one JSON frame of either direction. It never panics; an
// error wraps ErrFrameTooLarge, ErrBadFrame or ErrUnsupportedType and names
// the frame's length only. With ErrUnsupportedType the returned Message still
// carries the routing fields, so that a server can answer with an ERROR.
// STATUS's Query and UserID are its kubeliveQuery and kubeliveUserId (""
// from Headlamp's backend, which names only the cluster and path). A member
// that occurs twice counts once, by its last occurrence, as in JSON.parse.
// maxSize <= 0 means DefaultMaxFrame. JSONDecoder returns the same without
// an allocation per payload.
func DecodeJSON(frame []byte, maxSize int) (Message, error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxFrame
	}
	size := len(frame)
	var data []byte
	if size > maxSize {
		return Message{}, fmt.Errorf("%w: JSON frame of %d bytes, cap %d", ErrFrameTooLarge, size, maxSize)
	}
	// One pass over the envelope, no generic decoder: the "data" string (a
	// watch event quoted in JSON) is unescaped once into its own buffer.
	// bad has a bit per member (by its last occurrence) of the wrong type.
	const dataBit, binaryBit = 1 << 14, 1 << 15
	var j jsonMessage
	var bad uint16
	dataNull := false
	err := wire.ScanMembers(frame, func(key, v []byte, str bool) {
		var f *string
		var bit uint16
		switch string(key) {
		case "data":
			data, dataNull = v, !str && string(v) == "null"
			bad = setBit(bad, dataBit, !str && !dataNull)
			return
		case "binary":
			j.Binary = string(v) == "true"
			bad = setBit(bad, binaryBit, str)
			return
		case "clusterId":
			f, bit = &j.ClusterID, 1
		case "path":
			f, bit = &j.Path, 2
		case "query":
			f, bit = &j.Query, 4
		case "userId":
			f, bit = &j.UserID, 8
		case "type":
			f, bit = &j.Type, 16
		case "kubeliveQuery":
			f, bit = &j.KubeliveQuery, 32
		case "kubeliveUserId":
			f, bit = &j.KubeliveUser, 64
		default:
			return
		}
		*f = "" // null leaves "", as encoding/json leaves it
		if str {
			*f = string(v)
		}
		bad = setBit(bad, bit, !str && string(v) != "null")
	})
	if err != nil || bad != 0 {
		return Message{}, fmt.Errorf("%w: JSON frame of %d bytes is not a message object", ErrBadFrame, size)
	}
	if j.ClusterID == "" || j.Path == "" {
		return Message{}, fmt.Errorf("%w: JSON frame of %d bytes has no clusterId or path", ErrBadFrame, size)
	}
	if dataNull {
		data = nil
	}
	m := Message{Cluster: j.ClusterID, Path: j.Path, Query: j.Query, UserID: j.UserID}
	m.Kind = kindOf(j.Type)
	switch m.Kind {
	case 0:
		return m, fmt.Errorf("%w: type of %d bytes in a JSON frame of %d bytes", ErrUnsupportedType, len(j.Type), size)
	case KindData:
		if !j.Binary {
			m.Data = data
			break
		}
		b := make([]byte, base64.StdEncoding.DecodedLen(len(data)))
		n, err := base64.StdEncoding.Decode(b, data)
		if err != nil {
			return Message{}, fmt.Errorf("%w: binary data of %d bytes in a JSON frame of %d bytes is not base64", ErrBadFrame, len(data), size)
		}
		m.Data, m.Binary = b[:n], true
	case KindError:
		m.Err = errorText(string(data))
	case KindStatus:
		s, err := readStatusData(data)
		if err != nil || s.State == "" {
			return Message{}, fmt.Errorf("%w: STATUS data of %d bytes in a JSON frame of %d bytes has no state", ErrBadFrame, len(data), size)
		}
		m.State, m.Err, m.Query, m.UserID = s.State, s.Error, j.KubeliveQuery, j.KubeliveUser
	}
	return m, nil
}

// setBit returns bits with bit set if on, cleared otherwise.
func setBit(bits, bit uint16, on bool) uint16 {
	if on {
		return bits | bit
	}
	return bits &^ bit
}

// errorText extracts an ERROR's message as Headlamp's client does: the
// "error" field of data, else data itself, else "Unknown error".
func errorText(data string) string {
	if e, err := readErrorData([]byte(data)); err == nil && e.Error != "" {
		return e.Error
	}
	if data != "" {
		return data
	}
	return "Unknown error"
}

// EncodeMsgp appends b as one msgpack frame to dst.
func EncodeMsgp(dst []byte, b Batch) ([]byte, error) {
	return appendBatch(dst, b), nil
}

// DecodeMsgp reads one msgpack frame into a Batch. It never panics; an error
// wraps ErrFrameTooLarge or ErrBadFrame and names the frame's length only.
// The messages' Data alias frame. maxSize <= 0 means DefaultMaxFrame.
func DecodeMsgp(frame []byte, maxSize int) (Batch, error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxFrame
	}
	if len(frame) > maxSize {
		return nil, fmt.Errorf("%w: msgpack frame of %d bytes, cap %d", ErrFrameTooLarge, len(frame), maxSize)
	}
	b, rest, err := readBatch(frame)
	if err != nil {
		return nil, fmt.Errorf("%w: msgpack frame of %d bytes: %v", ErrBadFrame, len(frame), err)
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: msgpack frame of %d bytes has %d trailing bytes", ErrBadFrame, len(frame), len(rest))
	}
	for i := range b {
		if !b[i].Kind.Valid() {
			return nil, fmt.Errorf("%w: message %d of a msgpack frame of %d bytes has kind %d", ErrUnsupportedType, i, len(frame), b[i].Kind)
		}
	}
	return b, nil
}
