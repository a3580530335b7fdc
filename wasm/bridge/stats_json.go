//go:build js && wasm

package bridge

import (
	"github.com/kubelive/kubelive/internal/gomem"
	"github.com/kubelive/kubelive/internal/jsonw"
	"github.com/kubelive/kubelive/wasm/browser"
)

// The appenders below write stats() as encoding/json's Marshal writes the
// same structs (members in field order under their tags, omitempty members
// left out when empty), byte for byte.

func (st *statsJSON) appendJSON(b []byte) []byte {
	b = jsonw.Array(append(b, `{"sockets":`...), st.Sockets, appendSocket)
	b = appendSocketCounts(append(b, `,"browserSockets":`...), st.BrowserSockets)
	b = jsonw.Int(append(b, `,"funcs":`...), st.Funcs)
	b = jsonw.Int(append(b, `,"timers":`...), st.Timers)
	b = jsonw.Int(append(b, `,"streams":`...), st.Streams)
	c := st.Cache
	b = appendInts(append(b, `,"cache":`...), []string{"entries", "watching", "lists", "resyncs", "views", "watchers"},
		c.Entries, c.Watching, c.Lists, c.Resyncs, c.Views, c.Watchers)
	v := st.Views
	b = appendInts(append(b, `,"views":`...), []string{"groups", "views", "watchers"}, v.Groups, v.Views, v.Watchers)
	b = st.Multiplexer.appendJSON(append(b, `,"multiplexer":`...))
	b = appendGoStats(append(b, `,"go":`...), st.Go)
	return append(b, '}')
}

func appendSocket(b []byte, s socketJSON) []byte {
	b = jsonw.String(append(b, `{"key":{"cluster":`...), s.Key.Cluster)
	b = jsonw.String(append(b, `,"url":`...), s.Key.URL)
	b = jsonw.Strings(append(b, `,"protocols":`...), s.Key.Protocols)
	b = jsonw.String(append(b, `,"type":`...), s.Key.Type)
	b = jsonw.String(append(b, `},"state":`...), s.State)
	b = jsonw.Int(append(b, `,"listeners":`...), s.Listeners)
	b = jsonw.Uint(append(b, `,"messagesIn":`...), s.MessagesIn)
	b = jsonw.Uint(append(b, `,"bytesIn":`...), s.BytesIn)
	b = jsonw.Int(append(b, `,"reconnects":`...), s.Reconnects)
	if s.LastError != "" {
		b = jsonw.String(append(b, `,"lastError":`...), s.LastError)
	}
	return append(b, '}')
}

func (m muxJSON) appendJSON(b []byte) []byte {
	b = jsonw.String(append(b, `{"mode":`...), m.Mode)
	b = jsonw.String(append(b, `,"reason":`...), m.Reason)
	if m.Protocol != "" {
		b = jsonw.String(append(b, `,"protocol":`...), m.Protocol)
	}
	if m.State != "" {
		b = jsonw.String(append(b, `,"state":`...), m.State)
	}
	b = jsonw.Int(append(b, `,"keys":`...), m.Keys)
	b = jsonw.Int(append(b, `,"listeners":`...), m.Listeners)
	b = jsonw.Int(append(b, `,"reconnects":`...), m.Reconnects)
	b = jsonw.Uint(append(b, `,"framesIn":`...), m.FramesIn)
	b = jsonw.Uint(append(b, `,"messagesIn":`...), m.MessagesIn)
	b = jsonw.Uint(append(b, `,"bytesIn":`...), m.BytesIn)
	return append(b, '}')
}

func appendSocketCounts(b []byte, c browser.SocketCounts) []byte {
	return appendInts(b, []string{"created", "live", "wakes"}, c.Created, c.Live, c.Wakes)
}

func appendGoStats(b []byte, g gomem.Stats) []byte {
	b = jsonw.Uint(append(b, `{"gcCycles":`...), g.GCCycles)
	b = jsonw.Float(append(b, `,"gcCpuMs":`...), g.GCCPUms)
	b = jsonw.Uint(append(b, `,"allocBytes":`...), g.AllocBytes)
	b = jsonw.Uint(append(b, `,"allocObjects":`...), g.AllocObjects)
	b = jsonw.Uint(append(b, `,"heapLive":`...), g.HeapLive)
	b = jsonw.Uint(append(b, `,"heapGoal":`...), g.HeapGoal)
	b = jsonw.Uint(append(b, `,"mapped":`...), g.Mapped)
	return append(b, '}')
}

// appendInts appends an object of int members: names[i] is vals[i]'s.
func appendInts(b []byte, names []string, vals ...int) []byte {
	b = append(b, '{')
	for i, v := range vals {
		b = jsonw.Int(jsonw.Key(b, names[i]), v)
	}
	return append(b, '}')
}
