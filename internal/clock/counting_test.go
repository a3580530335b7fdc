package clock

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestCountingCountsArmedTimers(t *testing.T) {
	t.Parallel()
	f := NewFake()
	c := &Counting{Clock: f}
	assert.Equal(t, 0, c.Armed())
	a := c.NewTimer(time.Second)
	b := c.NewTimer(3 * time.Second)
	assert.Equal(t, 2, c.Armed())
	assert.True(t, a.Stop())
	assert.Equal(t, 1, c.Armed(), "a stopped timer is not armed")
	f.Advance(3 * time.Second)
	<-b.C()
	assert.Equal(t, 0, c.Armed(), "a fired timer is not armed")
	assert.False(t, b.Stop())
	assert.Equal(t, 0, c.Armed())
	for range 1000 { // fired timers never stopped do not pile up
		c.NewTimer(time.Millisecond)
		f.Advance(time.Millisecond)
	}
	c.mu.Lock()
	kept := len(c.timers)
	c.mu.Unlock()
	assert.Less(t, kept, 200)
	assert.Equal(t, 0, c.Armed())
}
