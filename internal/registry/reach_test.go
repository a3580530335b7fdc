package registry

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/backoff"
	"github.com/kubelive/kubelive/internal/clock"
	"github.com/kubelive/kubelive/internal/conntest"
	"github.com/kubelive/kubelive/internal/endpoint"
)

// A socket waiting to redial goes soon when another socket to its cluster
// opens (a kick), not at the end of its backoff.
func TestKickCutsTheRedialWait(t *testing.T) {
	t.Parallel()
	ep, err := endpoint.New("http://127.0.0.1:8080", "", "")
	require.NoError(t, err)
	clk, reach := clock.NewFake(), &backoff.Reach{}
	reach.Clock = clk
	d := conntest.NewDialer()
	reg := New(Options{Dialer: d, Endpoint: ep, Clock: clk, Rand: func() float64 { return 0.5 }, Reach: reach})
	t.Cleanup(reg.Close)
	reg.Subscribe(key(t, "demo", "api/v1/pods?watch=1"), Listener{})
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	for _, want := range []time.Duration{400, 800, 1600} {
		a := d.Next(wait)
		require.NotNil(t, a)
		a.Fail(errors.New("connection refused"))
		got, ok := clk.WaitArmed(ctx)
		require.True(t, ok)
		require.Equal(t, want*time.Millisecond, got)
		if want < 1600 {
			clk.Advance(got)
		}
	}
	reach.Kick("demo")
	got, ok := clk.WaitArmed(ctx)
	require.True(t, ok)
	assert.Equal(t, backoff.KickWindow/2, got)
	clk.Advance(got)
	require.NotNil(t, d.Next(wait), "redialed after the kick")
}
