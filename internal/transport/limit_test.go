package transport_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/transport"
)

// gateDialer blocks every Dial until release is closed, counting the
// handshakes in flight and the most seen at once.
type gateDialer struct {
	release  chan struct{}
	inFlight atomic.Int32
	most     atomic.Int32
	started  chan struct{}
}

func (g *gateDialer) Dial(ctx context.Context, url string, _ transport.DialOptions) (transport.Conn, error) {
	n := g.inFlight.Add(1)
	defer g.inFlight.Add(-1)
	for {
		m := g.most.Load()
		if n <= m || g.most.CompareAndSwap(m, n) {
			break
		}
	}
	g.started <- struct{}{}
	select {
	case <-g.release:
		return nil, errors.New("refused: " + url)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func TestLimitDialerLetsNHandshakesAtATime(t *testing.T) {
	t.Parallel()
	g := &gateDialer{release: make(chan struct{}), started: make(chan struct{}, 20)}
	d := transport.LimitDialer(g, 4)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := d.Dial(context.Background(), "ws://x", transport.DialOptions{})
			assert.ErrorContains(t, err, "refused")
		}()
	}
	for i := 0; i < 4; i++ {
		<-g.started // four handshakes start; the others must wait
	}
	select {
	case <-g.started:
		t.Fatal("a fifth handshake started while four were in flight")
	case <-time.After(50 * time.Millisecond): // a negative check: nothing may happen within it
	}
	close(g.release) // every handshake ends, so the waiting ones go in turn
	wg.Wait()
	assert.Equal(t, int32(4), g.most.Load())
}

func TestLimitDialerWaiterHonoursItsContext(t *testing.T) {
	t.Parallel()
	g := &gateDialer{release: make(chan struct{}), started: make(chan struct{}, 2)}
	d := transport.LimitDialer(g, 1)
	go func() { _, _ = d.Dial(context.Background(), "ws://first", transport.DialOptions{}) }()
	<-g.started
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := d.Dial(ctx, "ws://second", transport.DialOptions{})
		done <- err
	}()
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	close(g.release)
	// the cancelled waiter took no slot: a new dial goes through at once
	_, err := d.Dial(context.Background(), "ws://third", transport.DialOptions{})
	require.ErrorContains(t, err, "refused: ws://third")
}
