package muxwire

import (
	"github.com/kubelive/kubelive/internal/jsonw"
	"github.com/kubelive/kubelive/internal/wire"
)

// appendJSON appends d as Headlamp writes an ERROR's data: {"error":...}.
func (d jsonErrorData) appendJSON(b []byte) []byte {
	return append(jsonw.String(append(b, `{"error":`...), d.Error), '}')
}

// appendJSON appends d as Headlamp writes a STATUS's data:
// {"state":...,"error":...}.
func (d jsonStatusData) appendJSON(b []byte) []byte {
	b = jsonw.String(append(b, `{"state":`...), string(d.State))
	return append(jsonw.String(append(b, `,"error":`...), d.Error), '}')
}

// readErrorData reads an ERROR's data as a decode into jsonErrorData does:
// an error unless it is JSON whose "error" (if any) is a string or null.
func readErrorData(data []byte) (d jsonErrorData, err error) {
	n, err := dataObject(data)
	if err == nil {
		d.Error, err = n.Field("error").Text("error")
	}
	return d, err
}

// readStatusData reads a STATUS's data as a decode into jsonStatusData
// does: state and error strings (or null, or absent).
func readStatusData(data []byte) (d jsonStatusData, err error) {
	n, err := dataObject(data)
	if err != nil {
		return d, err
	}
	state, err := n.Field("state").Text("state")
	if err == nil {
		d.State = State(state)
		d.Error, err = n.Field("error").Text("error")
	}
	return d, err
}

// dataObject parses data, which must be a JSON object or null.
func dataObject(data []byte) (wire.Node, error) {
	n, err := wire.Parse(data)
	if err == nil {
		err = n.CheckKind("data", wire.Object, "an object")
	}
	return n, err
}
