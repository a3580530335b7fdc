package persist

import (
	"bytes"
	"crypto/rand"
	"errors"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/cache"
	"github.com/kubelive/kubelive/internal/clock"
	"github.com/kubelive/kubelive/internal/wire"
)

// memBackend is a fake Backend: a sorted map, like IndexedDB's keys.
type memBackend struct {
	mu   sync.Mutex
	data map[string][]byte
}

func newMemBackend() *memBackend { return &memBackend{data: map[string][]byte{}} }

func (m *memBackend) Put(k string, v []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.data[k] = bytes.Clone(v)
	return nil
}

func (m *memBackend) Delete(k string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.data, k)
	return nil
}

func (m *memBackend) Get(k string) ([]byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.data[k]
	return v, ok, nil
}

func (m *memBackend) Range(lo, hi string) (map[string][]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string][]byte{}
	for k, v := range m.data {
		if lo <= k && k < hi {
			out[k] = v
		}
	}
	return out, nil
}

func (m *memBackend) DeleteRange(lo, hi string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k := range m.data {
		if lo <= k && k < hi {
			delete(m.data, k)
		}
	}
	return nil
}

// records returns the keys holding snapshots (not the meta keys).
func (m *memBackend) records() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for k := range m.data {
		if strings.Contains(k, "/") && !strings.HasPrefix(k, principalKey) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// everything returns every stored byte, to look for what must not be there.
func (m *memBackend) everything() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var b strings.Builder
	for k, v := range m.data {
		b.WriteString(k)
		b.Write(v)
	}
	return b.String()
}

type warmEnv struct {
	t     *testing.T
	b     *memBackend
	clk   *clock.Fake
	warns []string
	mu    sync.Mutex
}

func (e *warmEnv) open(token string, exclude ...string) *Warm {
	e.t.Helper()
	w, err := Open(e.b, Options{BaseURL: "http://h", Token: token, Exclude: exclude, Clock: e.clk, Interval: time.Hour,
		Random: func(p []byte) error { _, err := rand.Read(p); return err },
		Warn:   func(m string) { e.mu.Lock(); e.warns = append(e.warns, m); e.mu.Unlock() }})
	require.NoError(e.t, err)
	e.t.Cleanup(w.Close)
	return w
}

func newWarmEnv(t *testing.T) *warmEnv {
	return &warmEnv{t: t, b: newMemBackend(), clk: clock.NewFake()}
}

// saved opens a Warm for token and writes the pods at rv (n of them).
func (e *warmEnv) saved(token, rv string, n int) *Warm {
	e.t.Helper()
	w := e.open(token)
	w.Changed(keyOf(e.t, podsQ), podsQ, ref, exportOf(rv, pods(n)))
	w.Flush()
	require.Len(e.t, e.b.records(), 1)
	return w
}

// seedPods is Seed of the pods' list.
func seedPods(t *testing.T, w *Warm) (items []wire.Item, rv string, at time.Time, ok bool) {
	return w.Seed(keyOf(t, podsQ), podsQ, ref)
}

func (e *warmEnv) warnings() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.warns...)
}

var (
	podsQ    = cache.Query{Endpoint: cache.Endpoint{Version: "v1", Resource: "pods"}, Lists: []cache.ListRef{{Cluster: "demo", Namespace: "default"}}}
	secretsQ = cache.Query{Endpoint: cache.Endpoint{Version: "v1", Resource: "secrets"}, Lists: []cache.ListRef{{Cluster: "demo", Namespace: "default"}}}
	ref      = cache.ListRef{Cluster: "demo", Namespace: "default"}
)

func keyOf(t *testing.T, q cache.Query) cache.Key {
	k, err := q.Key()
	require.NoError(t, err)
	return k
}

func exportOf(rv string, items []wire.Item) func() ([]wire.Item, string) {
	return func() ([]wire.Item, string) { return items, rv }
}

