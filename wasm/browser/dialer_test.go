//go:build js && wasm

package browser

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/muxwire"
	"github.com/kubelive/kubelive/internal/transport"
)

// TestSplitDataBurst: a burst of Headlamp-framed text frames on a real
// browser WebSocket, a malformed one and non-message ones among them, comes
// out of one Recv in order; every frame whose data is a string arrives split
// (by the browser's JSON.parse) and decodes as the whole frame does; the
// others arrive whole, byte for byte.
func TestSplitDataBurst(t *testing.T) {
	addr := os.Getenv("WSTEST_ADDR")
	require.NotEmpty(t, addr, "WSTEST_ADDR is not set: run through scripts/go_js_wasm_exec")
	shim, err := NewShim()
	require.NoError(t, err)
	funcs := &Funcs{}
	d := &Dialer{Shim: shim, Funcs: funcs}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	path := "/split-burst"
	c, err := d.Dial(ctx, "ws://"+addr+path, transport.DialOptions{Payload: transport.PayloadSplitData})
	require.NoError(t, err)
	defer func() {
		require.NoError(t, c.Close(transport.CloseNormal, ""))
		assert.Zero(t, funcs.Live(), "the wake-up func is released")
	}()

	frames := []struct {
		text  string
		split bool
	}{
		{`{"clusterId":"c","path":"/p","query":"watch=1","userId":"u","data":"{\"type\":\"ADDED\",\"n\":\"\\u00e9 é \\ud83d\\ude00 \\\"q\\\" \\n\"}","type":"DATA"}`, true},
		{`{"clusterId":"c","path":"/p","data":"lone \ud800 surrogate","type":"DATA"}`, true},
		{`{"clusterId":"c","path":"/p","data":"{\"unterminated`, false},
		{`{"clusterId":"c","path":"/p","data":null,"type":"DATA"}`, false},
		{`["not","an","object"]`, false},
		{`{"clusterId":"c","path":7,"path":"/p","data":"x","data":"y","type":"DATA"}`, true},
		{`{"clusterId":"c","path":"/p","data":"{\"state\":\"connected\"}","type":"STATUS","kubeliveQuery":"watch=1"}`, true},
		{`{"clusterId":"c","path":"/p","data":"{\"type\":\"DELETED\"}","type":"DATA"}`, true},
	}
	lines := make([]string, len(frames))
	for i, f := range frames {
		lines[i] = f.text
	}
	got := sendBurst(ctx, t, c, addr, path, lines)
	for i, f := range frames {
		g := got[i]
		whole, werr := muxwire.DecodeJSON([]byte(f.text), 0)
		if !f.split {
			assert.Nil(t, g.Envelope, "frame %d stays whole", i)
			assert.Equal(t, f.text, string(g.Data), "frame %d is delivered byte for byte", i)
			continue
		}
		require.NotNil(t, g.Envelope, "frame %d is split", i)
		assert.NotContains(t, string(g.Envelope), `"data"`, "frame %d", i)
		assert.Equal(t, len(g.Envelope)+len(g.Data), g.Size, "frame %d", i)
		m, serr := muxwire.DecodeJSONSplit(g.Envelope, g.Data, 0)
		if werr != nil {
			assert.ErrorIs(t, serr, muxwire.ErrBadFrame, "frame %d fails as the whole frame does (%v)", i, werr)
			continue
		}
		require.NoError(t, serr, "frame %d", i)
		assert.Equal(t, whole, m, "frame %d decodes as the whole frame does", i)
	}
	m, err := muxwire.DecodeJSONSplit(got[0].Envelope, got[0].Data, 0)
	require.NoError(t, err)
	assert.Equal(t, "{\"type\":\"ADDED\",\"n\":\"\\u00e9 é \\ud83d\\ude00 \\\"q\\\" \\n\"}", string(m.Data))
}

// TestBurstFramesKeepTheirBytes: frames a consumer keeps from one burst are
// unchanged by the bursts after it, and the frames of one burst share no
// memory; with Borrow, each burst arrives whole and intact in the memory of
// the one before (which the consumer no longer holds).
func TestBurstFramesKeepTheirBytes(t *testing.T) {
	t.Run("kept", func(t *testing.T) { testBursts(t, false) })
	t.Run("borrowed", func(t *testing.T) { testBursts(t, true) })
}

func testBursts(t *testing.T, borrow bool) {
	addr := os.Getenv("WSTEST_ADDR")
	require.NotEmpty(t, addr, "WSTEST_ADDR is not set: run through scripts/go_js_wasm_exec")
	shim, err := NewShim()
	require.NoError(t, err)
	d := &Dialer{Shim: shim, Funcs: &Funcs{}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	path := fmt.Sprintf("/bursts-%v", borrow)
	c, err := d.Dial(ctx, "ws://"+addr+path, transport.DialOptions{Payload: transport.PayloadBytes, Borrow: borrow})
	require.NoError(t, err)
	defer func() { require.NoError(t, c.Close(transport.CloseNormal, "")) }()

	burst := func(lines ...string) []transport.Frame { return sendBurst(ctx, t, c, addr, path, lines) }
	first := []string{`{"type":"ADDED","object":{"n":"aaaa"}}`, `{"type":"ADDED","object":{"n":"bbbb"}}`, `{"type":"ADDED","object":{"n":"cccc"}}`}
	kept := burst(first...)
	if borrow {
		later := []string{`{"type":"MODIFIED","object":{"x":"1"}}`, `{"type":"DELETED","object":{"y":"22"}}`}
		got := burst(later...)
		for j, f := range got {
			assert.Equal(t, later[j], string(f.Data), "frame %d of a borrowed burst", j)
		}
		assert.Same(t, &kept[0].Data[0], &got[0].Data[0], "the next burst reuses the memory")
		return
	}
	for i := range 3 { // later bursts of the same sizes, which a reused buffer would take the place of
		burst(`{"type":"MODIFIED","object":{"x":"1"}}`, `{"type":"MODIFIED","object":{"x":"2"}}`, `{"type":"MODIFIED","object":{"x":"3"}}`)
		for j, f := range kept {
			require.Equal(t, first[j], string(f.Data), "frame %d of the first burst after %d more", j, i+1)
		}
	}
	// no two frames share memory: filling one to its capacity leaves the others as they were
	f0 := kept[0].Data[:cap(kept[0].Data)]
	for i := range f0 {
		f0[i] = 'X'
	}
	assert.Equal(t, first[1], string(kept[1].Data))
	assert.Equal(t, first[2], string(kept[2].Data))
}

// sendBurst has the test server send lines as text frames on the socket of
// path, one burst, waits (with a deadline) until the whole burst is queued
// in JS, and returns the frames of the one Recv that takes it.
func sendBurst(ctx context.Context, t *testing.T, c transport.Conn, addr, path string, lines []string) []transport.Frame {
	t.Helper()
	resp, err := http.Post("http://"+addr+"/ctl/send?path="+path, "text/plain", strings.NewReader(strings.Join(lines, "\n")+"\n"))
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	rec := c.(*conn).s
	require.Eventually(t, func() bool {
		q, err := rec.Get("q")
		if err != nil {
			return false
		}
		n, _ := q.Length()
		return n == len(lines)
	}, 10*time.Second, 5*time.Millisecond, "the burst never arrived")
	got, err := c.Recv(ctx)
	require.NoError(t, err)
	require.Len(t, got, len(lines), "one Recv, every frame")
	return got
}
