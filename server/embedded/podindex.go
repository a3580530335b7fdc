package embedded

import (
	"cmp"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// podIndex is what the churn's controllers read of the pods on every step,
// kept as the pods change instead of recomputed from every pod: at 100,000
// pods the recomputation took 170 ms a step, the server's whole core at 20
// writes per second, and held the store's lock against the LISTs it
// served. Caller holds the store's mu (for writing to change it).
type podIndex struct {
	// byOwner holds the pods of each controller uid. Invariant: equal to
	// grouping the table's pods by metav1.GetControllerOf.
	byOwner map[types.UID]*ownerPods
	// pending holds the pods owned by a ReplicaSet in phase Pending, by
	// namespace/name.
	pending map[string]*corev1.Pod
}

// ownerPods is one controller's pods.
type ownerPods struct {
	pods map[string]*corev1.Pod // by namespace/name
	// ready counts the pods that are Ready and not being deleted.
	// Invariant: countReady over pods.
	ready int32
}

// owned is what a controller needs of its pods on every step: how many,
// and how many are ready.
type owned struct {
	n     int
	ready int32
}

func newPodIndex() *podIndex {
	return &podIndex{byOwner: map[types.UID]*ownerPods{}, pending: map[string]*corev1.Pod{}}
}

// replace moves the index from pod before to pod after (either nil: a pod
// created or deleted).
func (x *podIndex) replace(before, after *Stored) {
	if before != nil {
		x.change(before.Object.(*corev1.Pod), false)
	}
	if after != nil {
		x.change(after.Object.(*corev1.Pod), true)
	}
}

// change adds or removes p.
func (x *podIndex) change(p *corev1.Pod, add bool) {
	ref := metav1.GetControllerOfNoCopy(p)
	if ref == nil {
		return
	}
	k := key(p.Namespace, p.Name)
	o := x.byOwner[ref.UID]
	if o == nil {
		o = &ownerPods{pods: map[string]*corev1.Pod{}}
		x.byOwner[ref.UID] = o
	}
	ready := podReady(p) && p.DeletionTimestamp == nil
	pending := ref.Kind == "ReplicaSet" && p.Status.Phase == corev1.PodPending
	if add {
		o.pods[k] = p
		o.ready += int32(b2i(ready))
		if pending {
			x.pending[k] = p
		}
		return
	}
	delete(o.pods, k)
	o.ready -= int32(b2i(ready))
	if len(o.pods) == 0 {
		delete(x.byOwner, ref.UID)
	}
	if pending {
		delete(x.pending, k)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// sortedPods returns the values of pods in LIST order (namespace, name).
func sortedPods(pods map[string]*corev1.Pod) []*corev1.Pod {
	return slices.SortedFunc(maps.Values(pods), func(a, b *corev1.Pod) int {
		if c := cmp.Compare(a.Namespace, b.Namespace); c != 0 {
			return c
		}
		return cmp.Compare(a.Name, b.Name)
	})
}
