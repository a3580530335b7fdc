package redial

// State is the life stage of a redialed connection as its listeners see it:
// the one vocabulary of the shared sockets (registry.State) and of the
// multiplexer client's socket (mux.State). Its String values are part of the
// JS API (SocketState in js/src/index.d.ts).
type State int

// The states, in the order a connection usually goes through them.
const (
	Connecting   State = iota // first dial in flight
	Open                      // frames flow
	Reconnecting              // dropped or refused; waiting out the backoff or redialing
	Closed                    // ended: no listener left, closed by its owner or a permanent error
)

// String returns the state's name as JS sees it; every value that no
// constant names reads "closed".
func (s State) String() string {
	switch s {
	case Connecting:
		return "connecting"
	case Open:
		return "open"
	case Reconnecting:
		return "reconnecting"
	default:
		return "closed"
	}
}
