package cache

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/reflector"
)

func TestDebounceThenGCThenResumeFromCache(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	q := query(ListRef{"c1", "ns"})
	_, _, unsub := h.subscribe(q)
	lw := h.lw("c1", "ns")
	w := live(t, lw, "10", pod("ns", "a", "1"))
	w.Modify(pod("ns", "a", "11"))
	h.settle(q, 0, "11")
	cached := h.mustGet(q)

	unsub()
	h.advanceTo(100 * time.Millisecond)
	w.WaitClosed(t) // the watch stops after the debounce
	s, ok := h.c.Get(cached.Key)
	require.True(t, ok, "the data stays")
	assert.Same(t, cached.Items[0], s.Items[0])
	assert.Equal(t, 1, h.c.Stats().Entries)
	assert.Zero(t, h.c.Stats().Watching)

	snap, _, unsub2 := h.subscribe(q)
	assert.Same(t, cached.Items[0], snap.Items[0], "a new subscriber sees the cached data at once")
	wc := lw.NextWatch(t)
	assert.Equal(t, "11", wc.Opts.ResourceVersion, "the watch resumes from the cached RV")
	assert.Zero(t, lw.Pending(), "no relist")
	w2 := wc.Accept()
	h.phase(q, 0, reflector.PhaseLive)

	unsub2()
	h.advanceTo(100 * time.Millisecond)
	w2.WaitClosed(t)
	h.advanceTo(5*time.Minute - 100*time.Millisecond)
	require.Eventually(t, func() bool { return h.c.Stats().Entries == 0 }, time.Second, time.Millisecond, "dropped after gcTime")
	_, ok = h.c.Get(cached.Key)
	assert.False(t, ok)

	h.subscribe(q)
	assert.Empty(t, lw.NextList(t).Opts.ResourceVersion, "after gcTime it lists afresh")
}

func TestResubscribeWithinDebounceKeepsTheWatch(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	q := query(ListRef{"c1", "ns"})
	_, _, unsub := h.subscribe(q)
	lw := h.lw("c1", "ns")
	w := live(t, lw, "10")
	unsub()
	_, _, unsub2 := h.subscribe(q)
	h.clk.Advance(time.Second)
	select {
	case <-w.Closed():
		t.Fatal("the watch stopped although a subscriber came back")
	default:
	}
	assert.Zero(t, lw.Pending())
	assert.Equal(t, 1, h.c.Stats().Watching)
	unsub2()
}

func TestOneSweepTimerForTheWholeCache(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	var unsubs []func()
	for i := range 50 {
		_, _, u := h.subscribe(query(ListRef{"c1", fmt.Sprint("ns", i)}))
		unsubs = append(unsubs, u)
	}
	for _, u := range unsubs {
		u()
	}
	h.advanceTo(100 * time.Millisecond)
	require.Eventually(t, func() bool { return h.c.Stats().Watching == 0 }, time.Second, time.Millisecond)
	assert.Equal(t, 50, h.c.Stats().Entries)
	require.Eventually(t, func() bool { return h.clk.Pending() == 1 }, time.Second, time.Millisecond,
		"one timer for 50 entries' gcTime, not 50")
}

func TestCloseStopsEverything(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	q := query(ListRef{"c1", "ns"})
	h.subscribe(q)
	w := live(t, h.lw("c1", "ns"), "1")
	h.c.Close()
	w.WaitClosed(t)
	assert.Zero(t, h.clk.Pending())
	_, _, err := h.c.Subscribe(q, func(*Delta) {})
	assert.ErrorIs(t, err, ErrClosed)
}
