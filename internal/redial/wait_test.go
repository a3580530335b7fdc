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

// sleepAsync runs Loop.Wait on its own goroutine and returns its result
// channel, once the wait's first timer is armed.
func sleepAsync(t *testing.T, ctx context.Context, clk *clock.Fake, d time.Duration, r *backoff.Reach, key string, rnd func() float64) <-chan bool {
	t.Helper()
	done := make(chan bool, 1)
	l := Loop{Clock: clk, Reach: r, ReachKey: key, Rand: rnd}
	go func() { done <- l.Wait(ctx, d) }()
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	got, ok := clk.WaitArmed(wctx)
	require.True(t, ok, "Wait armed no timer")
	require.Equal(t, d, got)
	return done
}

func TestWaitCutShortByKick(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		key    string
		kick   func(r *backoff.Reach)
		cut    bool          // the kick applies to this waiter
		jitter time.Duration // the delay after the kick, when cut
	}{
		{"own cluster", "demo", func(r *backoff.Reach) { r.Kick("demo") }, true, 250 * time.Millisecond},
		{"another cluster", "demo", func(r *backoff.Reach) { r.Kick("prod") }, false, 0},
		{"backend-wide waiter, any cluster's socket", "", func(r *backoff.Reach) { r.Kick("prod") }, true, 250 * time.Millisecond},
		{"kick all", "demo", func(r *backoff.Reach) { r.KickAll() }, true, 250 * time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clk := clock.NewFake()
			r := &backoff.Reach{}
			done := sleepAsync(t, context.Background(), clk, 30*time.Second, r, tc.key, func() float64 { return 0.5 })
			tc.kick(r)
			if tc.cut {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				got, ok := clk.WaitArmed(ctx)
				require.True(t, ok, "the kick armed no shorter timer")
				assert.Equal(t, tc.jitter, got)
				clk.Advance(tc.jitter)
				require.True(t, <-done)
				assert.Equal(t, 0, clk.Pending(), "the 30 s timer was left armed")
				return
			}
			clk.Advance(29 * time.Second)
			select {
			case <-done:
				t.Fatal("a kick of another cluster ended the wait")
			default:
			}
			clk.Advance(time.Second)
			require.True(t, <-done)
		})
	}
}

func TestWaitKickNeverLengthensTheWait(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake()
	r := &backoff.Reach{}
	done := sleepAsync(t, context.Background(), clk, 100*time.Millisecond, r, "demo", func() float64 { return 0.9 })
	r.Kick("demo") // 450 ms of jitter would end later than the 100 ms wait
	clk.Advance(100 * time.Millisecond)
	require.True(t, <-done)
}

func TestWaitEndsWithContext(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake()
	ctx, cancel := context.WithCancel(context.Background())
	done := sleepAsync(t, ctx, clk, time.Minute, &backoff.Reach{}, "demo", nil)
	cancel()
	require.False(t, <-done)
	assert.Equal(t, 0, clk.Pending())
}

// A retry that starts waiting just after a kick goes soon too: kicks are
// remembered for backoff.KickMemory.
func TestWaitShortlyAfterAKick(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		since time.Duration // from the kick to the start of the wait
		short bool
	}{
		{"just after", backoff.KickMemory / 2, true},
		{"long after", backoff.KickMemory, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clk := clock.NewFake()
			r := &backoff.Reach{Clock: clk}
			r.Kick("demo")
			clk.Advance(tc.since)
			done := sleepAsync(t, context.Background(), clk, 30*time.Second, r, "demo", func() float64 { return 0.5 })
			if !tc.short {
				clk.Advance(30 * time.Second)
				require.True(t, <-done)
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			got, ok := clk.WaitArmed(ctx)
			require.True(t, ok)
			assert.Equal(t, backoff.KickWindow/2, got)
			clk.Advance(got)
			require.True(t, <-done)
		})
	}
}
