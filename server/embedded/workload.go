package embedded

import (
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// statusWrite is the new state of one workload whose status no longer matches its pods.
type statusWrite struct {
	res string
	obj Object
}

// podReady reports whether p's Ready condition is True.
func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// podsByOwner counts the pods of ns (every namespace for "") by their controller's uid.
func podsByOwner(s *Store, ns string) (map[types.UID]owned, error) {
	t, err := s.table(Pods)
	if err != nil {
		return nil, fmt.Errorf("list pods: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make(map[types.UID]owned, len(t.pods.byOwner))
	for uid, o := range t.pods.byOwner {
		for _, p := range o.pods { // a controller's pods are in its namespace: one look
			if ns == "" || p.Namespace == ns {
				out[uid] = owned{n: len(o.pods), ready: o.ready}
			}
			break
		}
	}
	return out, nil
}

// ownedPods returns the pods whose controller is uid, in LIST order.
func (s *Store) ownedPods(uid types.UID) []*corev1.Pod {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if o := s.tables[Pods].pods.byOwner[uid]; o != nil {
		return sortedPods(o.pods)
	}
	return nil
}

// pendingPods returns the pods owned by a ReplicaSet in phase Pending, in LIST order.
func (s *Store) pendingPods() []*corev1.Pod {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return sortedPods(s.tables[Pods].pods.pending)
}

func countReady(pods []*corev1.Pod) int32 {
	n := int32(0)
	for _, p := range pods {
		if podReady(p) && p.DeletionTimestamp == nil {
			n++
		}
	}
	return n
}

// staleStatuses returns, in a fixed order, the workloads of ns (every namespace for "") whose
// status does not say what their pods are, each with the status it should have: the
// ReplicaSet, StatefulSet, DaemonSet and Job controllers' counts, and a Deployment's as the
// sum of its ReplicaSets'.
// owned are the pods of ns by controller uid (see podsByOwner).
func staleStatuses(s *Store, ns string, owned map[types.UID]owned, now time.Time) ([]statusWrite, error) {
	var out []statusWrite
	// add records obj with the status want, when its status differs.
	add := func(res string, obj Object, status, want any, set func(Object)) {
		if !apiequality.Semantic.DeepEqual(status, want) {
			cp := obj.DeepCopyObject().(Object)
			set(cp)
			out = append(out, statusWrite{res: res, obj: cp})
		}
	}
	rsets, err := s.List(ReplicaSets, ListOptions{Namespace: ns})
	if err != nil {
		return nil, fmt.Errorf("list replicasets: %w", err)
	}
	rsStatus := map[types.UID][]appsv1.ReplicaSetStatus{} // by deployment uid, with the current one's first
	for _, st := range rsets.Items {
		rs := st.Object.(*appsv1.ReplicaSet)
		n, ready := int32(owned[rs.UID].n), owned[rs.UID].ready
		want := appsv1.ReplicaSetStatus{Replicas: n, FullyLabeledReplicas: n, ReadyReplicas: ready,
			AvailableReplicas: ready, ObservedGeneration: rs.Generation}
		if ref := metav1.GetControllerOf(rs); ref != nil {
			rsStatus[ref.UID] = append(rsStatus[ref.UID], want)
		}
		add(ReplicaSets, rs, rs.Status, want, func(o Object) { o.(*appsv1.ReplicaSet).Status = want })
	}
	deps, err := s.List(Deployments, ListOptions{Namespace: ns})
	if err != nil {
		return nil, fmt.Errorf("list deployments: %w", err)
	}
	for _, st := range deps.Items {
		d := st.Object.(*appsv1.Deployment)
		want := deploymentStatus(d, s.templateHash(d, d.Spec.Template), rsets.Items, owned, now)
		add(Deployments, d, d.Status, want, func(o Object) { o.(*appsv1.Deployment).Status = want })
	}
	sets, err := s.List(StatefulSets, ListOptions{Namespace: ns})
	if err != nil {
		return nil, fmt.Errorf("list statefulsets: %w", err)
	}
	for _, st := range sets.Items {
		ss := st.Object.(*appsv1.StatefulSet)
		n, ready := int32(owned[ss.UID].n), owned[ss.UID].ready
		rev := ss.Name + "-" + s.templateHash(ss, ss.Spec.Template)
		want := appsv1.StatefulSetStatus{ObservedGeneration: ss.Generation, Replicas: n, ReadyReplicas: ready,
			CurrentReplicas: n, UpdatedReplicas: n, AvailableReplicas: ready,
			CurrentRevision: rev, UpdateRevision: rev, CollisionCount: ptrTo(int32(0))}
		add(StatefulSets, ss, ss.Status, want, func(o Object) { o.(*appsv1.StatefulSet).Status = want })
	}
	nodeList, err := s.List(Nodes, ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list nodes: %w", err)
	}
	dsets, err := s.List(DaemonSets, ListOptions{Namespace: ns})
	if err != nil {
		return nil, fmt.Errorf("list daemonsets: %w", err)
	}
	for _, st := range dsets.Items {
		ds := st.Object.(*appsv1.DaemonSet)
		n, ready := int32(owned[ds.UID].n), owned[ds.UID].ready
		desired := int32(len(nodeList.Items))
		want := appsv1.DaemonSetStatus{ObservedGeneration: ds.Generation, DesiredNumberScheduled: desired,
			CurrentNumberScheduled: n, UpdatedNumberScheduled: n, NumberReady: ready,
			NumberAvailable: ready, NumberUnavailable: max(desired-ready, 0)}
		add(DaemonSets, ds, ds.Status, want, func(o Object) { o.(*appsv1.DaemonSet).Status = want })
	}
	jobs, err := s.List(Jobs, ListOptions{Namespace: ns})
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	for _, st := range jobs.Items {
		j := st.Object.(*batchv1.Job)
		want := jobStatus(j, s.ownedPods(j.UID))
		add(Jobs, j, j.Status, want, func(o Object) { o.(*batchv1.Job).Status = want })
	}
	return out, nil
}

// deploymentStatus sums d's ReplicaSets; updatedReplicas counts the pods of the ReplicaSet of
// d's current template. Conditions keep their times while their status stays.
func deploymentStatus(d *appsv1.Deployment, hash string, rsets []*Stored, owned map[types.UID]owned, now time.Time) appsv1.DeploymentStatus {
	want := appsv1.DeploymentStatus{ObservedGeneration: d.Generation}
	current := ""
	for _, st := range rsets {
		rs := st.Object.(*appsv1.ReplicaSet)
		if ref := metav1.GetControllerOf(rs); ref == nil || ref.UID != d.UID {
			continue
		}
		n, ready := int32(owned[rs.UID].n), owned[rs.UID].ready
		want.Replicas += n
		want.ReadyReplicas += ready
		want.AvailableReplicas += ready
		if rs.Labels["pod-template-hash"] == hash {
			want.UpdatedReplicas += n
			current = rs.Name
		}
	}
	spec := derefReplicas(d.Spec.Replicas)
	want.UnavailableReplicas = max(spec-want.AvailableReplicas, 0)
	cond := func(t appsv1.DeploymentConditionType, ok bool, yes, no, yesMsg, noMsg string) appsv1.DeploymentCondition {
		c := appsv1.DeploymentCondition{Type: t, Status: corev1.ConditionFalse, Reason: no, Message: noMsg}
		if ok {
			c.Status, c.Reason, c.Message = corev1.ConditionTrue, yes, yesMsg
		}
		c.LastUpdateTime, c.LastTransitionTime = metav1.NewTime(now), metav1.NewTime(now)
		for _, old := range d.Status.Conditions {
			if old.Type == t && old.Status == c.Status && old.Reason == c.Reason {
				c.LastUpdateTime, c.LastTransitionTime = old.LastUpdateTime, old.LastTransitionTime
			}
		}
		return c
	}
	progressed := want.UpdatedReplicas == spec && want.Replicas == spec && want.AvailableReplicas == spec
	want.Conditions = []appsv1.DeploymentCondition{
		cond(appsv1.DeploymentAvailable, want.AvailableReplicas >= spec-spec/4, "MinimumReplicasAvailable", "MinimumReplicasUnavailable",
			"Deployment has minimum availability.", "Deployment does not have minimum availability."),
		cond(appsv1.DeploymentProgressing, true, "NewReplicaSetAvailable", "",
			fmt.Sprintf("ReplicaSet %q has successfully progressed.", current), ""),
	}
	if !progressed {
		want.Conditions[1] = cond(appsv1.DeploymentProgressing, true, "ReplicaSetUpdated", "", fmt.Sprintf("ReplicaSet %q is progressing.", current), "")
	}
	return want
}

// jobStatus counts a Job's pods: active, succeeded, failed, and the Complete or Failed condition.
func jobStatus(j *batchv1.Job, pods []*corev1.Pod) batchv1.JobStatus {
	want := batchv1.JobStatus{UncountedTerminatedPods: &batchv1.UncountedTerminatedPods{}, Ready: ptrTo(int32(0)), Terminating: ptrTo(int32(0))}
	start := j.CreationTimestamp
	want.StartTime = &start
	var end metav1.Time
	for _, p := range pods {
		switch p.Status.Phase {
		case corev1.PodSucceeded:
			want.Succeeded++
		case corev1.PodFailed:
			want.Failed++
		default:
			want.Active++
			if podReady(p) {
				*want.Ready++
			}
			continue
		}
		for _, cs := range p.Status.ContainerStatuses {
			if t := cs.State.Terminated; t != nil && t.FinishedAt.After(end.Time) {
				end = t.FinishedAt
			}
		}
	}
	cond := func(t batchv1.JobConditionType, reason, msg string) batchv1.JobCondition {
		return batchv1.JobCondition{Type: t, Status: corev1.ConditionTrue, Reason: reason, Message: msg, LastProbeTime: end, LastTransitionTime: end}
	}
	completions := int32(1)
	if j.Spec.Completions != nil {
		completions = *j.Spec.Completions
	}
	backoff := int32(6)
	if j.Spec.BackoffLimit != nil {
		backoff = *j.Spec.BackoffLimit
	}
	switch {
	case want.Succeeded >= completions:
		want.CompletionTime = &end
		want.Conditions = []batchv1.JobCondition{cond(batchv1.JobSuccessCriteriaMet, "CompletionsReached", "Reached expected number of succeeded pods"),
			cond(batchv1.JobComplete, "CompletionsReached", "Reached expected number of succeeded pods")}
	case want.Failed > backoff:
		want.Conditions = []batchv1.JobCondition{cond(batchv1.JobFailureTarget, "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
			cond(batchv1.JobFailed, "BackoffLimitExceeded", "Job has reached the specified backoff limit")}
	}
	return want
}

// syncAll writes every stale workload status of ns.
func syncAll(s *Store, ns string) error {
	owned, err := podsByOwner(s, ns)
	if err != nil {
		return err
	}
	writes, err := staleStatuses(s, ns, owned, s.now())
	if err != nil {
		return err
	}
	for _, w := range writes {
		if _, err := s.Update(w.res, w.obj.GetNamespace(), w.obj.GetName(), w.obj); err != nil {
			return fmt.Errorf("sync status of %s %s/%s: %w", w.res, w.obj.GetNamespace(), w.obj.GetName(), err)
		}
	}
	return nil
}

// hashKey names one version of a workload's spec: its uid and generation.
type hashKey struct {
	uid        types.UID
	generation int64
}

// templateHash returns the pod-template-hash of o's template, remembering it per uid and
// generation (the template changes only with the generation).
func (s *Store) templateHash(o Object, t corev1.PodTemplateSpec) string {
	k := hashKey{o.GetUID(), o.GetGeneration()}
	if h, ok := s.hashes.Load(k); ok {
		return h.(string)
	}
	h := templateHash(t)
	s.hashes.Store(k, h)
	return h
}
