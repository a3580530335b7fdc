package live

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHandlesNeverReuseAnID(t *testing.T) {
	t.Parallel()
	hs := NewHandles[string]()
	a, ok := hs.Add("a")
	require.True(t, ok)
	b, _ := hs.Add("b")
	assert.Equal(t, []uint64{1, 2}, []uint64{a, b})
	h, ok := hs.Remove(a)
	assert.True(t, ok)
	assert.Equal(t, "a", h)
	_, ok = hs.Remove(a)
	assert.False(t, ok, "Remove is idempotent")
	c, _ := hs.Add("c")
	assert.Equal(t, uint64(3), c, "a removed id is not given again")
	_, ok = hs.Get(a)
	assert.False(t, ok)
	h, ok = hs.Get(c)
	assert.True(t, ok)
	assert.Equal(t, "c", h)
	assert.Equal(t, 2, hs.Len())

	assert.ElementsMatch(t, []string{"b", "c"}, hs.Close())
	assert.Zero(t, hs.Len())
	id, ok := hs.Add("late")
	assert.False(t, ok, "Add refuses after Close")
	assert.Zero(t, id)
	assert.Empty(t, hs.Close())
}

func TestHandlesUnderConcurrentUse(t *testing.T) {
	t.Parallel()
	hs := NewHandles[int]()
	var wg sync.WaitGroup
	ids := make(chan uint64, 800)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				id, ok := hs.Add(g*100 + i)
				if ok && i%2 == 0 {
					hs.Remove(id)
					continue
				}
				ids <- id
			}
		}()
	}
	wg.Wait()
	close(ids)
	seen := map[uint64]bool{}
	for id := range ids {
		assert.False(t, seen[id], "id %d given twice", id)
		seen[id] = true
	}
	assert.Equal(t, 400, hs.Len())
}
