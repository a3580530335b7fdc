package embedded

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// TestListOrderUnderChurn checks the sorted index a LIST reads against a
// brute force (every current object, sorted), now and at past
// resourceVersions, after each of many random writes.
func TestListOrderUnderChurn(t *testing.T) {
	t.Parallel()
	s := NewStore(Options{History: 400, Now: fixedNow, Seed: 5})
	require.NoError(t, Seed(s, []string{"default", "kube-system", "web"}, 5))
	require.NoError(t, SeedScale(s, 2200, 5)) // twice addedMax: two merges into order, some pods left in added
	churn := NewChurn(s, 0, 5)
	type state struct {
		rv   string
		want []string // "namespace/name@rv" of every pod, in LIST order
	}
	var past []state
	brute := func() state {
		s.mu.RLock()
		defer s.mu.RUnlock()
		t := s.tables[Pods]
		objs := slices.Collect(maps.Values(t.objects))
		slices.SortFunc(objs, func(a, b *Stored) int { return cmp.Compare(storedKey(a), storedKey(b)) })
		return state{rv: strconv.FormatUint(s.rv, 10), want: describe(objs)}
	}
	list := func(rv string) []string {
		l, err := s.List(Pods, ListOptions{ResourceVersion: rv, ResourceVersionMatch: "Exact"})
		require.NoError(t, err)
		return describe(l.Items)
	}
	for i := range 250 {
		require.NoError(t, churn.Step())
		past = append(past, brute())
		require.Equal(t, past[len(past)-1].want, list(""), "step %d: the current list", i)
		byOwner, err := podsByOwner(s, "")
		require.NoError(t, err)
		want := podsByOwnerScan(t, s)
		require.Len(t, byOwner, len(want), "step %d: controllers", i)
		for uid, pods := range want {
			require.True(t, slices.Equal(pods, s.ownedPods(uid)), "step %d: the pods of %s", i, uid)
			require.Equal(t, len(pods), byOwner[uid].n, "step %d: the count of %s", i, uid)
			require.Equal(t, countReady(pods), byOwner[uid].ready, "step %d: the ready pods of %s", i, uid)
		}
		var pending []*corev1.Pod
		pods, err := s.List(Pods, ListOptions{})
		require.NoError(t, err)
		for _, st := range pods.Items {
			p := st.Object.(*corev1.Pod)
			if ref := metav1.GetControllerOf(p); ref != nil && ref.Kind == "ReplicaSet" && p.Status.Phase == corev1.PodPending {
				pending = append(pending, p)
			}
		}
		require.True(t, slices.Equal(pending, s.pendingPods()), "step %d: the pending pods, in LIST order", i)
		if i%10 == 9 {
			for _, p := range past[max(0, len(past)-40):] {
				require.Equal(t, p.want, list(p.rv), "step %d: the list at %s", i, p.rv)
			}
		}
	}
}

// podsByOwnerScan groups every pod by its controller's uid, in LIST order,
// from the pods themselves (what the store's index must equal).
func podsByOwnerScan(t *testing.T, s *Store) map[types.UID][]*corev1.Pod {
	t.Helper()
	l, err := s.List(Pods, ListOptions{})
	require.NoError(t, err)
	out := map[types.UID][]*corev1.Pod{}
	for _, st := range l.Items {
		p := st.Object.(*corev1.Pod)
		if ref := metav1.GetControllerOf(p); ref != nil {
			out[ref.UID] = append(out[ref.UID], p)
		}
	}
	return out
}

func describe(items []*Stored) []string {
	out := make([]string, len(items))
	for i, st := range items {
		out[i] = storedKey(st) + "@" + st.Object.GetResourceVersion()
	}
	return out
}

// BenchmarkListPages: a LIST of 100,000 pods (--scale 100000) in pages of
// 500, with a churn step (one random write) between pages, as a dashboard
// meets it.
func BenchmarkListPages(b *testing.B) {
	s := NewStore(Options{Now: fixedNow, Seed: 5})
	require.NoError(b, Seed(s, []string{"default"}, 5))
	require.NoError(b, SeedScale(s, 100_000, 5))
	churn := NewChurn(s, 0, 5)
	b.ResetTimer()
	for range b.N {
		o := ListOptions{Limit: 500}
		for {
			l, err := s.List(Pods, o)
			require.NoError(b, err)
			require.NoError(b, churn.Step())
			if l.Continue == "" {
				break
			}
			o.Continue = l.Continue
		}
	}
}
