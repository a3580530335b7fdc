package embedded

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"strings"
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
				require.Equal(t, p.want, paged(t, s, p.rv, "", 97), "step %d: the list at %s in pages", i, p.rv)
				require.Equal(t, inNamespace(p.want, "scale"), paged(t, s, p.rv, "scale", 131), "step %d: namespace scale at %s in pages", i, p.rv)
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

// paged lists the pods of namespace ns ("": all) as they were at rv in
// pages of limit (the first page's continue token made for rv), checking
// each page's size and remainingItemCount, and describes them.
func paged(t *testing.T, s *Store, rv, ns string, limit int64) []string {
	t.Helper()
	at, err := strconv.ParseUint(rv, 10, 64)
	require.NoError(t, err)
	o := ListOptions{Namespace: ns, Limit: limit, Continue: continueToken{V: "meta.k8s.io/v1", RV: at}.encode()}
	var out []string
	for {
		l, err := s.List(Pods, o)
		require.NoError(t, err)
		require.Equal(t, rv, l.ResourceVersion)
		out = append(out, describe(l.Items)...)
		if l.Continue == "" {
			require.LessOrEqual(t, int64(len(l.Items)), limit)
			require.Nil(t, l.Remaining, "the last page has nothing remaining")
			return out
		}
		require.Len(t, l.Items, int(limit), "a page before the last is full")
		require.NotNil(t, l.Remaining)
		o.Continue = l.Continue
		rest, err := s.List(Pods, ListOptions{Namespace: ns, Continue: o.Continue})
		require.NoError(t, err)
		require.Equal(t, int64(len(rest.Items)), *l.Remaining, "remainingItemCount is what the rest of the list holds")
	}
}

// inNamespace keeps the described pods ("namespace/name@rv") of ns.
func inNamespace(described []string, ns string) []string {
	var out []string
	for _, d := range described {
		if strings.HasPrefix(d, ns+"/") {
			out = append(out, d)
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
