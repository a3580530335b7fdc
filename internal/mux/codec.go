package mux

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

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
	State string `json:"state"`
	Error string `json:"error"`
}

// EncodeJSON writes m as Headlamp's backend does (gorilla WriteJSON): one
// object, HTML characters escaped (& as \u0026), then "\n". DATA carries
// Data as a string, base64 with binary:true when m.Binary; ERROR carries
// {"error":...}; STATUS carries {"state":...,"error":...} with an empty query
// and userId, as Headlamp sends it, and the query and userId in
// kubeliveQuery and kubeliveUserId.
func EncodeJSON(m Message) ([]byte, error) {
	k := Kind(m.Kind)
	j := jsonMessage{ClusterID: m.Cluster, Path: m.Path, Query: m.Query, UserID: m.UserID, Type: k.String()}
	if j.Type == "" {
		return nil, fmt.Errorf("encode JSON: kind %d: %w", m.Kind, ErrUnsupportedType)
	}
	switch k {
	case KindData:
		if m.Binary {
			j.Data, j.Binary = base64.StdEncoding.EncodeToString(m.Data), true
		} else {
			j.Data = string(m.Data)
		}
	case KindError:
		b, err := json.Marshal(jsonErrorData{Error: m.Err})
		if err != nil {
			return nil, fmt.Errorf("encode JSON error data: %w", err)
		}
		j.Data = string(b)
	case KindStatus:
		b, err := json.Marshal(jsonStatusData{State: m.State, Error: m.Err})
		if err != nil {
			return nil, fmt.Errorf("encode JSON status data: %w", err)
		}
		j.Data, j.Query, j.UserID, j.KubeliveQuery, j.KubeliveUser = string(b), "", "", m.Query, m.UserID
	}
	var buf bytes.Buffer
	buf.Grow(len(j.Data) + len(j.Path) + len(j.Query) + 96)
	if err := json.NewEncoder(&buf).Encode(j); err != nil {
		return nil, fmt.Errorf("encode JSON %s: %w", j.Type, err)
	}
	return buf.Bytes(), nil
}

// DecodeJSON reads one JSON frame of either direction. It never panics; an
// error wraps ErrFrameTooLarge, ErrBadFrame or ErrUnsupportedType and names
// the frame's length only. With ErrUnsupportedType the returned Message still
// carries the routing fields, so that a server can answer with an ERROR.
// STATUS's Query and UserID are its kubeliveQuery and kubeliveUserId (""
// from Headlamp's backend, which names only the cluster and path). maxSize <= 0 means DefaultMaxFrame.
func DecodeJSON(frame []byte, maxSize int) (Message, error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxFrame
	}
	if len(frame) > maxSize {
		return Message{}, fmt.Errorf("%w: JSON frame of %d bytes, cap %d", ErrFrameTooLarge, len(frame), maxSize)
	}
	// One pass over the envelope, no generic decoder: the "data" string (a
	// watch event quoted in JSON) is unescaped once into its own buffer.
	var j jsonMessage
	var data []byte
	typeOK := true
	err := wire.ScanMembers(frame, func(key, v []byte, str bool) {
		var f *string
		switch string(key) {
		case "data":
			data, typeOK = v, typeOK && (str || string(v) == "null")
			return
		case "binary":
			j.Binary, typeOK = string(v) == "true", typeOK && !str
			return
		case "clusterId":
			f = &j.ClusterID
		case "path":
			f = &j.Path
		case "query":
			f = &j.Query
		case "userId":
			f = &j.UserID
		case "type":
			f = &j.Type
		case "kubeliveQuery":
			f = &j.KubeliveQuery
		case "kubeliveUserId":
			f = &j.KubeliveUser
		default:
			return
		}
		if str {
			*f = string(v) // "" for null, as encoding/json leaves it
		} else {
			typeOK = typeOK && string(v) == "null"
		}
	})
	if err != nil || !typeOK {
		return Message{}, fmt.Errorf("%w: JSON frame of %d bytes is not a message object", ErrBadFrame, len(frame))
	}
	if j.ClusterID == "" || j.Path == "" {
		return Message{}, fmt.Errorf("%w: JSON frame of %d bytes has no clusterId or path", ErrBadFrame, len(frame))
	}
	if string(data) == "null" {
		data = nil
	}
	m := Message{Cluster: j.ClusterID, Path: j.Path, Query: j.Query, UserID: j.UserID}
	k := kindOf(j.Type)
	m.Kind = uint8(k)
	switch k {
	case 0:
		return m, fmt.Errorf("%w: type of %d bytes in a JSON frame of %d bytes", ErrUnsupportedType, len(j.Type), len(frame))
	case KindData:
		if !j.Binary {
			m.Data = data
			break
		}
		b := make([]byte, base64.StdEncoding.DecodedLen(len(data)))
		n, err := base64.StdEncoding.Decode(b, data)
		if err != nil {
			return Message{}, fmt.Errorf("%w: binary data of %d bytes in a JSON frame of %d bytes is not base64", ErrBadFrame, len(data), len(frame))
		}
		m.Data, m.Binary = b[:n], true
	case KindError:
		m.Err = errorText(string(data))
	case KindStatus:
		var s jsonStatusData
		if err := json.Unmarshal(data, &s); err != nil || s.State == "" {
			return Message{}, fmt.Errorf("%w: STATUS data of %d bytes in a JSON frame of %d bytes has no state", ErrBadFrame, len(data), len(frame))
		}
		m.State, m.Err, m.Query, m.UserID = s.State, s.Error, j.KubeliveQuery, j.KubeliveUser
	}
	return m, nil
}

// errorText extracts an ERROR's message as Headlamp's client does: the
// "error" field of data, else data itself, else "Unknown error".
func errorText(data string) string {
	var e jsonErrorData
	if err := json.Unmarshal([]byte(data), &e); err == nil && e.Error != "" {
		return e.Error
	}
	if data != "" {
		return data
	}
	return "Unknown error"
}

// EncodeMsgp appends b as one msgpack frame to dst.
func EncodeMsgp(dst []byte, b Batch) ([]byte, error) {
	out, err := b.MarshalMsg(dst)
	if err != nil {
		return dst, fmt.Errorf("encode msgpack batch of %d messages: %w", len(b), err)
	}
	return out, nil
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
	var b Batch
	rest, err := b.UnmarshalMsg(frame)
	if err != nil {
		return nil, fmt.Errorf("%w: msgpack frame of %d bytes: %v", ErrBadFrame, len(frame), err)
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: msgpack frame of %d bytes has %d trailing bytes", ErrBadFrame, len(frame), len(rest))
	}
	for i := range b {
		if Kind(b[i].Kind).String() == "" {
			return nil, fmt.Errorf("%w: message %d of a msgpack frame of %d bytes has kind %d", ErrUnsupportedType, i, len(frame), b[i].Kind)
		}
	}
	return b, nil
}
