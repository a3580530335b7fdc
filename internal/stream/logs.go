package stream

import (
	"context"
	"fmt"
	"sync"

	"github.com/kubelive/kubelive/internal/backoff"
	"github.com/kubelive/kubelive/internal/clock"
	"github.com/kubelive/kubelive/internal/transport"
)

// DefaultMaxLines bounds a LogFollower's buffer when FollowOptions.MaxLines
// is not set.
const DefaultMaxLines = 10_000

// FollowOptions configure a LogFollower.
type FollowOptions struct {
	// Base is the cluster prefix of the URL ("" or "/clusters/<c>").
	Base string
	// Protocols are offered after base64.binary.k8s.io (auth protocols).
	Protocols []string
	// MaxLines bounds the buffer; 0 means DefaultMaxLines.
	MaxLines int
	// Unbuffered keeps no line in the follower (Lines is always empty):
	// for a caller that keeps its own copy of the last MaxLines. onLines
	// gets the same lines and dropped counts as with the buffer; resuming
	// and dedupe keep only the last timestamp and a count.
	Unbuffered bool
	// OnError receives every failure; the follower keeps retrying with
	// backoff except after a refused handshake (ErrRefused), which ends it.
	OnError func(error)
	// OnState receives the Stream's state changes.
	OnState func(State)
	// Rand feeds the backoff jitter (tests); nil means math/rand.
	Rand func() float64
	// Probe, Reach and ReachKey are the Stream's (see Options).
	Probe    func(ctx context.Context) error
	Reach    *backoff.Reach
	ReachKey string
}

// LogFollower follows a container's log across dropped sockets: every
// attempt after the first resumes with sinceTime = the last delivered
// timestamp, and the overlap the server resends is dropped, so no line is
// lost or delivered twice. Lines go to onLines and, unless Unbuffered, into
// a bounded buffer.
//
// The assembler and resume state are touched only on the Stream's goroutine
// (ConnectCb, NextURL and frame delivery run there, in that order); mu
// guards the buffer, which Lines and Dropped read from any goroutine.
type LogFollower struct {
	stream  *Stream
	log     LogOptions
	opts    FollowOptions
	onLines func(lines []Line, dropped int)

	asm    LineAssembler
	resume Resume

	mu  sync.Mutex
	buf *LogBuffer
}

// FollowLogs starts following the log that o selects. onLines receives the
// lines just added to the buffer and the total number of lines dropped from
// it so far (the oldest go first).
func FollowLogs(dialer transport.Dialer, clk clock.Clock, o LogOptions, opts FollowOptions, onLines func(lines []Line, dropped int)) *LogFollower {
	limit := opts.MaxLines
	if limit <= 0 {
		limit = DefaultMaxLines
	}
	buf := NewLogBuffer(limit)
	if opts.Unbuffered {
		buf = NewLogCounter(limit)
	}
	f := &LogFollower{log: o, opts: opts, onLines: onLines, buf: buf}
	f.asm.Timestamps = true
	yes := true
	f.stream = New(dialer, clk, LogURL(opts.Base, o), Options{
		Protocols:          append([]string{ProtocolBase64Binary}, opts.Protocols...),
		Binary:             true,
		Payload:            transport.PayloadBytes,
		ConnectCb:          f.restart,
		FailCb:             opts.OnError,
		ReconnectOnFailure: &yes,
		NextURL:            f.nextURL,
		OnState:            opts.OnState,
		Rand:               opts.Rand,
		Probe:              opts.Probe,
		Reach:              opts.Reach,
		ReachKey:           opts.ReachKey,
	}, f.onFrames)
	return f
}

// Cancel stops following; see Stream.Cancel.
func (f *LogFollower) Cancel() { f.stream.Cancel() }

// Stream returns the underlying Stream (for its state and socket).
func (f *LogFollower) Stream() *Stream { return f.stream }

// Lines returns a copy of the buffered lines, oldest first.
func (f *LogFollower) Lines() []Line {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.buf.Lines()
}

// Dropped returns how many lines were dropped from the buffer.
func (f *LogFollower) Dropped() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.buf.Dropped()
}

// restart runs before every attempt: the unterminated line of a dropped
// socket is discarded (it comes again, whole) and dedupe starts.
func (f *LogFollower) restart() {
	f.asm.Reset()
	f.resume.Restart()
}

// nextURL resumes from the last delivered timestamp, without tailLines; the
// first attempt, or one before any line was seen, uses the caller's options.
func (f *LogFollower) nextURL() string {
	o := f.log
	if last := f.resume.Last(); !last.IsZero() {
		o.SinceTime, o.TailLines = last, nil
	}
	return LogURL(f.opts.Base, o)
}

func (f *LogFollower) onFrames(frames []transport.Frame) {
	var fresh []Line
	for _, fr := range frames {
		lines, err := f.asm.Feed(fr)
		if err != nil {
			if f.opts.OnError != nil {
				f.opts.OnError(fmt.Errorf("log %s/%s: %w", f.log.Namespace, f.log.Name, err))
			}
			continue
		}
		for _, l := range lines {
			if f.resume.Admit(l) {
				fresh = append(fresh, l)
			}
		}
	}
	if len(fresh) == 0 {
		return
	}
	f.mu.Lock()
	kept := f.buf.Append(fresh)
	dropped := f.buf.Dropped()
	f.mu.Unlock()
	if f.onLines != nil {
		f.onLines(kept, dropped)
	}
}
