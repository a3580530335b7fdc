package persist

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/clock"
	"github.com/kubelive/kubelive/internal/wire"
)

func pods(n int) []wire.Item {
	out := make([]wire.Item, n)
	for i := range out {
		name := "p" + string(rune('a'+i))
		out[i] = wire.Item{UID: "u-" + name, Namespace: "default", Name: name, ResourceVersion: "1" + name,
			Raw: []byte(`{"metadata":{"name":"` + name + `"}}`)}
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	at := time.UnixMilli(1_700_000_000_123)
	data, err := Encode("k", "42", at, pods(3))
	require.NoError(t, err)
	s, err := Decode("k", data)
	require.NoError(t, err)
	assert.Equal(t, "42", s.ResourceVersion)
	assert.True(t, s.SavedAt.Equal(at))
	require.Len(t, s.Items, 3)
	for i, it := range pods(3) {
		it.Owned = true
		assert.Equal(t, it, s.Items[i])
	}
}

func TestEncodeNeedsAResumePoint(t *testing.T) {
	_, err := Encode("k", "", time.Now(), pods(1))
	require.ErrorContains(t, err, "no resourceVersion")
}

func TestDecodeNeverTrustsABadRecord(t *testing.T) {
	good, err := Encode("k", "42", time.Now(), pods(2))
	require.NoError(t, err)
	encode := func(r Record) []byte {
		b, err := r.MarshalMsg(nil)
		require.NoError(t, err)
		return b
	}
	okObj := Object{UID: "u", Name: "n", ResourceVersion: "1", Raw: []byte(`{}`)}
	cases := []struct {
		name string
		key  string
		data []byte
		want error
		msg  string
	}{
		{"empty", "k", nil, ErrCorrupt, "0 bytes"},
		{"garbage", "k", []byte("not msgpack at all"), ErrCorrupt, "not a snapshot"},
		{"truncated", "k", good[:len(good)-5], ErrCorrupt, "not a snapshot"},
		{"trailing bytes", "k", append(append([]byte{}, good...), 0xc0), ErrCorrupt, "after the snapshot"},
		{"old format", "k", encode(Record{Format: 0, Key: "k", ResourceVersion: "1"}), ErrFormat, "format 0"},
		{"newer format", "k", encode(Record{Format: Format + 1, Key: "k", ResourceVersion: "1"}), ErrFormat, "this release reads"},
		{"other key", "other", good, ErrCorrupt, "another key"},
		{"no resourceVersion", "k", encode(Record{Format: Format, Key: "k"}), ErrCorrupt, "no resourceVersion"},
		{"object without uid", "k", encode(Record{Format: Format, Key: "k", ResourceVersion: "1", Items: []Object{okObj, {Name: "n", ResourceVersion: "1", Raw: []byte(`{}`)}}}), ErrCorrupt, "object 1"},
		{"object without name", "k", encode(Record{Format: Format, Key: "k", ResourceVersion: "1", Items: []Object{{UID: "u", ResourceVersion: "1", Raw: []byte(`{}`)}}}), ErrCorrupt, "object 0"},
		{"object without rv", "k", encode(Record{Format: Format, Key: "k", ResourceVersion: "1", Items: []Object{{UID: "u", Name: "n", Raw: []byte(`{}`)}}}), ErrCorrupt, "object 0"},
		{"object not JSON", "k", encode(Record{Format: Format, Key: "k", ResourceVersion: "1", Items: []Object{{UID: "u", Name: "n", ResourceVersion: "1", Raw: []byte(`[1]`)}}}), ErrCorrupt, "JSON body"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(tc.key, tc.data)
			require.ErrorIs(t, err, tc.want)
			assert.Contains(t, err.Error(), tc.msg)
		})
	}
}

func TestKeysHideTheTokenAndSeparateIdentities(t *testing.T) {
	salt := []byte("0123456789abcdef")
	const token = "s3cret-token-value"
	a := Identity(salt, "http://h", token, "")
	assert.NotContains(t, a, token)
	assert.Len(t, a, 64)
	assert.Equal(t, a, Identity(salt, "http://h", token, ""), "stable for one identity")
	for name, other := range map[string]string{
		"another token":   Identity(salt, "http://h", token+"x", ""),
		"another user":    Identity(salt, "http://h", token, "u2"),
		"another backend": Identity(salt, "http://g", token, ""),
		"another salt":    Identity([]byte("fedcba9876543210"), "http://h", token, ""),
		"shifted parts":   Identity(salt, "http://h"+token[:1], token[1:], ""),
	} {
		assert.NotEqual(t, a, other, name)
	}
	p := Principal(salt, "http://h", "")
	assert.NotEqual(t, p, a)
	k := StoreKey(a, `{"lists":[{"namespace":"team-secret"}]}`, "demo", "team-secret")
	assert.True(t, strings.HasPrefix(k, a+"/"))
	assert.NotContains(t, k, "team-secret")
	lo, hi := IdentityRange(a)
	assert.True(t, lo <= k && k < hi, "the key is in its identity's range")
	assert.NotEqual(t, k, StoreKey(a, `{}`, "demo", "team-secret"))
	assert.NotEqual(t, k, StoreKey(a, `{"lists":[{"namespace":"team-secret"}]}`, "demo2", "team-secret"))
	b := Identity(salt, "http://h", "other", "")
	blo, bhi := IdentityRange(b)
	assert.False(t, blo <= k && k < bhi, "another identity's range holds none of its keys")
}

