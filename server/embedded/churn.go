package embedded

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Churn changes the cluster like a busy one that a few controllers keep consistent. Each Step
// is exactly one write through the store's API, the first that applies of:
//
//  1. a controller's: a Deployment without a ReplicaSet for its template gets one (a rollout),
//     a ReplicaSet follows its Deployment's replicas (old ones go to 0 once the new one is
//     ready), a ReplicaSet with fewer pods than replicas gets a new Pending pod, one with more
//     loses its newest pod, a workload whose status does not match its pods gets it right;
//  2. otherwise a random change: a pod moves from Pending to Running, changes labels,
//     annotations or readiness, restarts (a crash-looping pod restarts again), an Event is
//     recorded (the oldest deleted beyond a cap), a node's heartbeat is renewed or it goes
//     NotReady for a while, a widget's status changes, and, rarely, a pod of a ReplicaSet is
//     deleted (never one a client has an exec or attach open to; see Store.SetPodsInUse).
//
// Pods thus live minutes at tens of writes per second, and every count a Deployment shows is
// its pods' a few writes later. The sequence of writes is determined by the seed and the
// store's state (and its clock), so a seeded store churned with the same seed evolves the same
// way.
type Churn struct {
	store     *Store
	rate      float64
	g         *gen
	maxEvents int
}

// NewChurn returns a generator of rate writes per second (see Run).
func NewChurn(s *Store, rate float64, seed uint64) *Churn {
	return &Churn{store: s, rate: rate, maxEvents: 300, g: &gen{rand: rand.New(rand.NewPCG(seed, seed^0x5eed)), now: s.now}}
}

// Run calls Step rate times per second until ctx ends. It returns nil when ctx ends and the
// first unexpected store error otherwise.
func (c *Churn) Run(ctx context.Context) error {
	if c.rate <= 0 {
		<-ctx.Done()
		return nil
	}
	interval := min(max(time.Duration(float64(time.Second)/c.rate), 5*time.Millisecond), 100*time.Millisecond)
	t := time.NewTicker(interval)
	defer t.Stop()
	start, done := time.Now(), 0
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-t.C:
			due := int(c.rate*now.Sub(start).Seconds()) - done
			if burst := int(c.rate) + 1; due > burst { // fell behind: skip rather than burst
				done += due - burst
				due = burst
			}
			for ; due > 0; due-- {
				if err := c.Step(); err != nil {
					return err
				}
				done++
			}
		}
	}
}

