package backoff

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestCeilingDoublesToCap(t *testing.T) {
	t.Parallel()
	want := []time.Duration{800, 1600, 3200, 6400, 12800, 25600, 30000, 30000}
	for n, w := range want {
		assert.Equal(t, w*time.Millisecond, Default.Ceiling(n), "attempt %d", n)
	}
	assert.Equal(t, 30*time.Second, Default.Ceiling(1000))
}

func TestNextIsFullJitter(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		rnd  float64
		want []time.Duration
	}{
		{"zero", 0, []time.Duration{0, 0, 0}},
		{"half", 0.5, []time.Duration{400 * time.Millisecond, 800 * time.Millisecond, 1600 * time.Millisecond}},
		{"top", 0.999, []time.Duration{799200 * time.Microsecond, 1598400 * time.Microsecond, 3196800 * time.Microsecond}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := New(Default, func() float64 { return tc.rnd })
			for i, w := range tc.want {
				assert.Equal(t, w, b.Next(), "attempt %d", i)
			}
			assert.Equal(t, len(tc.want), b.Attempts())
		})
	}
}

func TestHealthyResetsOnlyAfterTwoMinutes(t *testing.T) {
	t.Parallel()
	b := New(Default, func() float64 { return 0.5 })
	b.Next()
	b.Next()
	b.Healthy(119 * time.Second)
	assert.Equal(t, 1600*time.Millisecond, b.Next(), "short health keeps growing")
	b.Healthy(2 * time.Minute)
	assert.Equal(t, 400*time.Millisecond, b.Next(), "two minutes healthy resets")
}

func TestDefaultRandomStaysInBounds(t *testing.T) {
	t.Parallel()
	b := New(Default, nil)
	for i := range 20 {
		d := b.Next()
		assert.GreaterOrEqual(t, d, time.Duration(0))
		assert.LessOrEqual(t, d, Default.Ceiling(i))
	}
}
