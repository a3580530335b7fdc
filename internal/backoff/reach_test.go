package backoff

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/clock"
)

// sleepAsync runs Sleep on its own goroutine and returns its result channel,
// once the Sleep's first timer is armed.
func sleepAsync(t *testing.T, ctx context.Context, clk *clock.Fake, d time.Duration, r *Reach, key string, rnd func() float64) <-chan error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- Sleep(ctx, clk, d, r, key, rnd) }()
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	got, ok := clk.WaitArmed(wctx)
	require.True(t, ok, "Sleep armed no timer")
	require.Equal(t, d, got)
	return done
}

func TestSleepCutShortByKick(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		key    string
		kick   func(r *Reach)
		cut    bool          // the kick applies to this waiter
		jitter time.Duration // the delay after the kick, when cut
	}{
		{"own cluster", "demo", func(r *Reach) { r.Kick("demo") }, true, 250 * time.Millisecond},
		{"another cluster", "demo", func(r *Reach) { r.Kick("prod") }, false, 0},
		{"backend-wide waiter, any cluster's socket", "", func(r *Reach) { r.Kick("prod") }, true, 250 * time.Millisecond},
		{"kick all", "demo", func(r *Reach) { r.KickAll() }, true, 250 * time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clk := clock.NewFake()
			r := &Reach{}
			done := sleepAsync(t, context.Background(), clk, 30*time.Second, r, tc.key, func() float64 { return 0.5 })
			tc.kick(r)
			if tc.cut {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				got, ok := clk.WaitArmed(ctx)
				require.True(t, ok, "the kick armed no shorter timer")
				assert.Equal(t, tc.jitter, got)
				clk.Advance(tc.jitter)
				require.NoError(t, <-done)
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
			require.NoError(t, <-done)
		})
	}
}

func TestSleepKickNeverLengthensTheWait(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake()
	r := &Reach{}
	done := sleepAsync(t, context.Background(), clk, 100*time.Millisecond, r, "demo", func() float64 { return 0.9 })
	r.Kick("demo") // 450 ms of jitter would end later than the 100 ms wait
	clk.Advance(100 * time.Millisecond)
	require.NoError(t, <-done)
}

func TestSleepEndsWithContext(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake()
	ctx, cancel := context.WithCancel(context.Background())
	done := sleepAsync(t, ctx, clk, time.Minute, &Reach{}, "demo", nil)
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	assert.Equal(t, 0, clk.Pending())
}

// A retry that starts waiting just after a kick goes soon too: kicks are
// remembered for KickMemory.
func TestSleepShortlyAfterAKick(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		since time.Duration // from the kick to the start of the wait
		short bool
	}{
		{"just after", KickMemory / 2, true},
		{"long after", KickMemory, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clk := clock.NewFake()
			r := &Reach{Clock: clk}
			r.Kick("demo")
			clk.Advance(tc.since)
			done := sleepAsync(t, context.Background(), clk, 30*time.Second, r, "demo", func() float64 { return 0.5 })
			if !tc.short {
				clk.Advance(30 * time.Second)
				require.NoError(t, <-done)
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			got, ok := clk.WaitArmed(ctx)
			require.True(t, ok)
			assert.Equal(t, KickWindow/2, got)
			clk.Advance(got)
			require.NoError(t, <-done)
		})
	}
}
