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

const waitFor = 5 * time.Second

// step is one scripted attempt: its verdict, and how long before the end
// of the attempt its connection opened (0: it never opened).
type step struct {
	verdict Verdict
	upFor   time.Duration
	served  bool
}

func half() float64 { return 0.5 }

// runScript runs a Loop over the scripted attempts, advancing the fake clock
// through every wait, and returns the delays waited and the retry flag each
// attempt was given.
func runScript(t *testing.T, script []step) (delays []time.Duration, retries []bool) {
	t.Helper()
	clk := clock.NewFake()
	l := Loop{Backoff: backoff.Default, Rand: half, Clock: clk}
	done := make(chan struct{})
	attempts := 0
	go func() {
		defer close(done)
		l.Run(context.Background(), func(retry bool) Result {
			retries = append(retries, retry)
			s := script[attempts]
			attempts++
			r := Result{Verdict: s.verdict, Served: s.served}
			if s.upFor > 0 {
				r.Opened = clk.Now().Add(-s.upFor)
			}
			return r
		})
	}()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), waitFor)
		armed := make(chan time.Duration, 1)
		go func() {
			if d, ok := clk.WaitArmed(ctx); ok {
				armed <- d
			}
		}()
		select {
		case <-done:
			cancel()
			assert.Equal(t, len(script), attempts, "every scripted attempt ran")
			assert.Equal(t, 0, clk.Pending(), "a timer was left armed")
			return delays, retries
		case d := <-armed:
			cancel()
			delays = append(delays, d)
			clk.Advance(d)
		case <-ctx.Done():
			cancel()
			t.Fatal("the loop neither waited nor ended")
		}
	}
}

func TestRunBacksOffAndResets(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	cases := []struct {
		name    string
		script  []step
		delays  []time.Duration
		retries []bool
	}{
		{"failures back off", []step{{Retry, 0, false}, {Retry, 0, false}, {Retry, 0, false}, {Stop, 0, false}},
			[]time.Duration{400 * ms, 800 * ms, 1600 * ms}, []bool{false, true, true, true}},
		{"a short-lived connection does not reset", []step{{Retry, 0, false}, {Retry, time.Second, false}, {Retry, 0, false}, {Stop, 0, false}},
			[]time.Duration{400 * ms, 800 * ms, 1600 * ms}, []bool{false, true, true, true}},
		{"a connection healthy for ResetAfter resets", []step{{Retry, 0, false}, {Retry, 0, false}, {Retry, 2 * time.Minute, false}, {Stop, 0, false}},
			[]time.Duration{400 * ms, 800 * ms, 400 * ms}, []bool{false, true, true, true}},
		{"a served connection resets", []step{{Retry, 0, false}, {Retry, 0, false}, {Retry, time.Second, true}, {Stop, 0, false}},
			[]time.Duration{400 * ms, 800 * ms, 400 * ms}, []bool{false, true, true, true}},
		{"again goes at once with a fresh backoff", []step{{Retry, 0, false}, {Retry, 0, false}, {Again, 0, false}, {Retry, 0, false}, {Stop, 0, false}},
			[]time.Duration{400 * ms, 800 * ms, 400 * ms}, []bool{false, true, true, false, true}},
		{"stop at once", []step{{Stop, 0, false}}, nil, []bool{false}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			delays, retries := runScript(t, tc.script)
			assert.Equal(t, tc.delays, delays)
			assert.Equal(t, tc.retries, retries)
		})
	}
}

// A wait ends the loop when the owner says so: its context ends, a wake finds
// it idle, or Track refuses the timer; no timer stays armed.
func TestRunEndsDuringAWait(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		// setup configures the loop and returns what ends the wait once it
		// is armed (nil: the wait ends before it arms a timer, by Track).
		setup func(l *Loop, cancel context.CancelFunc) func()
	}{
		{"context", func(_ *Loop, cancel context.CancelFunc) func() { return cancel }},
		{"idle on a wake", func(l *Loop, _ context.CancelFunc) func() {
			wake := make(chan struct{}, 1)
			l.Wake, l.Idle = wake, func() bool { return true }
			return func() { wake <- struct{}{} }
		}},
		{"track refuses", func(l *Loop, _ context.CancelFunc) func() {
			l.Track = func(func() clock.Timer) clock.Timer { return nil }
			return nil
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clk := clock.NewFake()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			l := Loop{Backoff: backoff.Default, Rand: half, Clock: clk}
			end := tc.setup(&l, cancel)
			attempts := 0
			done := make(chan struct{})
			go func() {
				defer close(done)
				l.Run(ctx, func(bool) Result { attempts++; return Result{Verdict: Retry} })
			}()
			if end != nil {
				wctx, wcancel := context.WithTimeout(context.Background(), waitFor)
				defer wcancel()
				_, ok := clk.WaitArmed(wctx)
				require.True(t, ok, "the loop never waited")
				end()
			}
			select {
			case <-done:
			case <-time.After(waitFor):
				t.Fatal("the wait did not end the loop")
			}
			assert.Equal(t, 1, attempts)
			assert.Equal(t, 0, clk.Pending(), "a timer was left armed")
		})
	}
}

// A wake that finds the owner busy does not end the wait.
func TestRunWakeWhileBusyKeepsWaiting(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake()
	wake := make(chan struct{}, 1)
	asked := make(chan struct{}, 1)
	l := Loop{Backoff: backoff.Default, Rand: half, Clock: clk, Wake: wake, Idle: func() bool { asked <- struct{}{}; return false }}
	attempts := 0
	done := make(chan struct{})
	go func() {
		defer close(done)
		l.Run(context.Background(), func(bool) Result {
			attempts++
			if attempts == 2 {
				return Result{Verdict: Stop}
			}
			return Result{Verdict: Retry}
		})
	}()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	d, ok := clk.WaitArmed(ctx)
	require.True(t, ok)
	wake <- struct{}{}
	select {
	case <-asked:
	case <-time.After(waitFor):
		t.Fatal("a wake did not ask Idle")
	}
	clk.Advance(d)
	select {
	case <-done:
	case <-time.After(waitFor):
		t.Fatal("the loop did not go on after its wait")
	}
	assert.Equal(t, 2, attempts)
}
