// Package muxwire is the wire format of kubelive's WebSocket multiplexer,
// shared by the client (internal/mux) and the server (server/muxserver): the
// message envelope and its kinds, the subscription key, the upstream states a
// server reports, and both framings (Headlamp's JSON objects and kubelive's
// msgpack batches). It holds no connection and no goroutine.
//
// Invariants: the decoders never panic and their errors name a frame's
// length, never its content; EncodeJSON writes the bytes Headlamp's backend
// writes; every field of a Message is typed, so routing code never converts
// a raw number or string.
package muxwire

// The msgp-generated codec is test code only: the tests check
// message_msgpack.go's against it (msgp's runtime links encoding/json).
//go:generate go run -C ../../tools github.com/tinylib/msgp -file ../internal/muxwire/message.go -o ../internal/muxwire/message_msgp_test.go -tests=false

//msgp:limit arrays:4096 maps:64

// Kind is the type of a multiplexer message. The numbers are the msgpack
// wire values; Kind.String gives Headlamp's JSON type names.
type Kind uint8

// Kinds of messages. Request and Close go client to server, the others
// server to client.
const (
	KindRequest  Kind = 1
	KindClose    Kind = 2
	KindData     Kind = 3
	KindError    Kind = 4
	KindStatus   Kind = 5
	KindComplete Kind = 6
)

var kindNames = [...]string{"", "REQUEST", "CLOSE", "DATA", "ERROR", "STATUS", "COMPLETE"}

// String returns Headlamp's name of k ("REQUEST", "DATA", ...), or "" for an
// unknown kind.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return ""
}

// Valid reports whether k is one of the six kinds.
func (k Kind) Valid() bool { return k.String() != "" }

// kindOf maps a Headlamp type name to its Kind; 0 if unknown.
func kindOf(s string) Kind {
	for i, n := range kindNames {
		if i > 0 && n == s {
			return Kind(i)
		}
	}
	return 0
}

// State is the state a server reports, in a STATUS, for the upstream watch
// of one subscription (Headlamp's names). It is not the state of the socket
// that carries it.
type State string

// Upstream states.
const (
	StateConnecting State = "connecting" // the upstream watch is being dialled
	StateConnected  State = "connected"  // the upstream watch is established
	StateError      State = "error"      // the upstream watch failed
	StateClosed     State = "closed"     // the upstream watch is over
)

// Message is one multiplexer message, the same shape on both protocols. On
// the msgpack protocol it is the envelope itself (message_msgpack.go); on the JSON
// protocol EncodeJSON/DecodeJSON translate it to Headlamp's object.
//
// Invariants: ID is set on every msgpack message and 0 on JSON; Data is the
// raw payload (a watch event's JSON text, or binary bytes when Binary), never
// base64 and never JSON-quoted; Data may alias the frame it was decoded from
// and must not be modified.
type Message struct {
	Kind    Kind   `msg:"k"`
	ID      uint64 `msg:"i,omitempty"`
	Cluster string `msg:"c,omitempty"`
	Path    string `msg:"p,omitempty"`
	Query   string `msg:"q,omitempty"`
	UserID  string `msg:"u,omitempty"`
	Data    []byte `msg:"d,omitempty,zerocopy,limit=1073741824"`
	Binary  bool   `msg:"b,omitempty"`
	State   State  `msg:"s,omitempty"` // STATUS only
	Err     string `msg:"e,omitempty"` // ERROR and STATUS: the error text
}

// Batch is one msgpack frame: one or more messages, in order. A server packs
// several DATA messages of one or many subscriptions into one Batch.
type Batch []Message
