package probe

import "github.com/kubelive/kubelive/internal/wire"

// statusBody is what FromResponse reads of a Kubernetes Status.
type statusBody struct {
	reason, message string
	originRefused   bool // a cause has reason CauseOriginRefused
}

// statusOf reads body as a Kubernetes Status: ok only when it is JSON of
// the Status shape (kind, reason, message strings; details.causes objects
// whose reason is a string) and its kind is "Status", as a decode into the
// Go struct of that shape would accept it.
func statusOf(body []byte) (st statusBody, ok bool) {
	n, err := wire.Parse(body)
	if err != nil || n.Kind != wire.Object {
		return st, false
	}
	kind, err1 := n.Field("kind").Text("kind")
	reason, err2 := n.Field("reason").Text("reason")
	message, err3 := n.Field("message").Text("message")
	if err1 != nil || err2 != nil || err3 != nil || kind != "Status" {
		return st, false
	}
	st.reason, st.message = reason, message
	details := n.Field("details")
	if details.CheckKind("details", wire.Object, "an object") != nil {
		return st, false
	}
	causes := details.Field("causes")
	if causes.CheckKind("causes", wire.Array, "an array") != nil {
		return st, false
	}
	for _, c := range causes.Elems {
		r, err := c.Field("reason").Text("reason")
		if err != nil || c.CheckKind("cause", wire.Object, "an object") != nil {
			return st, false
		}
		st.originRefused = st.originRefused || r == CauseOriginRefused
	}
	return st, true
}
