package cache

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/clock"
	"github.com/kubelive/kubelive/internal/reflector"
	rt "github.com/kubelive/kubelive/internal/reflector/reflectortest"
)

// manual is a Scheduler that runs flushes when the test says so.
type manual struct {
	mu sync.Mutex
	q  []func()
}

func (m *manual) Schedule(f func()) {
	m.mu.Lock()
	m.q = append(m.q, f)
	m.mu.Unlock()
}

// run runs the scheduled flushes and returns how many there were.
func (m *manual) run() int {
	m.mu.Lock()
	q := m.q
	m.q = nil
	m.mu.Unlock()
	for _, f := range q {
		f()
	}
	return len(q)
}

// source hands out one fake ListerWatcher per list.
type source struct {
	mu  sync.Mutex
	lws map[ListRef]*rt.LW
}

func (s *source) ListerWatcher(t Target) reflector.ListerWatcher { return s.lw(t.ListRef) }

func (s *source) lw(ref ListRef) *rt.LW {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lws[ref] == nil {
		s.lws[ref] = rt.New()
	}
	return s.lws[ref]
}

type harness struct {
	t      *testing.T
	c      *Cache
	clk    *clock.Fake
	sched  *manual
	src    *source
	panics chan any
}

func newHarness(t *testing.T, mod func(*Config)) *harness {
	t.Helper()
	h := &harness{t: t, clk: clock.NewFake(), sched: &manual{}, src: &source{lws: map[ListRef]*rt.LW{}}, panics: make(chan any, 16)}
	cfg := Config{Source: h.src, Clock: h.clk, Scheduler: h.sched, Rand: func() float64 { return 0.5 },
		OnListenerPanic: func(_ Key, v any) { h.panics <- v }}
	if mod != nil {
		mod(&cfg)
	}
	h.c = New(cfg)
	t.Cleanup(func() {
		h.c.Close()
		assert.Zero(t, h.clk.Pending(), "a timer outlived Close")
	})
	return h
}

func (h *harness) lw(cluster, ns string) *rt.LW { return h.src.lw(ListRef{cluster, ns}) }

// recorder collects the deltas of one subscription.
type recorder struct {
	mu     sync.Mutex
	deltas []*Delta
}

func (r *recorder) fn(d *Delta) {
	r.mu.Lock()
	r.deltas = append(r.deltas, d)
	r.mu.Unlock()
}

func (r *recorder) all() []*Delta {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*Delta(nil), r.deltas...)
}

var pods = Endpoint{Version: "v1", Resource: "pods"}

func query(lists ...ListRef) Query { return Query{Endpoint: pods, Lists: lists} }

func (h *harness) subscribe(q Query) (*Snapshot, *recorder, func()) {
	h.t.Helper()
	rec := &recorder{}
	snap, unsub, err := h.c.Subscribe(q, rec.fn)
	require.NoError(h.t, err)
	return snap, rec, unsub
}

func (h *harness) entry(q Query) *entry {
	h.t.Helper()
	key, err := q.Key()
	require.NoError(h.t, err)
	h.c.mu.Lock()
	defer h.c.mu.Unlock()
	return h.c.entries[key]
}

// settle waits until the list of q at index i has received resourceVersion
// rv (every event up to it is applied), then runs the scheduled flushes.
func (h *harness) settle(q Query, i int, rv string) {
	h.t.Helper()
	h.received(q, i, rv)
	h.sched.run()
}

// received waits until the list of q at index i has received resourceVersion
// rv, and flushes nothing: what it received is not committed yet.
func (h *harness) received(q Query, i int, rv string) *entry {
	h.t.Helper()
	e := h.entry(q)
	require.NotNil(h.t, e)
	require.Eventually(h.t, func() bool {
		e.mu.Lock()
		defer e.mu.Unlock()
		return e.lists[i].rv == rv
	}, rt.Deadline, time.Millisecond, "list %d never reached %s", i, rv)
	return e
}

// phase waits until the list of q at index i reports phase, then flushes.
func (h *harness) phase(q Query, i int, p reflector.Phase) {
	h.t.Helper()
	e := h.entry(q)
	require.Eventually(h.t, func() bool {
		e.mu.Lock()
		defer e.mu.Unlock()
		return e.lists[i].listStatus(h.clk.Now()).Phase == p
	}, rt.Deadline, time.Millisecond, "list %d never reached %s", i, p)
	h.sched.run()
}

// advanceTo waits until the sweeper armed a timer of d, then advances d.
func (h *harness) advanceTo(d time.Duration) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), rt.Deadline)
	defer cancel()
	for {
		got, ok := h.clk.WaitArmed(ctx)
		require.True(h.t, ok, "no timer of %v armed", d)
		if got == d {
			h.clk.Advance(d)
			return
		}
	}
}

// live lists objs at rv on the list's LW and accepts the watch from rv.
func live(t *testing.T, lw *rt.LW, rv string, objs ...rt.Obj) *rt.Watch {
	t.Helper()
	lw.NextList(t).Reply(rt.ListBody(rv, objs...))
	wc := lw.NextWatch(t)
	require.Equal(t, rv, wc.Opts.ResourceVersion)
	return wc.Accept()
}

func pod(ns, name, rv string) rt.Obj {
	return rt.Obj{UID: "uid-" + ns + "-" + name, Namespace: ns, Name: name, RV: rv}
}

// names returns "ns/name@cluster" of items, in order.
func names(items []*Item) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, it.Namespace+"/"+it.Name+"@"+it.Cluster)
	}
	return out
}
