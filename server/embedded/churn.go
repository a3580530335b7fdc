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
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
)

// Churn changes the cluster like a busy one: it creates pods of the deployments, moves them to
// Running, changes their labels, annotations, readiness and restart counts, deletes them, and
// records Events about them (deleting the oldest beyond a cap). Each Step is exactly one write
// through the store's API. The sequence of writes is determined by the seed and the store's
// state, so a seeded store churned with the same seed evolves the same way.
type Churn struct {
	store     *Store
	rate      float64
	g         *gen
	maxEvents int
	apps      []*app // loaded from the deployments on first use
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
	if c.apps == nil {
		if err := c.loadApps(); err != nil {
			return err
		}
	}
	if len(c.apps) == 0 {
		return nil
	}
	pods, err := c.store.List(Pods, ListOptions{})
	if err != nil {
		return fmt.Errorf("churn list pods: %w", err)
	}
	target := 0
	for _, a := range c.apps {
		target += int(a.replicas)
	}
	n := len(pods.Items)
	r := c.g.rand.Float64()
	switch {
	case n == 0 || (r < 0.15 && n < target*3/2) || n < target*2/3:
		err = c.createPod()
	case r < 0.30:
		err = c.deletePod(pods.Items)
	case r < 0.55:
		err = c.event(pods.Items)
	default:
		err = c.updatePod(pods.Items)
	}
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// loadApps derives the apps from the deployments and their pods (hash, ReplicaSet uid).
func (c *Churn) loadApps() error {
	deps, err := c.store.List(Deployments, ListOptions{})
	if err != nil {
		return fmt.Errorf("churn list deployments: %w", err)
	}
	c.apps = []*app{}
	for _, st := range deps.Items {
		d := st.Object.(*appsv1.Deployment)
		if len(d.Spec.Template.Spec.Containers) == 0 || len(d.Spec.Template.Spec.Containers[0].Ports) == 0 {
			continue
		}
		ctr := d.Spec.Template.Spec.Containers[0]
		a := &app{namespace: d.Namespace, name: d.Name, image: ctr.Image, port: ctr.Ports[0].ContainerPort, replicas: 1,
			hash: c.g.suffix(10), rsUID: types.UID(c.g.uuid())}
		if d.Spec.Replicas != nil {
			a.replicas = *d.Spec.Replicas
		}
		pods, err := c.store.List(Pods, ListOptions{Namespace: d.Namespace, Labels: labels.SelectorFromSet(labels.Set{"app": d.Name})})
		if err != nil {
			return fmt.Errorf("churn list pods of %s/%s: %w", d.Namespace, d.Name, err)
		}
		for _, p := range pods.Items {
			if refs := p.Object.GetOwnerReferences(); len(refs) > 0 {
				a.hash, a.rsUID = p.Object.GetLabels()["pod-template-hash"], refs[0].UID
				break
			}
		}
		c.apps = append(c.apps, a)
	}
	return nil
}

func (c *Churn) createPod() error {
	a := c.apps[c.g.rand.IntN(len(c.apps))]
	_, err := c.store.Create(Pods, a.namespace, c.g.pod(a))
	return err
}

func (c *Churn) deletePod(pods []*Stored) error {
	p := pods[c.g.rand.IntN(len(pods))].Object
	_, err := c.store.Delete(Pods, p.GetNamespace(), p.GetName(), nil)
	return err
}

// event records an Event about a random pod, or deletes the oldest Event beyond the cap.
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
	reasons := []string{"Pulled", "Created", "Started", "Unhealthy", "BackOff", "Killing"}
	_, err = c.store.Create(Events, p.Namespace, c.g.event(p, reasons[c.g.rand.IntN(len(reasons))]))
	return err
}

// updatePod moves a Pending pod to Running, or changes a Running one.
func (c *Churn) updatePod(pods []*Stored) error {
	p := pods[c.g.rand.IntN(len(pods))].Object.DeepCopyObject().(*corev1.Pod)
	now := metav1.NewTime(c.g.now())
	switch {
	case p.Status.Phase == corev1.PodPending:
		c.g.run(p)
	case len(p.Status.ContainerStatuses) == 0:
		return nil
	default:
		cs := &p.Status.ContainerStatuses[0]
		switch c.g.rand.IntN(4) {
		case 0:
			tiers := []string{"frontend", "backend", "batch"}
			if p.Labels == nil {
				p.Labels = map[string]string{}
			}
			p.Labels["tier"] = tiers[c.g.rand.IntN(len(tiers))]
		case 1:
			if p.Annotations == nil {
				p.Annotations = map[string]string{}
			}
			p.Annotations["kubelive.io/heartbeat"] = now.UTC().Format(time.RFC3339Nano)
		case 2:
			cs.Ready = !cs.Ready
			status := corev1.ConditionTrue
			if !cs.Ready {
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
