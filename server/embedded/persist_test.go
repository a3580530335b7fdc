package embedded

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
)

// churned returns a seeded store after n churn writes.
func churned(t *testing.T, n int) *Store {
	t.Helper()
	s := NewStore(Options{Seed: 7, Now: fixedNow})
	require.NoError(t, Seed(s, nil, 7))
	c := NewChurn(s, 1, 7)
	for range n {
		require.NoError(t, c.Step())
	}
	return s
}

func listJSON(t *testing.T, s *Store, res string) (string, [][]byte) {
	t.Helper()
	l, err := s.List(res, ListOptions{})
	require.NoError(t, err)
	out := make([][]byte, len(l.Items))
	for i, it := range l.Items {
		out[i] = it.JSON
	}
	return l.ResourceVersion, out
}

func TestSaveLoadKeepsEveryObjectAndTheResourceVersion(t *testing.T) {
	a := churned(t, 500)
	var buf bytes.Buffer
	require.NoError(t, a.Save(&buf))

	b := NewStore(Options{Seed: 7, Now: fixedNow})
	require.NoError(t, b.Load(bytes.NewReader(buf.Bytes())))
	assert.Equal(t, a.ResourceVersion(), b.ResourceVersion())
	for _, res := range []string{Namespaces, Pods, Deployments, ConfigMaps, Events} {
		rvA, itemsA := listJSON(t, a, res)
		rvB, itemsB := listJSON(t, b, res)
		assert.Equal(t, rvA, rvB, res)
		require.Equal(t, len(itemsA), len(itemsB), res)
		for i := range itemsA {
			assert.JSONEq(t, string(itemsA[i]), string(itemsB[i]), "%s #%d", res, i)
		}
	}
	// A loaded store churns on from where the other stopped.
	require.NoError(t, NewChurn(b, 1, 8).Step())
	assert.NotEqual(t, a.ResourceVersion(), b.ResourceVersion())
}

func TestLoadedStoreResumesWatchesFromItsResourceVersionOnly(t *testing.T) {
	a := churned(t, 50)
	var buf bytes.Buffer
	require.NoError(t, a.Save(&buf))
	b := NewStore(Options{Seed: 7, Now: fixedNow})
	require.NoError(t, b.Load(&buf))
	saved := b.ResourceVersion()

	// From the saved resourceVersion: nothing missed, the next write arrives.
	w, err := b.Watch(ConfigMaps, ListOptions{Namespace: "default", ResourceVersion: saved, Watch: true})
	require.NoError(t, err)
	defer w.Stop()
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "after-restart"}}
	st, err := b.Create(ConfigMaps, "default", cm)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	select {
	case <-w.Ready():
	case <-ctx.Done():
		t.Fatal("no event after the restart")
	}
	evs, err := w.Take()
	require.NoError(t, err)
	require.Len(t, evs, 1)
	assert.Equal(t, watch.Added, evs[0].Type)
	assert.JSONEq(t, string(st.JSON), string(evs[0].Object))

	// From before it: 410, as after a compaction (the client relists).
	_, err = b.Watch(ConfigMaps, ListOptions{ResourceVersion: "3", Watch: true})
	assert.True(t, apierrors.IsResourceExpired(err), "got %v", err)

	// New uids never repeat the previous process's.
	uids := map[string]bool{}
	for _, res := range []string{Namespaces, Pods, Deployments, ConfigMaps, Events} {
		l, err := a.List(res, ListOptions{})
		require.NoError(t, err)
		for _, it := range l.Items {
			uids[string(it.Object.GetUID())] = true
		}
	}
	assert.False(t, uids[string(st.Object.GetUID())], "uid %s reused", st.Object.GetUID())
}

func TestLoadRefusesBadSnapshots(t *testing.T) {
	for name, tc := range map[string]struct {
		store func() *Store
		data  string
		want  string
	}{
		"not json":         {data: "{", want: "load embedded cluster"},
		"bad rv":           {data: `{"resourceVersion":"x","objects":{}}`, want: `resourceVersion "x"`},
		"unknown resource": {data: `{"resourceVersion":"5","objects":{"gadgets":[{}]}}`, want: `unknown resource "gadgets"`},
		"object past rv":   {data: `{"resourceVersion":"5","objects":{"configmaps":[{"metadata":{"name":"a","namespace":"d","resourceVersion":"9"}}]}}`, want: `bad resourceVersion "9"`},
		"not empty": {store: func() *Store { return churned(t, 1) }, data: `{"resourceVersion":"5","objects":{}}`,
			want: "not empty"},
	} {
		t.Run(name, func(t *testing.T) {
			s := NewStore(Options{Seed: 1})
			if tc.store != nil {
				s = tc.store()
			}
			err := s.Load(bytes.NewReader([]byte(tc.data)))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
