package stream

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/clock"
	"github.com/kubelive/kubelive/internal/conntest"
	"github.com/kubelive/kubelive/internal/transport"
)

type linesEvent struct {
	lines   []Line
	dropped int
}

// followHarness is a LogFollower over a fake Dialer whose onLines feeds a channel.
type followHarness struct {
	f      *LogFollower
	d      *conntest.Dialer
	clk    *clock.Fake
	events chan linesEvent
	errs   chan error
}

func newFollowHarness(t *testing.T, o LogOptions, maxLines int) *followHarness {
	t.Helper()
	return newFollowHarnessWith(t, o, maxLines, false)
}

func newFollowHarnessWith(t *testing.T, o LogOptions, maxLines int, unbuffered bool) *followHarness {
	t.Helper()
	h := &followHarness{d: conntest.NewDialer(), clk: clock.NewFake(), events: make(chan linesEvent, 1024), errs: make(chan error, 64)}
	h.f = FollowLogs(h.d, h.clk, o, FollowOptions{
		Base: "/clusters/demo", Protocols: []string{"auth"}, MaxLines: maxLines, Unbuffered: unbuffered,
		OnError: func(err error) { h.errs <- err },
		Rand:    func() float64 { return 0.5 },
	}, func(lines []Line, dropped int) { h.events <- linesEvent{lines, dropped} })
	t.Cleanup(h.f.Cancel)
	return h
}

// take collects delivered lines until n arrived.
func (h *followHarness) take(t *testing.T, n int) []Line {
	t.Helper()
	var got []Line
	for len(got) < n {
		got = append(got, recv(t, h.events, fmt.Sprintf("line %d of %d", len(got)+1, n)).lines...)
	}
	return got
}

// reconnect fires the backoff timer after a drop and returns the next dial.
func (h *followHarness) reconnect(t *testing.T) *conntest.Attempt {
	t.Helper()
	h.clk.Advance(armed(t, h.clk))
	return nextAttempt(t, h.d)
}

// pushChunked sends raw log bytes in frames of size chunk (0: one frame).
func pushChunked(c *conntest.Conn, raw []byte, chunk int, binary bool) {
	if chunk <= 0 {
		chunk = len(raw)
	}
	for len(raw) > 0 {
		n := min(chunk, len(raw))
		c.Push(logFrame(raw[:n], binary))
		raw = raw[n:]
	}
}

func TestLogFollowerResumesWithoutDuplicates(t *testing.T) {
	t.Parallel()
	const (
		t1 = "2026-01-01T00:00:01.100Z"
		t2 = "2026-01-01T00:00:01.200Z"
		t3 = "2026-01-01T00:00:02Z"
		t4 = "2026-01-01T00:00:03Z"
	)
	first := t1 + " a\n" + t2 + " b1 é\n" + t2 + " b2\n" + t3 + " partial-"
	// The server truncates sinceTime to seconds: it resends from 00:00:01.
	resent := t1 + " a\n" + t2 + " b1 é\n" + t2 + " b2\n" + t2 + " b3\n" + t3 + " partial-then-whole ✓\n" + t4 + " d\n"
	want := []Line{
		{ts(t1), "a"}, {ts(t2), "b1 é"}, {ts(t2), "b2"},
		{ts(t2), "b3"}, {ts(t3), "partial-then-whole ✓"}, {ts(t4), "d"},
	}
	cases := []struct {
		name   string
		binary bool
		chunk  int
	}{
		{name: "base64 one frame", chunk: 0},
		{name: "base64 byte by byte", chunk: 1},
		{name: "base64 7-byte frames", chunk: 7},
		{name: "binary one frame", binary: true},
		{name: "binary byte by byte", binary: true, chunk: 1},
		{name: "binary 5-byte frames", binary: true, chunk: 5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newFollowHarness(t, LogOptions{Pod: Pod{Namespace: "ns", Name: "web", Container: "app"}, TailLines: ptr(100)}, 0)
			a := nextAttempt(t, h.d)
			assert.Equal(t, []string{ProtocolBase64Binary, "auth"}, a.Opts.Protocols)
			assert.Equal(t, "/clusters/demo/api/v1/namespaces/ns/pods/web/log?container=app&follow=true&tailLines=100&timestamps=true", a.URL)
			c := a.Accept(ProtocolBase64Binary)
			pushChunked(c, []byte(first), tc.chunk, tc.binary)
			assert.Equal(t, want[:3], h.take(t, 3))
			c.Drop(transport.CloseAbnormal, "network")

			a = h.reconnect(t)
			q := queryOf(t, a.URL)
			assert.Equal(t, ts(t2), ts(q.Get("sinceTime")), "resume from the last delivered timestamp")
			assert.False(t, q.Has("tailLines"), "no tailLines on a resume")
			c = a.Accept(ProtocolBase64Binary)
			pushChunked(c, []byte(resent), tc.chunk, tc.binary)
			assert.Equal(t, want[3:], h.take(t, 3))
			assert.Equal(t, want, h.f.Lines())
			c.Drop(transport.CloseNormal, "watch ended")

			q = queryOf(t, h.reconnect(t).URL)
			assert.Equal(t, ts(t4), ts(q.Get("sinceTime")))
			assert.Empty(t, h.events, "nothing delivered twice")
		})
	}
}

func queryOf(t *testing.T, raw string) url.Values {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	return u.Query()
}

// fakeKubelet serves a fixed log as the API server does: from sinceTime
// truncated to whole seconds, or the last tailLines lines.
type fakeKubelet struct{ log []Line }

