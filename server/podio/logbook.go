package podio

import (
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/kubelive/kubelive/internal/clock"
)

// DefaultMaxLines is how many lines a LogBook keeps per container when
// NewLogBook is given 0.
const DefaultMaxLines = 5000

// MaxLineBytes caps one stored line, like the kubelet's runtime splitting long lines: a
// longer one is cut at a UTF-8 boundary and ends with TruncatedMarker, so a container (or a
// shell's "log" command) cannot grow a pod's log without bound.
const MaxLineBytes = 16 << 10

// TruncatedMarker ends a line cut at MaxLineBytes.
const TruncatedMarker = " [truncated]"

// TimestampFormat is the kubelet's timestamp layout for timestamps=true:
// RFC 3339 in UTC with exactly nine fractional digits.
const TimestampFormat = "2006-01-02T15:04:05.000000000Z07:00"

// Line is one line of container output, without its newline.
type Line struct {
	Time time.Time
	Text string
}

// Format renders l as the kubelet does, with or without its timestamp, ending in "\n".
func (l Line) Format(timestamps bool) string {
	if !timestamps {
		return l.Text + "\n"
	}
	return l.Time.UTC().Format(TimestampFormat) + " " + l.Text + "\n"
}

// LogBook keeps a bounded, append-only history of output lines per
// container and wakes followers when lines arrive. It is safe for concurrent use.
type LogBook struct {
	clock clock.Clock
	max   int

	mu sync.Mutex
	// bufs holds one buffer per container that has ever been appended to,
	// read or ended, until Forget. Guarded by mu.
	bufs map[ContainerRef]*logBuffer
}

// logBuffer is one container's ring of lines. Invariants (under LogBook.mu):
// n == len(ring) until the ring is full (then n == max and writes wrap);
// line number first+i is ring[(start+i)%len(ring)] for i < n; times are
// non-decreasing in line-number order; wake is closed and replaced on every
// change, so a reader that saw it open has missed nothing. A forgotten
// buffer is ended and unreachable from the map, but cursors still hold it.
type logBuffer struct {
	ring  []Line
	max   int
	start int
	n     int
	first uint64
	wake  chan struct{}
	ended bool
}

// NewLogBook returns an empty LogBook that timestamps lines with clock and
// keeps maxLines per container (DefaultMaxLines when maxLines <= 0).
func NewLogBook(clk clock.Clock, maxLines int) *LogBook {
	if maxLines <= 0 {
		maxLines = DefaultMaxLines
	}
	if clk == nil {
		clk = clock.Real{}
	}
	return &LogBook{clock: clk, max: maxLines, bufs: map[ContainerRef]*logBuffer{}}
}

// buffer returns ref's buffer, creating it. Caller must hold b.mu.
func (b *LogBook) buffer(ref ContainerRef) *logBuffer {
	buf, ok := b.bufs[ref]
	if !ok {
		buf = &logBuffer{max: b.max, wake: make(chan struct{})}
		b.bufs[ref] = buf
	}
	return buf
}

// Append adds text to ref's output, one line per "\n"-separated part (a
// trailing newline does not add an empty line), stamped with the clock's
// time but never earlier than the previous line. It reopens ended output.
func (b *LogBook) Append(ref ContainerRef, text string) {
	text = strings.TrimSuffix(text, "\n")
	now := b.clock.Now().UTC()
	b.mu.Lock()
	defer b.mu.Unlock()
	buf := b.buffer(ref)
	if buf.n > 0 {
		if last := buf.line(buf.first + uint64(buf.n) - 1).Time; now.Before(last) {
			now = last
		}
	}
	for part := range strings.SplitSeq(text, "\n") {
		buf.push(Line{Time: now, Text: capLine(strings.TrimSuffix(part, "\r"))})
	}
	buf.ended = false
	buf.notify()
}

// capLine returns s, or its first bytes up to MaxLineBytes in all (marker included), cut
// at a UTF-8 boundary, followed by TruncatedMarker.
func capLine(s string) string {
	if len(s) <= MaxLineBytes {
		return s
	}
	cut := MaxLineBytes - len(TruncatedMarker)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + TruncatedMarker
}

func (buf *logBuffer) line(number uint64) Line {
	return buf.ring[(buf.start+int(number-buf.first))%len(buf.ring)]
}

func (buf *logBuffer) push(l Line) {
	if buf.n < buf.max {
		buf.ring = append(buf.ring, l)
		buf.n++
		return
	}
	buf.ring[buf.start] = l
	buf.start = (buf.start + 1) % len(buf.ring)
	buf.first++
}

func (buf *logBuffer) notify() {
	close(buf.wake)
	buf.wake = make(chan struct{})
}

// End marks ref's output as finished (the container stopped): followers
// receive what is left and then end. A later Append reopens it.
func (b *LogBook) End(ref ContainerRef) {
	b.mu.Lock()
	defer b.mu.Unlock()
	buf := b.buffer(ref)
	buf.ended = true
	buf.notify()
}

// Forget ends ref's output for its followers and drops its history (the pod
// was deleted); a later Append starts a new history.
func (b *LogBook) Forget(ref ContainerRef) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if buf, ok := b.bufs[ref]; ok {
		buf.ended = true
		buf.notify()
		delete(b.bufs, ref)
	}
}

// Sweep forgets (see Forget) every container for which exists is false and
// returns how many it forgot: without it, the history of every container of
// every pod ever deleted would stay for the life of the process.
func (b *LogBook) Sweep(exists func(ContainerRef) bool) int {
	b.mu.Lock()
	refs := make([]ContainerRef, 0, len(b.bufs))
	for ref := range b.bufs {
		refs = append(refs, ref)
	}
	b.mu.Unlock()
	n := 0
	for _, ref := range refs { // exists may take other locks: not under b.mu
		if !exists(ref) {
			b.Forget(ref)
			n++
		}
	}
	return n
}

// Lines returns a copy of ref's retained lines, oldest first.
func (b *LogBook) Lines(ref ContainerRef) []Line {
	b.mu.Lock()
	defer b.mu.Unlock()
	buf, ok := b.bufs[ref]
	if !ok {
		return nil
	}
	lines := make([]Line, 0, buf.n)
	for i := range uint64(buf.n) {
		lines = append(lines, buf.line(buf.first+i))
	}
	return lines
}

// Cursor reads one container's output in order, from its oldest retained line.
type Cursor struct {
	book *LogBook
	buf  *logBuffer
	next uint64
}

// Cursor returns a Cursor at the start of ref's retained output.
func (b *LogBook) Cursor(ref ContainerRef) *Cursor {
	b.mu.Lock()
	defer b.mu.Unlock()
	buf := b.buffer(ref)
	return &Cursor{book: b, buf: buf, next: buf.first}
}

// Next returns the lines appended since the previous call (skipping lines
// dropped from the ring meanwhile), a channel closed at the next change, and
// whether the output has ended (then no line will follow).
func (c *Cursor) Next() (lines []Line, wake <-chan struct{}, ended bool) {
	c.book.mu.Lock()
	defer c.book.mu.Unlock()
	buf := c.buf
	c.next = max(c.next, buf.first)
	for end := buf.first + uint64(buf.n); c.next < end; c.next++ {
		lines = append(lines, buf.line(c.next))
	}
	return lines, buf.wake, buf.ended
}
