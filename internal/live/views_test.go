package live

import (
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/cache"
)

// fakeCache is the cache's side of Views: which keys it still holds, and
// the subscriptions ended.
type fakeCache struct {
	mu    sync.Mutex
	held  map[cache.Key]bool
	unsub int
}

func (c *fakeCache) has(k cache.Key) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.held[k]
}

func (c *fakeCache) set(k cache.Key, held bool) {
	c.mu.Lock()
	c.held[k] = held
	c.mu.Unlock()
}

func (c *fakeCache) unsubscribe() {
	c.mu.Lock()
	c.unsub++
	c.mu.Unlock()
}

func TestViewsShareOneSubscriptionPerQuery(t *testing.T) {
	t.Parallel()
	fc := &fakeCache{held: map[cache.Key]bool{"pods": true}}
	vs := NewViews[string](fc.has)
	made := 0
	create := func() (string, error) { made++; return "js-view", nil }

	id1, v, start, err := vs.Watch("pods", false, create)
	require.NoError(t, err)
	require.True(t, start, "the first watcher starts the subscription")
	fresh, ok := vs.Started(v, fc.unsubscribe, 3)
	require.True(t, ok)
	assert.True(t, fresh)
	id2, v2, start, err := vs.Watch("pods", false, create)
	require.NoError(t, err)
	assert.Same(t, v, v2)
	assert.False(t, start, "a second watcher shares it")
	assert.NotEqual(t, id1, id2)
	assert.Equal(t, 1, made)
	assert.True(t, vs.Delta(v, 4))

	views, watchers := vs.Counts()
	assert.Equal(t, [2]int{1, 2}, [2]int{views, watchers})
	got, unsub := vs.Release(id1)
	assert.Same(t, v, got)
	assert.Nil(t, unsub, "a watcher is left")
	got, unsub = vs.Release(id2)
	assert.Same(t, v, got)
	require.NotNil(t, unsub, "the last watcher ends the subscription")
	got, unsub = vs.Release(id2)
	assert.Nil(t, got, "release is idempotent")
	assert.Nil(t, unsub)
	assert.False(t, vs.Delta(v, 5), "a delta after the last watcher is dropped")

	// The idle view keeps its data while the cache does: a re-watch
	// reuses it, and a snapshot of the version it shows is not fresh.
	assert.Same(t, v, vs.Get("pods"))
	id3, v3, start, err := vs.Watch("pods", false, create)
	require.NoError(t, err)
	assert.Same(t, v, v3)
	assert.True(t, start)
	fresh, ok = vs.Started(v3, fc.unsubscribe, 4)
	require.True(t, ok)
	assert.False(t, fresh, "the view already shows version 4")
	_, unsub = vs.Release(id3)
	require.NotNil(t, unsub)

	// Once the cache dropped the data, the next release sweeps the view.
	fc.set("pods", false)
	id4, _, _, err := vs.Watch("nodes", false, create)
	require.NoError(t, err)
	vs.Release(id4)
	assert.Nil(t, vs.Get("pods"))
	assert.Nil(t, vs.Get("nodes"))
	views, watchers = vs.Counts()
	assert.Equal(t, [2]int{0, 0}, [2]int{views, watchers})
}

func TestViewsUndoOnFailureAndAfterClose(t *testing.T) {
	t.Parallel()
	fc := &fakeCache{held: map[cache.Key]bool{}}
	vs := NewViews[string](fc.has)
	_, _, _, err := vs.Watch("pods", false, func() (string, error) { return "", errors.New("listsView threw") })
	require.EqualError(t, err, "listsView threw")
	views, watchers := vs.Counts()
	assert.Equal(t, [2]int{0, 0}, [2]int{views, watchers}, "a failed create adds nothing")

	id, v, _, err := vs.Watch("pods", false, func() (string, error) { return "v", nil })
	require.NoError(t, err)
	_, unsub := vs.Release(id) // e.g. listsListen failed before the subscription
	assert.Nil(t, unsub)
	_, ok := vs.Started(v, fc.unsubscribe, 1)
	assert.False(t, ok, "a subscription that comes after the last watcher left is the caller's to end")

	vs.Close()
	_, _, _, err = vs.Watch("pods", false, func() (string, error) { return "v", nil })
	require.ErrorIs(t, err, ErrClosed)
}