// Step makes one write. Conflicts with concurrent API clients (NotFound, Conflict,
// AlreadyExists) are not errors: the next step sees the new state.
func (c *Churn) Step() error {
	done, err := c.reconcile()
	if !done && err == nil {
		err = c.random()
	}
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// reconcile makes the first controller write that is due, if any.
func (c *Churn) reconcile() (bool, error) {
	s := c.store
	deps, err := s.List(Deployments, ListOptions{})
	if err != nil {
		return false, fmt.Errorf("churn list deployments: %w", err)
	}
	rsets, err := s.List(ReplicaSets, ListOptions{})
	if err != nil {
		return false, fmt.Errorf("churn list replicasets: %w", err)
	}
	owned, err := podsByOwner(s, "")
	if err != nil {
		return false, fmt.Errorf("churn: %w", err)
	}
	for _, st := range deps.Items {
		d := st.Object.(*appsv1.Deployment)
		hash := s.templateHash(d, d.Spec.Template)
		var current *appsv1.ReplicaSet
		var old []*appsv1.ReplicaSet
		for _, rst := range rsets.Items {
			rs := rst.Object.(*appsv1.ReplicaSet)
			if ref := metav1.GetControllerOf(rs); ref == nil || ref.UID != d.UID {
				continue
			}
			if rs.Labels["pod-template-hash"] == hash {
				current = rs
			} else {
				old = append(old, rs)
			}
		}
		if current == nil {
			rev := len(old) + 1
			_, err := s.Create(ReplicaSets, d.Namespace, newReplicaSet(d, rev))
			return true, err
		}
		want := derefReplicas(d.Spec.Replicas)
		if derefReplicas(current.Spec.Replicas) != want {
			return true, c.scale(current, want)
		}
		for _, rs := range old {
			if derefReplicas(rs.Spec.Replicas) != 0 && owned[current.UID].ready >= want {
				return true, c.scale(rs, 0)
			}
		}
	}
	for _, rst := range rsets.Items {
		rs := rst.Object.(*appsv1.ReplicaSet)
		n := owned[rs.UID].n
		want := int(derefReplicas(rs.Spec.Replicas))
		switch {
		case n < want:
			p := c.g.pod(rs.Spec.Template, rs.Namespace, rs.Name+"-"+c.g.suffix(5), ownerRef(rs, "apps/v1", "ReplicaSet"), c.g.pickNode())
			_, err := s.Create(Pods, rs.Namespace, p)
			return true, err
		case n > want:
			pods := s.ownedPods(rs.UID)
			newest := pods[0]
			for _, p := range pods {
				if !s.podInUse(p.Namespace, p.Name) && (s.podInUse(newest.Namespace, newest.Name) || p.CreationTimestamp.After(newest.CreationTimestamp.Time)) {
					newest = p
				}
			}
			if s.podInUse(newest.Namespace, newest.Name) {
				continue // every extra pod has a terminal open: it stays until closed
			}
			_, err := s.Delete(Pods, newest.Namespace, newest.Name, nil)
			return true, err
		}
	}
	writes, err := staleStatuses(s, "", owned, s.now())
	if err != nil || len(writes) == 0 {
		return false, err
	}
	w := writes[0]
	_, err = s.Update(w.res, w.obj.GetNamespace(), w.obj.GetName(), w.obj)
	return true, err
}

func (c *Churn) scale(rs *appsv1.ReplicaSet, n int32) error {
	cp := rs.DeepCopy()
	cp.Spec.Replicas = &n
	if cp.Annotations == nil {
		cp.Annotations = map[string]string{}
	}
	cp.Annotations["deployment.kubernetes.io/desired-replicas"] = fmt.Sprint(n)
	_, err := c.store.Update(ReplicaSets, rs.Namespace, rs.Name, cp)
	return err
}

// random makes one random change (see Churn).
func (c *Churn) random() error {
	pods, err := c.store.List(Pods, ListOptions{})
	if err != nil {
		return fmt.Errorf("churn list pods: %w", err)
	}
	if len(pods.Items) == 0 {
		return nil
	}
	r := c.g.rand.Float64()
	switch {
	case r < 0.005:
		return c.deletePod(pods.Items)
	case r < 0.25:
		return c.event(pods.Items)
	case r < 0.33:
		return c.node()
	case r < 0.36:
		return c.widget()
	default:
		return c.updatePod(pods.Items)
	}
}

// deletePod deletes a random pod of a ReplicaSet that no client has a stream open to; its
// ReplicaSet replaces it on a later step.
func (c *Churn) deletePod(pods []*Stored) error {
	p := pods[c.g.rand.IntN(len(pods))].Object
	ref := metav1.GetControllerOf(p)
	if ref == nil || ref.Kind != "ReplicaSet" || c.store.podInUse(p.GetNamespace(), p.GetName()) {
		return nil
	}
	_, err := c.store.Delete(Pods, p.GetNamespace(), p.GetName(), nil)
	return err
}

// event records an Event about a random running pod, or deletes the oldest Event beyond the cap.
func (c *Churn) event(pods []*Stored) error {
	events, err := c.store.List(Events, ListOptions{})
	if err != nil {
		return fmt.Errorf("churn list events: %w", err)
	}
	if len(events.Items) >= c.maxEvents {
		oldest := events.Items[0]
		for _, e := range events.Items {
			if e.rv < oldest.rv {
				oldest = e
			}
		}
		_, err := c.store.Delete(Events, oldest.Object.GetNamespace(), oldest.Object.GetName(), nil)
		return err
	}
	p := pods[c.g.rand.IntN(len(pods))].Object.(*corev1.Pod)
	if p.Status.Phase != corev1.PodRunning {
		return nil
	}
	reasons := []string{"Pulled", "Created", "Started", "Unhealthy", "Killing"}
	reason := reasons[c.g.rand.IntN(len(reasons))]
	if p.Annotations[behaviourKey] == "crashloop" {
		reason = "BackOff"
	}
	_, err = c.store.Create(Events, p.Namespace, c.g.event(p, reason))
	return err
}

// node renews a random node's heartbeat; now and then one goes NotReady (the kubelet stopped
// posting its status) and comes back on a later step.
func (c *Churn) node() error {
	nodes, err := c.store.List(Nodes, ListOptions{})
	if err != nil || len(nodes.Items) == 0 {
		return err
	}
	n := nodes.Items[c.g.rand.IntN(len(nodes.Items))].Object.(*corev1.Node).DeepCopy()
	now := metav1.NewTime(c.g.now())
	for i := range n.Status.Conditions {
		cond := &n.Status.Conditions[i]
		if cond.Type != corev1.NodeReady {
			cond.LastHeartbeatTime = now
			continue
		}
		notReady := cond.Status != corev1.ConditionTrue
		switch {
		case !notReady && c.g.rand.IntN(150) == 0:
			*cond = corev1.NodeCondition{Type: corev1.NodeReady, Status: corev1.ConditionUnknown, Reason: "NodeStatusUnknown",
				Message: "Kubelet stopped posting node status.", LastHeartbeatTime: cond.LastHeartbeatTime, LastTransitionTime: now}
			n.Spec.Taints = []corev1.Taint{{Key: "node.kubernetes.io/unreachable", Effect: corev1.TaintEffectNoSchedule, TimeAdded: &now}}
		case notReady && c.g.rand.IntN(8) == 0:
			*cond = corev1.NodeCondition{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady",
				Message: "kubelet is posting ready status", LastHeartbeatTime: now, LastTransitionTime: now}
			n.Spec.Taints = nil
		case !notReady:
			cond.LastHeartbeatTime = now
		}
	}
	_, err = c.store.Update(Nodes, "", n.Name, n)
	return err
}

// widget moves a random widget's status between phases.
func (c *Churn) widget() error {
	ws, err := c.store.List(Widgets, ListOptions{})
	if err != nil || len(ws.Items) == 0 {
		return err
	}
	w := ws.Items[c.g.rand.IntN(len(ws.Items))].Object.(*unstructured.Unstructured).DeepCopy()
	phases := []string{"Ready", "Ready", "Ready", "Reconciling", "Pending"}
	if err := unstructured.SetNestedField(w.Object, phases[c.g.rand.IntN(len(phases))], "status", "phase"); err != nil {
		return fmt.Errorf("churn widget %s: %w", w.GetName(), err)
	}
	_, err = c.store.Update(Widgets, w.GetNamespace(), w.GetName(), w)
	return err
}

// updatePod moves a Pending pod of a ReplicaSet to Running (one is picked first half the
// time), or changes a Running one; crash-looping pods restart again.
func (c *Churn) updatePod(pods []*Stored) error {
	var p *corev1.Pod
	if pending := c.store.pendingPods(); len(pending) > 0 && c.g.rand.IntN(2) == 0 {
		p = pending[c.g.rand.IntN(len(pending))].DeepCopy()
	} else {
		p = pods[c.g.rand.IntN(len(pods))].Object.DeepCopyObject().(*corev1.Pod)
	}
	now := metav1.NewTime(c.g.now())
	ref := metav1.GetControllerOf(p)
	switch {
	case p.Status.Phase == corev1.PodPending && ref != nil && ref.Kind == "ReplicaSet":
		c.g.run(p, now.Time)
	case p.Status.Phase != corev1.PodRunning || len(p.Status.ContainerStatuses) == 0:
		return nil
	case p.Annotations[behaviourKey] == "crashloop":
		c.g.crash(p, now.Time, 1)
	default:
		cs := &p.Status.ContainerStatuses[c.g.rand.IntN(len(p.Status.ContainerStatuses))]
		switch c.g.rand.IntN(10) {
		case 0, 1, 2:
			tiers := []string{"frontend", "backend", "batch"}
			p.Labels = copyLabels(p.Labels, "tier", tiers[c.g.rand.IntN(len(tiers))])
		case 3, 4, 5, 6:
			if p.Annotations == nil {
				p.Annotations = map[string]string{}
			}
			p.Annotations["kubelive.io/heartbeat"] = now.UTC().Format(time.RFC3339Nano)
		case 7, 8:
			cs.Ready = !cs.Ready
			ready := true
			for _, other := range p.Status.ContainerStatuses {
				ready = ready && other.Ready
			}
			status := corev1.ConditionTrue
			if !ready {
				status = corev1.ConditionFalse
			}
			for i := range p.Status.Conditions {
				if t := p.Status.Conditions[i].Type; t == corev1.PodReady || t == corev1.ContainersReady {
					p.Status.Conditions[i].Status, p.Status.Conditions[i].LastTransitionTime = status, now
				}
			}
		default:
			started := cs.State.Running
			cs.RestartCount++
			if started != nil {
				cs.LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
					ExitCode: 137, Reason: "OOMKilled", StartedAt: started.StartedAt, FinishedAt: now, ContainerID: cs.ContainerID}}
			}
			cs.ContainerID = "containerd://" + c.g.hex(64)
			cs.State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}}
		}
	}
	_, err := c.store.Update(Pods, p.Namespace, p.Name, p)
	return err
}