func TestPolicy(t *testing.T) {
	p, err := NewPolicy([]string{"configmaps", "deployments.apps"})
	require.NoError(t, err)
	for _, tc := range []struct {
		group, resource string
		want            bool
	}{
		{"", "pods", true},
		{"", "secrets", false},
		{"", "configmaps", false},
		{"apps", "deployments", false},
		{"apps", "replicasets", true},
		{"demo.kubelive.io", "secrets", true}, // only core Secrets are Secrets
	} {
		assert.Equal(t, tc.want, p.Allowed(tc.group, tc.resource), "%s/%s", tc.group, tc.resource)
	}
	var zero Policy
	assert.False(t, zero.Allowed("", "secrets"), "even without exclusions")
	assert.True(t, zero.Allowed("", "pods"))
	for _, bad := range []string{"", "Pods", " pods", "apps/deployments"} {
		_, err := NewPolicy([]string{"pods", bad})
		require.Error(t, err, bad)
		assert.Contains(t, err.Error(), "persist.exclude[1]")
	}
}

// memStore is a fake Store that records its calls.
type memStore struct {
	mu   sync.Mutex
	data map[string][]byte
	puts []string
	put  chan string
}

func newMemStore() *memStore {
	return &memStore{data: map[string][]byte{}, put: make(chan string, 64)}
}

func (m *memStore) Put(key string, v []byte) error {
	m.mu.Lock()
	m.data[key] = v
	m.puts = append(m.puts, key)
	m.mu.Unlock()
	m.put <- key
	return nil
}

func (m *memStore) Delete(key string) error {
	m.mu.Lock()
	delete(m.data, key)
	m.mu.Unlock()
	m.put <- "-" + key
	return nil
}

func (m *memStore) waitPut(t *testing.T) string {
	t.Helper()
	select {
	case k := <-m.put:
		return k
	case <-time.After(10 * time.Second):
		t.Fatal("no write")
		return ""
	}
}

func (m *memStore) noPut(t *testing.T, clk *clock.Fake) {
	t.Helper()
	// The writer re-arms its timer after every wake; once it waits on a
	// timer again, nothing more is written until the clock moves.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, ok := clk.WaitArmed(ctx)
	require.True(t, ok)
	select {
	case k := <-m.put:
		t.Fatalf("unexpected write of %s", k)
	default:
	}
}

func constant(b string) Encoder {
	return func() ([]byte, bool, error) { return []byte(b), true, nil }
}

func TestWriterWritesAtMostOncePerInterval(t *testing.T) {
	clk := clock.NewFake()
	st := newMemStore()
	w := NewWriter(st, clk, 3*time.Second, nil)
	defer w.Close()

	w.Mark("a", constant("1"))
	assert.Equal(t, "a", st.waitPut(t), "the first change is written at once")
	w.Mark("a", constant("2"))
	w.Mark("b", constant("3"))
	st.noPut(t, clk)
	clk.Advance(2 * time.Second)
	st.noPut(t, clk)
	clk.Advance(time.Second)
	got := []string{st.waitPut(t), st.waitPut(t)}
	assert.ElementsMatch(t, []string{"a", "b"}, got)
	st.mu.Lock()
	assert.Equal(t, "2", string(st.data["a"]), "the last state is written")
	st.mu.Unlock()
	assert.Equal(t, 3, w.Writes())
}

func TestWriterFlushWritesPendingNow(t *testing.T) {
	clk := clock.NewFake()
	st := newMemStore()
	w := NewWriter(st, clk, time.Hour, nil)
	defer w.Close()
	w.Mark("a", constant("1"))
	st.waitPut(t)
	w.Mark("a", constant("2"))
	w.Mark("gone", func() ([]byte, bool, error) { return nil, false, nil })
	w.Mark("dropped", constant("x"))
	w.Forget("dropped")
	assert.Equal(t, 2, w.Pending())
	w.Flush() // the page hides: no waiting for the interval
	assert.Equal(t, 0, w.Pending())
	assert.ElementsMatch(t, []string{"a", "-gone"}, []string{st.waitPut(t), st.waitPut(t)})
	st.mu.Lock()
	assert.Equal(t, "2", string(st.data["a"]))
	_, kept := st.data["dropped"]
	st.mu.Unlock()
	assert.False(t, kept, "a forgotten key is never written")
}

func TestWriterReportsFailures(t *testing.T) {
	clk := clock.NewFake()
	st := newMemStore()
	errs := make(chan error, 4)
	w := NewWriter(st, clk, time.Second, func(err error) { errs <- err })
	defer w.Close()
	w.Mark("a", func() ([]byte, bool, error) { return nil, false, assert.AnError })
	w.Flush()
	select {
	case err := <-errs:
		require.ErrorIs(t, err, assert.AnError)
	case <-time.After(10 * time.Second):
		t.Fatal("no error reported")
	}
	assert.Equal(t, 0, w.Writes())
}
