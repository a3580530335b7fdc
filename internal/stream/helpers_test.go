package stream

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/clock"
	"github.com/kubelive/kubelive/internal/conntest"
)

// patience bounds every wait of these tests; nothing sleeps.
const patience = 5 * time.Second

// recv returns the next value of ch, failing the test after patience.
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(patience):
		require.FailNow(t, "timed out waiting for "+what)
	}
	var zero T
	return zero
}

// nextAttempt returns the next dial, failing the test if none comes.
func nextAttempt(t *testing.T, d *conntest.Dialer) *conntest.Attempt {
	t.Helper()
	a := d.Next(patience)
	require.NotNil(t, a, "expected a dial attempt")
	return a
}

// armed returns the delay of the next timer the code under test arms.
func armed(t *testing.T, clk *clock.Fake) time.Duration {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	d, ok := clk.WaitArmed(ctx)
	require.True(t, ok, "expected a timer to be armed")
	return d
}

// waitDone waits until a Stream's goroutine has exited.
func waitDone(t *testing.T, s *Stream) {
	t.Helper()
	select {
	case <-s.Done():
	case <-time.After(patience):
		require.FailNow(t, "stream goroutine still running")
	}
}

// states records a Stream's state changes on a channel.
func states() (func(State), chan State) {
	ch := make(chan State, 256)
	return func(s State) { ch <- s }, ch
}

// waitState consumes state changes until want, failing after patience.
func waitState(t *testing.T, ch <-chan State, want State) {
	t.Helper()
	for {
		if recv(t, ch, "state "+want.String()) == want {
			return
		}
	}
}

func ptr[T any](v T) *T { return &v }
