//go:build js && wasm

package bridge

import (
	"runtime"
	"testing"
	"time"

	"github.com/hack-pad/safejs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cyclesJS makes watch/unwatch and stream/cancel cycles from one JS task, as
// a page that mounts and unmounts components would.
const cyclesJS = `return function (api, lists, streams, path) {
  const out = { done: false };
  setTimeout(() => {
    const t0 = performance.now();
    const queries = ['a', 'b', 'c'].map((ns) => ({ lists: [{ cluster: 'demo', namespace: 'leak-' + ns }], endpoint: { version: 'v1', resource: 'configmaps' } }));
    for (let i = 0; i < lists; i++) {
      const id = api.watchList(queries[i % 3], () => {});
      api.unwatch(id);
      api.unwatch(id);
    }
    for (let i = 0; i < streams; i++) {
      const id = api.stream(path, () => {}, { cluster: 'demo' });
      api.cancel(id);
      api.cancel(id);
    }
    out.ms = performance.now() - t0;
    out.done = true;
  }, 0);
  return out;
};`

// heapAfterGC returns the live heap after a GC and the memory the runtime
// holds from the wasm linear memory (which never shrinks).
func heapAfterGC() (heap, sys uint64) {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc, m.Sys
}

// 10,000 subscribe/cleanup cycles over lists and streams leave 0 sockets,
// 0 streams, 0 watches, 0 timers but the cache's one gcTime sweep (the cache keeps
// unwatched lists for gcTime), the js.Func count where it started, and a heap
// that did not grow.
func TestTenThousandCyclesOverListsAndStreamsLeaveNothing(t *testing.T) {
	l := newListHarness(t, "off")
	for _, ns := range []string{"leak-a", "leak-b", "leak-c"} {
		l.k.namespace(ns)
	}
	funcs := l.b.Funcs()
	ctor, _ := safejs.Global().Get("Function")
	f, err := ctor.New(cyclesJS)
	require.NoError(t, err)
	run, err := f.Invoke()
	require.NoError(t, err)
	settle := func() {
		l.waitForWithin(30*time.Second, "every watch, stream and socket gone", func() bool {
			st := l.stats()
			return st.BrowserSockets.Live == 0 && st.Streams == 0 && st.Cache.Watching == 0 && st.Cache.Watchers == 0 && len(st.Sockets) == 0
		})
	}
	cycle := func(lists, streams int) float64 {
		out, err := run.Invoke(l.api, lists, streams, uniquePath(t))
		require.NoError(t, err)
		l.waitForWithin(2*time.Minute, "the cycles", func() bool { d, _ := out.Get("done"); b, _ := d.Truthy(); return b })
		settle()
		ms, _ := out.Get("ms")
		v, _ := ms.Float()
		return v
	}
	cycle(500, 100) // warm up caches and pools
	before, sysBefore := heapAfterGC()
	ms := cycle(7500, 2500)
	after, sysAfter := heapAfterGC()
	// A first snapshot scheduled for the next frame holds its callback until the frame runs:
	// wait for the frames, then every js.Func must be back (a leak never comes back).
	l.waitForWithin(10*time.Second, "every js.Func released", func() bool { return l.b.Funcs() == funcs })
	assert.Equal(t, funcs, l.b.Funcs(), "every js.Func released")
	st := l.stats()
	sweep := 0
	if st.Cache.Entries > 0 {
		sweep = 1
	}
	assert.Equal(t, sweep, st.Timers, "no timer left but the gcTime sweep")
	t.Logf("10,000 cycles (7,500 lists, 2,500 streams) in %.0f ms; heap after GC %d -> %d bytes; memory from wasm %d -> %d bytes; browser sockets created %d, live %d; streams %d; timers %d; cache entries kept for gcTime %d",
		ms, before, after, sysBefore, sysAfter, st.BrowserSockets.Created, st.BrowserSockets.Live, st.Streams, st.Timers, st.Cache.Entries)
	assert.Less(t, int64(after)-int64(before), int64(4<<20), "the heap did not grow with the cycles")
	assert.Less(t, int64(sysAfter)-int64(sysBefore), int64(8<<20), "the wasm memory did not grow with the cycles")
}
