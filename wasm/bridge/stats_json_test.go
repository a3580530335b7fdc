//go:build js && wasm

package bridge

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/cache"
	"github.com/kubelive/kubelive/internal/gomem"
	"github.com/kubelive/kubelive/wasm/browser"

	liveview "github.com/kubelive/kubelive/internal/view"
)

// TestStatsJSONMatchesMarshal: stats() is the JSON json.Marshal wrote for
// the same structs (omitempty members left out when empty).
func TestStatsJSONMatchesMarshal(t *testing.T) {
	t.Parallel()
	full := statsJSON{
		Sockets: []socketJSON{
			{Key: keyJSON{Cluster: "c<1>", URL: "/api/v1/pods?watch=1&x", Protocols: []string{"v4.channel.k8s.io", "b"}, Type: "json"},
				State: "open", Listeners: 2, MessagesIn: 1 << 40, BytesIn: 7, Reconnects: 3, LastError: "boom \u2028"},
			{Key: keyJSON{Protocols: []string{}}},
			{},
		},
		BrowserSockets: browser.SocketCounts{Created: 4, Live: 1, Wakes: 9},
		Funcs:          12, Timers: 3, Streams: 1,
		Cache:       cacheJSON{Entries: 1, Watching: 2, Lists: 3, Resyncs: 4, Views: 5, Watchers: 6},
		Views:       viewsJSON{Groups: 1, Views: 2, Watchers: 3},
		Multiplexer: muxJSON{Mode: "mux", Reason: "advertised", Protocol: "kubelive.mux.v1.msgpack", State: "open", Keys: 2, Listeners: 3, Reconnects: 1, FramesIn: 5, MessagesIn: 6, BytesIn: 7},
		Go:          gomem.Stats{GCCycles: 3, GCCPUms: 12.345678, AllocBytes: 1 << 33, AllocObjects: 5, HeapLive: 6, HeapGoal: 7, Mapped: 8},
	}
	for _, st := range []statsJSON{full, {}, {Sockets: []socketJSON{}, Go: gomem.Stats{GCCPUms: 1e-7}}} {
		want, err := json.Marshal(&st)
		require.NoError(t, err)
		require.Equal(t, string(want), string(st.appendJSON(nil)))
	}
}

// TestViewKeyMatchesMarshal: a view's key is the JSON array json.Marshal
// wrote: [list key, SpecKey, window].
func TestViewKeyMatchesMarshal(t *testing.T) {
	t.Parallel()
	s := liveview.Spec{Where: liveview.Where{Text: "<x>"}, Window: liveview.Window{Offset: 5, Limit: 50}}
	lk := cache.Key(`{"Endpoint":"<&>"}`)
	want, err := json.Marshal([]any{string(lk), json.RawMessage(liveview.SpecKey(s)), s.Window})
	require.NoError(t, err)
	require.Equal(t, string(want), viewKey(lk, s))
}
