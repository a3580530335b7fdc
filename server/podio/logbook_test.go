package podio

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func texts(lines []Line) []string {
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		out = append(out, l.Text)
	}
	return out
}

func TestLogBookRingAndCursor(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	b := NewLogBook(clock, 3)
	cur := b.Cursor(webApp)
	lines, wake, ended := cur.Next()
	assert.Empty(t, lines)
	assert.False(t, ended)

	b.Append(webApp, "a\nb\n")
	select {
	case <-wake:
	default:
		t.Fatal("Append must wake followers")
	}
	b.Append(webApp, "c")
	b.Append(webApp, "d\r\ne")
	assert.Equal(t, []string{"c", "d", "e"}, texts(b.Lines(webApp)), "keeps the newest 3, CRLF split")
	lines, _, _ = cur.Next()
	assert.Equal(t, []string{"c", "d", "e"}, texts(lines), "a slow cursor skips dropped lines")
	lines, _, _ = cur.Next()
	assert.Empty(t, lines)

	b.Forget(webApp)
	_, _, ended = cur.Next()
	assert.True(t, ended, "Forget ends followers")
	assert.Empty(t, b.Lines(webApp))
	b.Append(webApp, "new life")
	assert.Equal(t, []string{"new life"}, texts(b.Lines(webApp)))
}

func TestLogBookTimestampsNeverGoBack(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	b := NewLogBook(clock, 0)
	b.Append(webApp, "first")
	clock.Advance(-time.Minute)
	b.Append(webApp, "second")
	lines := b.Lines(webApp)
	require.Len(t, lines, 2)
	assert.Equal(t, lines[0].Time, lines[1].Time)
	assert.Equal(t, "2026-01-01T00:00:00.123456789Z first\n", lines[0].Format(true))
	assert.Equal(t, "first\n", lines[0].Format(false))
}

func TestLogBookEndAndReopen(t *testing.T) {
	t.Parallel()
	b := NewLogBook(newFakeClock(), 0)
	cur := b.Cursor(webApp)
	b.Append(webApp, "x")
	b.End(webApp)
	lines, _, ended := cur.Next()
	assert.Equal(t, []string{"x"}, texts(lines), "lines before End are delivered")
	assert.True(t, ended)
	b.Append(webApp, "y")
	lines, _, ended = cur.Next()
	assert.Equal(t, []string{"y"}, texts(lines))
	assert.False(t, ended, "Append reopens")
}

func TestGenerator(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	b := NewLogBook(clock, 0)
	g := NewGenerator(fakePods(), b, clock, time.Second, 1)
	for range 6 {
		assert.Equal(t, 3, g.Step(), "one line per running container")
	}
	lines := b.Lines(webApp)
	require.Len(t, lines, 6)
	multiByte := false
	for _, l := range lines {
		assert.True(t, utf8.ValidString(l.Text))
		assert.NotContains(t, l.Text, "\n")
		multiByte = multiByte || utf8.RuneCountInString(l.Text) < len(l.Text)
	}
	assert.True(t, multiByte, "some lines carry multi-byte UTF-8")

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- g.Run(ctx) }()
	for range 2 {
		d, ok := clock.WaitArmed(testCtx(t))
		require.True(t, ok)
		assert.Equal(t, time.Second, d)
		clock.Advance(d)
	}
	_, ok := clock.WaitArmed(testCtx(t)) // the second Step is done
	require.True(t, ok)
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	assert.Len(t, b.Lines(webApp), 8, "one line per tick")
}

func TestChunkerReassembles(t *testing.T) {
	t.Parallel()
	lines := []string{"plain ascii line\n", "café ✓ 日本語 🚀\n", "x\n", strings.Repeat("long é", 500) + "\n"}
	want := strings.Join(lines, "")
	for _, mode := range []Chunking{ChunkStream, ChunkLines, ChunkSplit} {
		var frames []string
		c := &chunker{mode: mode, rnd: rand.New(rand.NewPCG(1, 2)), sink: func(p []byte) error {
			frames = append(frames, string(p))
			return nil
		}}
		require.NoError(t, c.write(lines))
		assert.Equal(t, want, strings.Join(frames, ""), "mode %d", mode)
		for _, f := range frames {
			assert.NotEmpty(t, f)
			assert.LessOrEqual(t, len(f), maxFrame)
		}
		if mode == ChunkLines {
			assert.Equal(t, lines[:3], frames[:3])
		}
		if mode == ChunkSplit {
			assert.True(t, hasBrokenRune(toBytes(frames)))
		}
	}
}

func toBytes(frames []string) [][]byte {
	out := make([][]byte, len(frames))
	for i, f := range frames {
		out[i] = []byte(f)
	}
	return out
}

func FuzzChannelDecode(f *testing.F) {
	f.Add([]byte{1, 'h', 'i'}, false)
	f.Add([]byte("1aGk="), true)
	f.Add([]byte{255, 0}, false)
	f.Fuzz(func(t *testing.T, msg []byte, b64 bool) {
		p := channelProtocol{version: 4, base64: b64}
		ch, data, err := p.decode(msg)
		if err != nil {
			return
		}
		_, frame := p.encode(ch, data)
		ch2, data2, err := p.decode(frame)
		require.NoError(t, err)
		assert.Equal(t, ch, ch2)
		assert.Equal(t, string(data), string(data2))
	})
}

func TestSweepForgetsContainersOfDeletedPods(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	b := NewLogBook(clock, 0)
	gone := ContainerRef{Namespace: "default", Pod: "deleted-7", Container: "app"}
	b.Append(gone, "last words")
	b.Append(webApp, "still here")
	c := b.Cursor(gone)
	g := NewGenerator(fakePods(), b, clock, time.Second, 1)
	for range sweepEvery - 1 {
		g.Step()
	}
	assert.Len(t, b.Lines(gone), 1, "no sweep before sweepEvery steps")
	g.Step()
	assert.Empty(t, b.Lines(gone), "the deleted pod's logs are forgotten")
	assert.Len(t, b.Lines(webApp), sweepEvery+1, "a live pod's logs stay")
	lines, _, ended := c.Next()
	assert.Equal(t, []string{"last words"}, texts(lines))
	assert.True(t, ended, "its followers end")
}

// TestLongLinesAreCapped: a line past MaxLineBytes is stored cut, at a UTF-8 boundary,
// ending with the marker; shorter lines are kept whole, so 60 lines of 900 KB cost at most
// 60 x MaxLineBytes.
func TestLongLinesAreCapped(t *testing.T) {
	t.Parallel()
	b := NewLogBook(newFakeClock(), 0)
	exact := strings.Repeat("a", MaxLineBytes)
	b.Append(webApp, exact)
	b.Append(webApp, strings.Repeat("é", MaxLineBytes)) // 2 bytes a rune
	for range 60 {
		b.Append(webApp, strings.Repeat("x", 900<<10))
	}
	lines := b.Lines(webApp)
	require.Len(t, lines, 62)
	assert.Equal(t, exact, lines[0].Text, "a line of exactly the cap is kept whole")
	total := 0
	for _, l := range lines[1:] {
		assert.LessOrEqual(t, len(l.Text), MaxLineBytes)
		assert.True(t, strings.HasSuffix(l.Text, TruncatedMarker), "cut lines end with the marker")
		assert.True(t, utf8.ValidString(l.Text), "cut at a rune boundary")
		total += len(l.Text)
	}
	assert.LessOrEqual(t, total, 61*MaxLineBytes)
}
