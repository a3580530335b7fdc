package live

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestScratchReusesOneBufferAndNeverLendsItTwice(t *testing.T) {
	t.Parallel()
	s := &Scratch{Max: 1 << 10}
	a := s.Take(100)
	require.GreaterOrEqual(t, cap(a), 100)
	require.Empty(t, a)
	a = append(a, "first delta"...)

	b := s.Take(10) // a is still lent: b is other memory
	b = append(b, "second"...)
	assert.Equal(t, "first delta", string(a), "a second Take while the first is lent does not alias it")

	s.Give(a)
	c := s.Take(50)
	assert.Same(t, &a[:1][0], &c[:1][0], "a given buffer serves the next Take")
	assert.Empty(t, c)
	d := s.Take(50)
	c = append(c, "third"...)
	d = append(d, "fourth"...)
	assert.Equal(t, "third", string(c), "the lent buffer is lent once")
	assert.Equal(t, "fourth", string(d))

	s.Give(c)
	e := s.Take(200) // more than the buffer kept holds: a new one
	assert.GreaterOrEqual(t, cap(e), 200)
	s.Give(e)
	assert.GreaterOrEqual(t, cap(s.Take(0)), 200, "the buffer given back is the one kept")

	big := make([]byte, 0, 2<<10)
	s.Give(big)
	assert.Less(t, cap(s.Take(0)), 2<<10, "a buffer over Max is not kept")
	s.Give(nil)
}