func TestWarmRoundTripAcrossLoads(t *testing.T) {
	env := newWarmEnv(t)
	const token = "tok-A-s3cret"
	w := env.open(token)
	_, _, _, ok := seedPods(t, w)
	assert.False(t, ok, "nothing stored yet")
	w.Changed(keyOf(t, podsQ), podsQ, ref, exportOf("42", pods(2)))
	w.Changed(keyOf(t, secretsQ), secretsQ, ref, exportOf("43", pods(1)))
	w.Flush()
	require.Len(t, env.b.records(), 1, "the pods only: Secrets are never written")
	assert.NotContains(t, env.b.everything(), token, "the token is stored nowhere")

	w2 := env.open(token)
	items, rv, at, ok := seedPods(t, w2)
	require.True(t, ok)
	assert.Equal(t, "42", rv)
	assert.True(t, at.Equal(env.clk.Now().Truncate(time.Millisecond)))
	assert.Len(t, items, 2)
	_, _, _, ok = seedPods(t, w2)
	assert.False(t, ok, "a seed is taken once")
	assert.Empty(t, env.warnings())
}

func TestWarmExcludedResourcesAreNeverWrittenNorRead(t *testing.T) {
	env := newWarmEnv(t)
	env.saved("t", "42", 2)
	w2 := env.open("t", "pods")
	_, _, _, ok := seedPods(t, w2)
	assert.False(t, ok, "an excluded resource is not shown, even if stored before")
	w2.Changed(keyOf(t, podsQ), podsQ, ref, exportOf("50", pods(3)))
	w2.Flush()
	assert.Zero(t, w2.Writes())
}

func TestWarmAnotherTokenSeesNothingAndClearsTheOld(t *testing.T) {
	env := newWarmEnv(t)
	env.saved("token-1", "42", 2).Close()
	w2 := env.open("token-2")
	assert.Empty(t, env.b.records(), "a new token clears the old one's data")
	_, _, _, ok := seedPods(t, w2)
	assert.False(t, ok)
	w3 := env.open("token-1")
	_, _, _, ok = seedPods(t, w3)
	assert.False(t, ok, "and the old token's data is gone for good")
}

func TestWarmIgnoresABadRecordWithAWarning(t *testing.T) {
	for name, corrupt := range map[string]func([]byte) []byte{
		"garbage":   func([]byte) []byte { return []byte("garbage") },
		"truncated": func(b []byte) []byte { return b[:len(b)/2] },
		"old format": func([]byte) []byte {
			b, _ := (&Record{Format: 0, Key: "x", ResourceVersion: "1"}).MarshalMsg(nil)
			return b
		},
	} {
		t.Run(name, func(t *testing.T) {
			env := newWarmEnv(t)
			env.saved("t", "42", 2)
			keys := env.b.records()
			v, _, _ := env.b.Get(keys[0])
			require.NoError(t, env.b.Put(keys[0], corrupt(v)))
			w2 := env.open("t")
			_, _, _, ok := seedPods(t, w2)
			assert.False(t, ok, "never trusted")
			warns := env.warnings()
			require.Len(t, warns, 1)
			assert.Contains(t, warns[0], "ignored the persisted pods of demo/default")
			w2.Flush()
			assert.Empty(t, env.b.records(), "and deleted")
		})
	}
}

func TestWarmClearEmptiesTheStore(t *testing.T) {
	env := newWarmEnv(t)
	w := env.saved("t", "42", 2)
	w.Changed(keyOf(t, podsQ), podsQ, ref, exportOf("43", pods(2)))
	require.NoError(t, w.Clear())
	assert.Empty(t, env.b.records())
	w.Flush()
	assert.Empty(t, env.b.records(), "a write pending before Clear is dropped")
	w.Changed(keyOf(t, podsQ), podsQ, ref, exportOf("44", pods(2)))
	w.Flush()
	w2 := env.open("t")
	_, rv, _, ok := seedPods(t, w2)
	require.True(t, ok, "a list written after Clear is found by the next load")
	assert.Equal(t, "44", rv)
}

func TestOpenNeedsRandomnessForANewSalt(t *testing.T) {
	t.Parallel()
	_, err := Open(newMemBackend(), Options{Clock: clock.NewFake()})
	require.ErrorContains(t, err, "no source of randomness")
	failing := func([]byte) error { return errors.New("no entropy") }
	_, err = Open(newMemBackend(), Options{Clock: clock.NewFake(), Random: failing})
	require.ErrorContains(t, err, "make a salt: no entropy")
}

func TestOpenRefusesABadExclude(t *testing.T) {
	_, err := Open(newMemBackend(), Options{Exclude: []string{"Pods"}, Clock: clock.NewFake()})
	require.ErrorContains(t, err, "persist.exclude[0]")
}
