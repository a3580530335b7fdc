package cache

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/reflector"
	rt "github.com/kubelive/kubelive/internal/reflector/reflectortest"
)

// lastPhase returns the phase of list i in the last delta rec holds.
func lastPhase(t *testing.T, rec *recorder, i int) reflector.Phase {
	t.Helper()
	ds := rec.all()
	require.NotEmpty(t, ds)
	return ds[len(ds)-1].Lists[i].Phase
}

const after = 10 * time.Second // StaleAfter in these tests

// liveWithStaleAfter subscribes to one list of a cache whose StaleAfter is
// d and makes it live; it returns the recorder and the list's watch.
func liveWithStaleAfter(t *testing.T, d time.Duration) (*harness, Query, *recorder, *rt.Watch) {
	t.Helper()
	h := newHarness(t, func(c *Config) { c.StaleAfter = d })
	q := query(ListRef{"demo", "shop"})
	_, rec, _ := h.subscribe(q)
	w := live(t, h.lw("demo", "shop"), "10", pod("shop", "a", "5"))
	h.phase(q, 0, reflector.PhaseLive)
	return h, q, rec, w
}

// The cache's own timer, on the injected clock, turns a quiet live list
// stale and delivers that as a snapshot; an event makes it live again.
func TestStaleByTheCachesOwnTimer(t *testing.T) {
	t.Parallel()
	h, q, rec, w := liveWithStaleAfter(t, after)
	require.Equal(t, reflector.PhaseLive, lastPhase(t, rec, 0))

	h.advanceTo(after) // the sweeper armed the staleness deadline
	require.Eventually(t, func() bool { return h.sched.run() > 0 }, rt.Deadline, time.Millisecond,
		"no flush was scheduled when the list turned stale")
	assert.Equal(t, reflector.PhaseStale, lastPhase(t, rec, 0))
	key, err := q.Key()
	require.NoError(t, err)
	snap, ok := h.c.Get(key)
	require.True(t, ok)
	assert.Equal(t, reflector.PhaseStale, snap.Lists[0].Phase, "the snapshot says so too")

	w.Bookmark("11") // confirmed again
	h.settle(q, 0, "11")
	assert.Equal(t, reflector.PhaseLive, lastPhase(t, rec, 0))
}

// A list that keeps hearing from the server never turns stale.
func TestNotStaleWhileConfirmed(t *testing.T) {
	t.Parallel()
	h, q, rec, w := liveWithStaleAfter(t, after)
	h.clk.Advance(after - time.Second)
	w.Bookmark("11")
	h.settle(q, 0, "11")
	h.clk.Advance(2 * time.Second) // past the first deadline, within the new one
	waitArmed(t, h, 8*time.Second) // the sweeper looked, and waits for the new deadline
	h.sched.run()
	assert.Equal(t, reflector.PhaseLive, lastPhase(t, rec, 0))
}

// waitArmed waits until a timer of d is armed.
func waitArmed(t *testing.T, h *harness, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), rt.Deadline)
	defer cancel()
	for {
		got, ok := h.clk.WaitArmed(ctx)
		require.True(t, ok, "no timer of %v armed", d)
		if got == d {
			return
		}
	}
}
