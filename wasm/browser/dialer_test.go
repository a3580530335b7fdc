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

	"github.com/hack-pad/safejs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/muxwire"
	"github.com/kubelive/kubelive/internal/transport"
)

// TestTextBurstsCrossIntoGo: Headlamp-framed text frames on a real browser
// WebSocket come out of one Recv per burst, in order, byte for byte (UTF-8
// of every width, escapes left for Go), and decode in Go as their text does;
// a burst after it, in the borrowed memory, keeps its order too. A JS string
// holding a lone surrogate (which no socket delivers, but a queue may hold)
// crosses as U+FFFD, never as invalid UTF-8.
func TestTextBurstsCrossIntoGo(t *testing.T) {
	addr := os.Getenv("WSTEST_ADDR")
	require.NotEmpty(t, addr, "WSTEST_ADDR is not set: run through scripts/go_js_wasm_exec")
	shim, err := NewShim()
	require.NoError(t, err)
	funcs := &Funcs{}
	d := &Dialer{Shim: shim, Funcs: funcs}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	path := "/text-bursts"
	c, err := d.Dial(ctx, "ws://"+addr+path, transport.DialOptions{Payload: transport.PayloadBytes, Borrow: true})
	require.NoError(t, err)
	defer func() {
		require.NoError(t, c.Close(transport.CloseNormal, ""))
		assert.Zero(t, funcs.Live(), "the wake-up func is released")
	}()

	big := strings.Repeat(`{\"k\":\"v é\"},`, 5000) // ~80 KB: past the shim's first buffer
	bursts := [][]string{{
		`{"clusterId":"c","path":"/p","query":"watch=1","userId":"u","data":"{\"type\":\"ADDED\",\"n\":\"\\u00e9 é ß ✓ 😀 \\ud83d\\ude00 \\\"q\\\" \\n\"}","type":"DATA"}`,
		`{"clusterId":"c","path":"/p","data":"[` + big + `0]","type":"DATA"}`,
		`{"clusterId":"c","path":"/p","data":"{\"unterminated`,
		`{"clusterId":"c","path":"/p","type":"COMPLETE"}`,
	}, {
		`{"clusterId":"c","path":"/p","data":"{\"type\":\"DELETED\"}","type":"DATA"}`,
		`{"clusterId":"c","path":"/q","data":"{\"type\":\"MODIFIED\"}","type":"DATA"}`,
	}, grown(), many()}
	// The third burst outgrows both arrays the socket made for the first
	// (its payloads and its frames' lengths), the fourth only the second:
	// Go must take the new ones.
	var dec muxwire.JSONDecoder
	for bi, lines := range bursts {
		got := sendBurst(ctx, t, c, addr, path, lines)
		dec.Reset()
		for i, line := range lines {
			require.Equal(t, line, string(got[i].Data), "burst %d frame %d crosses byte for byte", bi, i)
			assert.False(t, got[i].Binary)
			want, werr := muxwire.DecodeJSON([]byte(line), 0)
			m, err := dec.Decode(got[i].Data, 0)
			if werr != nil {
				require.EqualError(t, err, werr.Error(), "burst %d frame %d", bi, i)
				continue
			}
			require.NoError(t, err, "burst %d frame %d", bi, i)
			assert.Equal(t, want, m, "burst %d frame %d", bi, i)
		}
	}

	// A lone surrogate, made in JS (a Go string cannot hold one).
	lone, err := safejs.Global().Get("String")
	require.NoError(t, err)
	str, err := lone.Call("fromCharCode", 'a', 0xD800, 'b', 0xDC00)
	require.NoError(t, err)
	q, err := c.(*conn).s.Get("q")
	require.NoError(t, err)
	_, err = q.Call("push", str)
	require.NoError(t, err)
	got, err := c.Recv(ctx)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "a\uFFFDb\uFFFD", string(got[0].Data))
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
	path := fmt.Sprintf("/bursts-%v", borrow)
	ctx, c, addr := dialBursts(t, path, borrow)

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

// TestBigBurstArraysAreLetGo: a burst of more than 8 MB arrives whole, and
// then neither the shim nor Go keeps the arrays it needed; the next burst
// gets arrays of its own.
func TestBigBurstArraysAreLetGo(t *testing.T) {
	path := "/big-burst"
	ctx, c, addr := dialBursts(t, path, true)
	big := []string{strings.Repeat("a", 3<<20), strings.Repeat("b", 3<<20), strings.Repeat("c", 3<<20)}
	got := sendBurst(ctx, t, c, addr, path, big)
	for i, f := range got {
		require.Equal(t, len(big[i]), len(f.Data), "frame %d", i)
		require.Equal(t, big[i][:1], string(f.Data[:1]), "frame %d", i)
	}
	assert.False(t, c.(*conn).held, "Go lets go of the big burst's arrays")
	rec := c.(*conn).s
	require.Eventually(t, func() bool {
		v, err := rec.Get("data")
		return err == nil && v.IsNull()
	}, 5*time.Second, 5*time.Millisecond, "the shim lets go of them on its next task")
	small := []string{`{"type":"ADDED"}`, `{"type":"DELETED"}`}
	for i, f := range sendBurst(ctx, t, c, addr, path, small) {
		assert.Equal(t, small[i], string(f.Data), "frame %d after the big burst", i)
	}
	assert.True(t, c.(*conn).held, "a small burst's arrays are kept")
}

// dialBursts dials the test server's path for bytes (borrowed or kept)
// and returns a context with a deadline, the conn and the server's
// address; the test's cleanup closes the conn.
func dialBursts(t *testing.T, path string, borrow bool) (context.Context, transport.Conn, string) {
	t.Helper()
	addr := os.Getenv("WSTEST_ADDR")
	require.NotEmpty(t, addr, "WSTEST_ADDR is not set: run through scripts/go_js_wasm_exec")
	shim, err := NewShim()
	require.NoError(t, err)
	d := &Dialer{Shim: shim, Funcs: &Funcs{}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	c, err := d.Dial(ctx, "ws://"+addr+path, transport.DialOptions{Payload: transport.PayloadBytes, Borrow: borrow})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c.Close(transport.CloseNormal, "")) })
	return ctx, c, addr
}

// grown is a burst bigger than the first burst of TestTextBurstsCrossIntoGo
// in bytes (a ~400 KB frame) and in frames (80).
func grown() []string {
	lines := []string{`{"clusterId":"c","path":"/p","data":"[` + strings.Repeat(`{\"k\":\"w ✓\"},`, 30000) + `0]","type":"DATA"}`}
	for i := range 79 {
		lines = append(lines, fmt.Sprintf(`{"clusterId":"c","path":"/p","data":"{\"n\":%d}","type":"DATA"}`, i))
	}
	return lines
}

// many is a burst of 200 small frames: more frames than grown, fewer bytes.
func many() []string {
	lines := make([]string, 200)
	for i := range lines {
		lines[i] = fmt.Sprintf(`{"clusterId":"c","path":"/q","data":"{\"m\":%d}","type":"DATA"}`, i)
	}
	return lines
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