func (k fakeKubelet) serve(t *testing.T, rawURL string) []byte {
	q := queryOf(t, rawURL)
	from := 0
	if s := q.Get("sinceTime"); s != "" {
		since := ts(s).Truncate(time.Second)
		for from < len(k.log) && k.log[from].Time.Before(since) {
			from++
		}
	} else if s := q.Get("tailLines"); s != "" {
		n, err := strconv.Atoi(s)
		require.NoError(t, err)
		from = max(0, len(k.log)-n)
	}
	var out []byte
	for _, l := range k.log[from:] {
		out = append(out, l.Time.Format(time.RFC3339Nano)+" "+l.Text+"\n"...)
	}
	return out
}

// TestLogFollowerSurvivesRandomDrops drops the socket at random byte
// positions (mid-line and mid-character) five times; the lines seen must
// equal the server's log exactly.
func TestLogFollowerSurvivesRandomDrops(t *testing.T) {
	t.Parallel()
	for seed := range uint64(8) {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			t.Parallel()
			rnd := rand.New(rand.NewPCG(seed, 42))
			var k fakeKubelet
			at := ts("2026-01-01T00:00:00Z")
			for i := range 200 {
				if rnd.IntN(3) == 0 { // a third of the lines share the previous timestamp
					at = at.Add(time.Duration(rnd.IntN(900)) * time.Millisecond)
				}
				k.log = append(k.log, Line{Time: at, Text: fmt.Sprintf("line %d ✓ ü", i)})
			}
			h := newFollowHarness(t, LogOptions{Pod: Pod{Namespace: "ns", Name: "p"}}, 0)
			a := nextAttempt(t, h.d)
			for drop := range 6 {
				c := a.Accept(ProtocolBase64Binary)
				raw := k.serve(t, a.URL)
				cut := len(raw)
				if drop < 5 {
					cut = rnd.IntN(len(raw) + 1)
				}
				pushChunked(c, raw[:cut], 1+rnd.IntN(40), rnd.IntN(2) == 0)
				if drop < 5 {
					c.Drop(transport.CloseAbnormal, "dropped by test")
					a = h.reconnect(t)
				}
			}
			require.Eventually(t, func() bool { return len(h.f.Lines()) >= len(k.log) }, patience, 100_000)
			assert.Equal(t, k.log, h.f.Lines())
		})
	}
}

// The bound gives onLines the same lines and dropped counts whether the
// follower keeps the lines or (Unbuffered) leaves that to its caller.
func TestLogFollowerBoundedBuffer(t *testing.T) {
	t.Parallel()
	for _, unbuffered := range []bool{false, true} {
		t.Run(fmt.Sprintf("unbuffered=%v", unbuffered), func(t *testing.T) {
			t.Parallel()
			h := newFollowHarnessWith(t, LogOptions{Pod: Pod{Namespace: "ns", Name: "p"}}, 2, unbuffered)
			c := nextAttempt(t, h.d).Accept(ProtocolBase64Binary)
			c.Push(logFrame([]byte("2026-01-01T00:00:01Z a\n2026-01-01T00:00:02Z b\n2026-01-01T00:00:03Z c\n"), false))
			ev := recv(t, h.events, "lines")
			assert.Equal(t, []Line{{ts("2026-01-01T00:00:02Z"), "b"}, {ts("2026-01-01T00:00:03Z"), "c"}}, ev.lines)
			assert.Equal(t, 1, ev.dropped)
			c.Push(logFrame([]byte("2026-01-01T00:00:04Z d\n"), true))
			ev = recv(t, h.events, "lines")
			assert.Equal(t, []Line{{ts("2026-01-01T00:00:04Z"), "d"}}, ev.lines)
			assert.Equal(t, 2, ev.dropped)
			assert.Equal(t, 2, h.f.Dropped())
			if unbuffered {
				assert.Empty(t, h.f.Lines(), "an unbuffered follower keeps no line")
			} else {
				assert.Equal(t, []Line{{ts("2026-01-01T00:00:03Z"), "c"}, {ts("2026-01-01T00:00:04Z"), "d"}}, h.f.Lines())
			}
		})
	}
}

func TestLogFollowerBadFrameReportedAndSkipped(t *testing.T) {
	t.Parallel()
	h := newFollowHarness(t, LogOptions{Pod: Pod{Namespace: "ns", Name: "p"}}, 0)
	c := nextAttempt(t, h.d).Accept(ProtocolBase64Binary)
	c.Push(transport.Frame{Data: []byte("%%%")}, logFrame([]byte("2026-01-01T00:00:01Z ok\n"), false))
	assert.ErrorContains(t, recv(t, h.errs, "error"), "log ns/p")
	assert.Equal(t, []Line{{ts("2026-01-01T00:00:01Z"), "ok"}}, recv(t, h.events, "lines").lines)
}

func TestLogFollowerRefusedEnds(t *testing.T) {
	t.Parallel()
	h := newFollowHarness(t, LogOptions{Pod: Pod{Namespace: "ns", Name: "gone"}}, 0)
	nextAttempt(t, h.d).Fail(&transport.HandshakeError{Status: 404, Err: fmt.Errorf("pod not found")})
	assert.ErrorIs(t, recv(t, h.errs, "error"), ErrRefused)
	waitDone(t, h.f.Stream())
	assert.Equal(t, StateFailed, h.f.Stream().State())
	assert.Zero(t, h.clk.Pending())
}
