//go:build js && wasm

package bridge

import (
	"github.com/hack-pad/safejs"

	"github.com/kubelive/kubelive/internal/gomem"
	"github.com/kubelive/kubelive/wasm/browser"
)

type socketJSON struct {
	Key        keyJSON `json:"key"`
	State      string  `json:"state"`
	Listeners  int     `json:"listeners"`
	MessagesIn uint64  `json:"messagesIn"`
	BytesIn    uint64  `json:"bytesIn"`
	Reconnects int     `json:"reconnects"`
	LastError  string  `json:"lastError,omitempty"`
}

type keyJSON struct {
	Cluster   string   `json:"cluster"`
	URL       string   `json:"url"`
	Protocols []string `json:"protocols"`
	Type      string   `json:"type"`
}

type statsJSON struct {
	Sockets        []socketJSON         `json:"sockets"`
	BrowserSockets browser.SocketCounts `json:"browserSockets"`
	Funcs          int64                `json:"funcs"`
	Timers         int                  `json:"timers"`
	Streams        int                  `json:"streams"`
	Cache          cacheJSON            `json:"cache"`
	Views          viewsJSON            `json:"views"`
	Multiplexer    muxJSON              `json:"multiplexer"`
	// Go is the module's heap and collector, cumulative since it started
	// (collections, their CPU time, bytes and objects allocated) and now.
	Go gomem.Stats `json:"go"`
}

type muxJSON struct {
	Mode       string `json:"mode"` // "mux" or "per-url"
	Reason     string `json:"reason"`
	Protocol   string `json:"protocol,omitempty"`
	State      string `json:"state,omitempty"`
	Keys       int    `json:"keys"`
	Listeners  int    `json:"listeners"`
	Reconnects int    `json:"reconnects"`
	FramesIn   uint64 `json:"framesIn"`
	MessagesIn uint64 `json:"messagesIn"`
	BytesIn    uint64 `json:"bytesIn"`
}

// viewsJSON counts the live views of watchView (see liveViews.counts).
type viewsJSON struct {
	Groups   int `json:"groups"`
	Views    int `json:"views"`
	Watchers int `json:"watchers"`
}

type cacheJSON struct {
	Entries  int `json:"entries"`
	Watching int `json:"watching"`
	Lists    int `json:"lists"`
	Resyncs  int `json:"resyncs"`
	Views    int `json:"views"`
	Watchers int `json:"watchers"`
}

// stats() -> a plain object, built as one JSON string (one crossing).
func (b *Bridge) stats([]safejs.Value) any {
	var st statsJSON
	st.Sockets = []socketJSON{}
	for _, s := range b.deps.Registry.Stats() {
		typ := "json"
		if s.Key.Binary {
			typ = "binary"
		}
		st.Sockets = append(st.Sockets, socketJSON{
			Key:   keyJSON{Cluster: s.Key.Cluster, URL: s.Key.Path, Protocols: append([]string{}, s.Key.ProtocolList()...), Type: typ},
			State: s.State.String(), Listeners: s.Listeners, MessagesIn: s.MessagesIn, BytesIn: s.BytesIn,
			Reconnects: s.Reconnects, LastError: s.LastError,
		})
	}
	st.BrowserSockets = b.shim.Counts()
	st.Funcs = b.funcs.Live()
	if b.deps.Timers != nil {
		st.Timers = b.deps.Timers.Armed()
	}
	st.Streams = b.streams.count()
	st.Cache.Views, st.Cache.Watchers = b.lists.views.Counts()
	st.Views = b.views.live.counts()
	for _, t := range b.deps.Tracked {
		for _, s := range t.Sockets() {
			st.Sockets = append(st.Sockets, socketJSON{
				Key:   keyJSON{Cluster: s.Cluster, URL: s.Path, Protocols: []string{s.Protocol}, Type: s.Kind},
				State: "open", Listeners: 1, MessagesIn: s.MessagesIn, BytesIn: s.BytesIn,
			})
		}
	}
	st.Multiplexer.Mode, st.Multiplexer.Reason = b.deps.MuxMode, b.deps.MuxReason
	if m := b.deps.Mux; m != nil {
		ms := m.Stats()
		st.Multiplexer = muxJSON{Mode: b.deps.MuxMode, Reason: b.deps.MuxReason, Protocol: ms.Protocol, State: ms.State.String(), Keys: ms.Keys,
			Listeners: ms.Listeners, Reconnects: ms.Reconnects, FramesIn: ms.FramesIn, MessagesIn: ms.MessagesIn, BytesIn: ms.BytesIn}
		if per, why := b.deps.MuxChoice.PerURL(); per {
			st.Multiplexer.Mode, st.Multiplexer.Reason = "per-url", why
		}
		if ms.Keys > 0 { // the mux socket is one of the module's sockets
			st.Sockets = append(st.Sockets, socketJSON{
				Key:   keyJSON{URL: "wsMultiplexer", Protocols: []string{ms.Protocol}, Type: "mux"},
				State: ms.State.String(), Listeners: ms.Listeners, MessagesIn: ms.MessagesIn, BytesIn: ms.BytesIn, Reconnects: ms.Reconnects,
			})
		}
	}
	if b.deps.Cache != nil {
		cs := b.deps.Cache.Stats()
		st.Cache.Entries, st.Cache.Watching, st.Cache.Lists, st.Cache.Resyncs = cs.Entries, cs.Watching, cs.Lists, cs.Resyncs
	}
	st.Go = b.goMem.Read()
	return parseJSON(string(st.appendJSON(nil)))
}
