package mux

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/muxwire"
	"github.com/kubelive/kubelive/internal/transport"
)

// splitFrame splits a JSON frame as the browser's shim does for
// transport.PayloadSplitData: the object without its "data" string,
// re-encoded, and that string. ok is false for a frame the shim leaves whole.
func splitFrame(t *testing.T, frame []byte) (f transport.Frame, ok bool) {
	t.Helper()
	var o map[string]json.RawMessage
	if json.Unmarshal(frame, &o) != nil || o == nil {
		return transport.Frame{}, false
	}
	var data string
	if json.Unmarshal(o["data"], &data) != nil || len(o["data"]) == 0 || o["data"][0] != '"' {
		return transport.Frame{}, false
	}
	delete(o, "data")
	env, err := json.Marshal(o)
	require.NoError(t, err)
	return transport.Frame{Size: len(env) + len(data), Envelope: env, Data: []byte(data)}, true
}

// TestJSONBatchWithABadFrame: one burst of JSON frames, some split by the
// browser and some whole, with a malformed frame in the middle. Every other
// frame is delivered, in order; the bad one is reported once, by size.
func TestJSONBatchWithABadFrame(t *testing.T) {
	t.Parallel()
	for _, split := range []bool{false, true} {
		t.Run(fmt.Sprintf("split=%v", split), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, nil)
			a, b := &recorder{}, &recorder{}
			h.subscribe("c1", "/api/v1/namespaces/a/pods", "watch=1", a)
			h.subscribe("c1", "/api/v1/namespaces/b/pods", "watch=1", b)
			conn := h.accept(muxwire.HeadlampProtocol)
			ms := sent(t, conn, 2)
			reqA, reqB := ms[0], ms[1]
			if reqA.Path != "/api/v1/namespaces/a/pods" {
				reqA, reqB = reqB, reqA
			}
			// Events with quotes, escapes and non-ASCII text, so that the
			// data strings hold escapes to undo.
			ev := func(i int) string {
				return fmt.Sprintf(`{"type":"MODIFIED","object":{"metadata":{"name":"p%d","annotations":{"n":"line\nbreak \"q\" </> & é 😀"}}}}`, i)
			}
			var frames []transport.Frame
			var wantA, wantB []string
			const bad = `{"clusterId":"c1","path":"/api/v1/namespaces/a/pods","data":"unterminated`
			for i := range 8 {
				if i == 4 {
					frames = append(frames, transport.Frame{Size: len(bad), Data: []byte(bad)})
				}
				req, want := reqA, &wantA
				if i%3 == 2 {
					req, want = reqB, &wantB
				}
				e, err := muxwire.EncodeJSON(reply(req, muxwire.KindData, ev(i)))
				require.NoError(t, err)
				f := transport.Frame{Size: len(e), Data: e}
				if split && i%2 == 0 { // a burst holds both forms
					var ok bool
					f, ok = splitFrame(t, e)
					require.True(t, ok)
				}
				frames = append(frames, f)
				*want = append(*want, "data "+ev(i))
			}
			conn.Push(frames...) // one burst: one Recv
			assert.Equal(t, wantA, a.waitLen(t, "data", len(wantA)), "every frame of the burst, in order")
			assert.Equal(t, wantB, b.waitLen(t, "data", len(wantB)))
			errs := h.errs.waitLen(t, "error", 1)
			require.Len(t, errs, 1, "the bad frame is reported once: %q", errs)
			assert.Equal(t, fmt.Sprintf("error mux: malformed frame: JSON frame of %d bytes is not a message object", len(bad)), errs[0])
			assert.Empty(t, a.with("fail"))
			assert.Equal(t, uint64(9), h.c.Stats().FramesIn)
			assert.Equal(t, uint64(8), h.c.Stats().MessagesIn)
		})
	}
}

// splitSeeds are frames whose split and whole forms must decode alike.
var splitSeeds = []string{
	`{"clusterId":"c","path":"/p","query":"watch=1","userId":"u","data":"{\"a\":\"\\u00e9\\ud83d\\ude00\"}","type":"DATA"}`,
	`{"clusterId":"c","path":"/p","data":"aGVsbG8=","binary":true,"type":"DATA"}`,
	`{"clusterId":"c","path":"/p","data":"not base64!","binary":true,"type":"DATA"}`,
	`{"clusterId":"c","path":"/p","data":"{\"error\":\"forbidden\"}","type":"ERROR"}`,
	`{"clusterId":"c","path":"/p","data":"plain words","type":"ERROR"}`,
	`{"clusterId":"c","path":"/p","query":"","userId":"","data":"{\"state\":\"closed\",\"error\":\"\"}","type":"STATUS","kubeliveQuery":"watch=1","kubeliveUserId":"u"}`,
	`{"clusterId":"c","path":"/p","data":"{}","type":"STATUS"}`,
	`{"clusterId":"c","path":"/p","data":"x","type":"NOPE"}`,
	`{"clusterId":"","path":"/p","data":"x","type":"DATA"}`,
	`{"clusterId":"c","path":5,"data":"x","type":"DATA"}`,
	`{"clusterId":"c","path":"/p","data":"","type":"DATA"}`,
	// duplicates: the last occurrence counts
	`{"clusterId":"c","path":7,"path":"/p","data":"x","type":"DATA"}`,
	`{"clusterId":"c","path":"/p","path":7,"data":"x","type":"DATA"}`,
	`{"clusterId":"c","path":"/p","data":"x","data":"y","type":"DATA"}`,
	`{"clusterId":"c","path":"/p","data":{},"data":"y","type":"DATA"}`,
	`{"clusterId":"c","path":"/p","query":"q","query":null,"data":"x","type":"DATA"}`,
	`{"clusterId":"c","path":"/p","binary":"yes","data":"x","type":"DATA"}`,
	`{"clusterId":"c","path":"/p","extra":[1,{"deep":[true,null]}],"data":"x","type":"DATA"}`,
}

// sameAsWhole checks that the split form of frame decodes as the frame
// does: one message, or errors of one kind. It reports false for a frame
// the browser would leave whole.
func sameAsWhole(t *testing.T, frame []byte) bool {
	t.Helper()
	f, ok := splitFrame(t, frame)
	if !ok {
		return false
	}
	whole, werr := muxwire.DecodeJSON(frame, 0)
	got, serr := muxwire.DecodeJSONSplit(f.Envelope, f.Data, 0)
	if werr != nil {
		require.Error(t, serr, "%s: whole: %v", frame, werr)
		require.ErrorIs(t, serr, errorKind(werr), "%s", frame)
		return true
	}
	require.NoError(t, serr, "%s", frame)
	require.Equal(t, whole, got, "%s", frame)
	return true
}

// TestSplitFrameDecodesAsTheWholeFrame: a frame split by the browser and the
// same frame whole give one message, or both an error.
func TestSplitFrameDecodesAsTheWholeFrame(t *testing.T) {
	t.Parallel()
	for _, frame := range splitSeeds {
		assert.True(t, sameAsWhole(t, []byte(frame)), "the browser splits %s", frame)
	}
}

func FuzzSplitFrameDecodesAsTheWholeFrame(f *testing.F) {
	for _, s := range splitSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		if !utf8.Valid(frame) {
			return // a browser never hands over a text frame that is not UTF-8
		}
		sameAsWhole(t, frame)
	})
}

// errorKind returns the sentinel werr wraps.
func errorKind(werr error) error {
	for _, k := range []error{muxwire.ErrBadFrame, muxwire.ErrFrameTooLarge, muxwire.ErrUnsupportedType} {
		if errors.Is(werr, k) {
			return k
		}
	}
	return werr
}
