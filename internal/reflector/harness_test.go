package reflector_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/clock"
	"github.com/kubelive/kubelive/internal/reflector"
	rt "github.com/kubelive/kubelive/internal/reflector/reflectortest"
)

// harness runs one Reflector against the fake ListerWatcher.
type harness struct {
	t        *testing.T
	lw       *rt.LW
	store    *rt.Store
	clk      *clock.Fake
	r        *reflector.Reflector
	statuses chan reflector.Status
	done     chan error
	cancel   context.CancelFunc
}

func start(t *testing.T, mod func(*reflector.Config)) *harness {
	t.Helper()
	h := &harness{t: t, lw: rt.New(), store: rt.NewStore(), clk: clock.NewFake(),
		statuses: make(chan reflector.Status, 256), done: make(chan error, 1)}
	cfg := reflector.Config{
		Name: "demo/shop pods", ListerWatcher: h.lw, Store: h.store, Clock: h.clk,
		Rand:     func() float64 { return 0.5 },
		OnStatus: func(s reflector.Status) { h.statuses <- s },
	}
	if mod != nil {
		mod(&cfg)
	}
	h.r = reflector.New(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.done <- h.r.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-h.done:
		case <-time.After(rt.Deadline):
			t.Error("Run did not return after cancel")
		}
		assert.Zero(t, h.clk.Pending(), "a timer outlived Run")
	})
	return h
}

// stop cancels Run and returns its error.
func (h *harness) stop() error {
	h.cancel()
	return h.wait()
}

// wait returns Run's error.
func (h *harness) wait() error {
	h.t.Helper()
	select {
	case err := <-h.done:
		h.done <- err // for Cleanup
		return err
	case <-time.After(rt.Deadline):
		h.t.Fatal("Run did not return")
		return nil
	}
}

// status waits until a reported status has phase.
func (h *harness) status(phase reflector.Phase) reflector.Status {
	h.t.Helper()
	deadline := time.After(rt.Deadline)
	for {
		select {
		case s := <-h.statuses:
			if s.Phase == phase {
				return s
			}
		case <-deadline:
			h.t.Fatalf("no %s status", phase)
		}
	}
}

// armed waits for the next timer and returns its duration.
func (h *harness) armed() time.Duration {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), rt.Deadline)
	defer cancel()
	d, ok := h.clk.WaitArmed(ctx)
	require.True(h.t, ok, "no timer armed")
	return d
}

// call expects the next Store call.
func (h *harness) call(op, rv string, uids ...string) rt.Call {
	h.t.Helper()
	c := h.store.Next(h.t)
	require.Equal(h.t, op, c.Op)
	assert.Equal(h.t, rv, c.RV)
	got := []string{}
	for _, it := range c.Items {
		got = append(got, it.UID)
	}
	if uids == nil {
		uids = []string{}
	}
	assert.Equal(h.t, uids, got)
	return c
}

// listed answers the next List with objs at rv and checks the Replace.
func (h *harness) listed(rv string, objs ...rt.Obj) *rt.ListCall {
	h.t.Helper()
	lc := h.lw.NextList(h.t)
	lc.Reply(rt.ListBody(rv, objs...))
	uids := []string{}
	for _, o := range objs {
		uids = append(uids, o.UID)
	}
	h.call("replace", rv, uids...)
	return lc
}

// watching accepts the next Watch, checking it resumes from rv.
func (h *harness) watching(rv string) (*rt.Watch, reflector.WatchOptions) {
	h.t.Helper()
	wc := h.lw.NextWatch(h.t)
	require.Equal(h.t, rv, wc.Opts.ResourceVersion, "the watch must resume from the last RV")
	return wc.Accept(), wc.Opts
}

func obj(uid, rv string) rt.Obj {
	return rt.Obj{UID: uid, Namespace: "shop", Name: "pod-" + uid, RV: rv}
}

// startWithA starts a Reflector that listed at "10" and applied pod a at "11"
// from the watch it returns.
func startWithA(t *testing.T) (*harness, *rt.Watch) {
	t.Helper()
	h := start(t, nil)
	h.listed("10")
	w, _ := h.watching("10")
	w.Add(obj("a", "11"))
	h.call("upsert", "11", "a")
	return h, w
}
