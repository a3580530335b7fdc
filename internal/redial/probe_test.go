package redial

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/backoff"
	"github.com/kubelive/kubelive/internal/clock"
)

// scripted is a Probe whose answers the test gives one by one: each call is
// announced on calls, then answers with the next value sent on answers, or
// false once its context ends (reported on cancelled).
type scripted struct {
	calls     chan struct{}
	answers   chan bool
	cancelled chan struct{}
}

func newScripted() *scripted {
	return &scripted{calls: make(chan struct{}, 64), answers: make(chan bool), cancelled: make(chan struct{}, 64)}
}

func (s *scripted) probe(ctx context.Context) bool {
	s.calls <- struct{}{}
	select {
	case a := <-s.answers:
		return a
	case <-ctx.Done():
		s.cancelled <- struct{}{}
		return false
	}
}

const probeEvery = 2 * time.Second

func within(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func armed(t *testing.T, clk *clock.Fake) time.Duration {
	t.Helper()
	d, ok := clk.WaitArmed(within(t))
	require.True(t, ok, "no timer was armed")
	return d
}

// probeOnce moves the clock to the next probe, waits for the probe to be
// asked and gives it answer.
func probeOnce(t *testing.T, clk *clock.Fake, s *scripted, answer bool) {
	t.Helper()
	clk.Advance(probeEvery)
	select {
	case <-s.calls:
	case <-within(t).Done():
		t.Fatal("the probe was not asked")
	}
	s.answers <- answer
}

// startWait runs l.wait(d) on its own goroutine with the probes' memory p,
// once its backoff timer and first probe timer are armed.
func startWait(t *testing.T, l Loop, clk *clock.Fake, d time.Duration, p *probing) <-chan bool {
	t.Helper()
	done := make(chan bool, 1)
	go func() { done <- l.wait(context.Background(), d, p) }()
	require.Equal(t, d, armed(t, clk), "the backoff timer")
	require.Equal(t, probeEvery, armed(t, clk), "the first probe's timer")
	return done
}

func TestProbeCutsAWaitOnlyWhenTheBackendComesBack(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		answers []bool
		cut     bool // the wait ends KickWindow/2 after the last answer
	}{
		{"down, then back", []bool{false, true}, true},
		{"down three times, then back", []bool{false, false, false, true}, true},
		{"answers from the first probe (the connection fails for another reason)", []bool{true, true, true}, false},
		{"down all along", []bool{false, false, false, false}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clk := clock.NewFake()
			s := newScripted()
			l := Loop{Clock: clk, Rand: func() float64 { return 0.5 }, Probe: s.probe, ProbeEvery: probeEvery}
			start := clk.Now()
			done := startWait(t, l, clk, 30*time.Second, &probing{})
			for i, a := range tc.answers {
				probeOnce(t, clk, s, a)
				last := i == len(tc.answers)-1
				if tc.cut && last {
					require.Equal(t, backoff.KickWindow/2, armed(t, clk), "the cut wait's timer")
				} else {
					require.Equal(t, probeEvery, armed(t, clk), "the next probe's timer")
				}
			}
			if tc.cut {
				clk.Advance(backoff.KickWindow / 2)
				require.True(t, <-done)
				assert.Equal(t, time.Duration(len(tc.answers))*probeEvery+backoff.KickWindow/2, clk.Now().Sub(start))
				assert.Equal(t, 0, clk.Pending(), "a timer was left armed")
				return
			}
			clk.Advance(30*time.Second - clk.Now().Sub(start))
			require.True(t, <-done)
			assert.Equal(t, 30*time.Second, clk.Now().Sub(start), "the wait was cut short")
		})
	}
}

// What a loop's probes saw carries over from one wait to the next: a probe
// that did not answer in one wait and one that answers in the next is the
// backend coming back.
func TestProbeRemembersDownAcrossWaits(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake()
	s := newScripted()
	l := Loop{Clock: clk, Rand: func() float64 { return 0.5 }, Probe: s.probe, ProbeEvery: probeEvery}
	var p probing
	done := startWait(t, l, clk, 3*time.Second, &p)
	probeOnce(t, clk, s, false)
	require.Equal(t, probeEvery, armed(t, clk))
	clk.Advance(time.Second)
	require.True(t, <-done)
	require.True(t, p.down)

	done = startWait(t, l, clk, 30*time.Second, &p)
	probeOnce(t, clk, s, true)
	require.Equal(t, backoff.KickWindow/2, armed(t, clk), "the first answer after a silence cut the next wait")
	clk.Advance(backoff.KickWindow / 2)
	require.True(t, <-done)
	assert.False(t, p.down)
}

func TestProbeNotAskedInAShortWait(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake()
	s := newScripted()
	l := Loop{Clock: clk, Probe: s.probe, ProbeEvery: probeEvery}
	done := make(chan bool, 1)
	go func() { done <- l.Wait(context.Background(), probeEvery) }()
	require.Equal(t, probeEvery, armed(t, clk))
	clk.Advance(probeEvery)
	require.True(t, <-done)
	assert.Empty(t, s.calls, "a wait no longer than ProbeEvery probed")
	assert.Equal(t, 0, clk.Pending())
}

func TestProbeCancelledWithTheWait(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake()
	s := newScripted()
	ctx, cancel := context.WithCancel(context.Background())
	l := Loop{Clock: clk, Probe: s.probe, ProbeEvery: probeEvery}
	done := make(chan bool, 1)
	go func() { done <- l.Wait(ctx, time.Minute) }()
	require.Equal(t, time.Minute, armed(t, clk))
	require.Equal(t, probeEvery, armed(t, clk))
	clk.Advance(probeEvery)
	<-s.calls
	cancel()
	require.False(t, <-done)
	select {
	case <-s.cancelled:
	case <-within(t).Done():
		t.Fatal("the running probe's context did not end with the wait")
	}
	assert.Equal(t, 0, clk.Pending())
}

// A wait that follows an attempt that never opened asks at once, even one
// no longer than ProbeEvery: a refused dial and a silent probe are the
// backend down, and its first answer later cuts a wait.
func TestProbeAtOnceAfterAnAttemptThatNeverOpened(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake()
	s := newScripted()
	l := Loop{Clock: clk, Rand: func() float64 { return 0.5 }, Probe: s.probe, ProbeEvery: probeEvery}
	p := probing{now: true}
	done := make(chan bool, 1)
	go func() { done <- l.wait(context.Background(), time.Second, &p) }()
	require.Equal(t, time.Second, armed(t, clk), "the backoff timer")
	select {
	case <-s.calls:
	case <-within(t).Done():
		t.Fatal("the probe was not asked at once")
	}
	s.answers <- false
	require.Equal(t, probeEvery, armed(t, clk), "the next probe's timer")
	clk.Advance(time.Second)
	require.True(t, <-done)
	assert.True(t, p.down)
	assert.Equal(t, 0, clk.Pending(), "a timer was left armed")
}
