// Package embedded is an in-memory Kubernetes-like cluster: a store of the common built-in
// kinds (namespaces, nodes, pods, services, configmaps, secrets, events, the apps workloads,
// jobs), CustomResourceDefinitions and one custom resource (widgets.demo.kubelive.io), with
// one global resourceVersion counter, a bounded
// per-resource event history, watchers, and an http.Handler serving the Kubernetes REST paths
// with the real API server's LIST/WATCH semantics.
package embedded

import (
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Object is a typed Kubernetes object held by the store. Objects handed out by the store are
// shared and must be treated as read-only: DeepCopyObject before changing one.
type Object interface {
	metav1.Object
	runtime.Object
}

// Resource describes one served resource type.
type Resource struct {
	Group, Version, Plural, Singular, Kind string
	Namespaced                             bool
	ShortNames                             []string
	// New returns an empty object of this type.
	New func() Object
	// Fields returns the selectable fields beyond metadata.name and metadata.namespace.
	Fields func(Object) fields.Set
	// Default fills defaults on create (old == nil) and update.
	Default func(obj, old Object)
	// Subresources are the served subresources beside the object itself ("status", "scale").
	Subresources []string
}

// GroupVersion returns the apiVersion string ("v1", "apps/v1").
func (r *Resource) GroupVersion() string {
	return schema.GroupVersion{Group: r.Group, Version: r.Version}.String()
}

// GroupResource is the resource's name for error messages ("pods", "deployments.apps").
func (r *Resource) GroupResource() schema.GroupResource {
	return schema.GroupResource{Group: r.Group, Resource: r.Plural}
}

// Resource names served by the embedded cluster.
const (
	Namespaces  = "namespaces"
	Pods        = "pods"
	Deployments = "deployments"
	ConfigMaps  = "configmaps"
	Events      = "events"

	Nodes        = "nodes"
	Services     = "services"
	Secrets      = "secrets"
	ReplicaSets  = "replicasets"
	StatefulSets = "statefulsets"
	DaemonSets   = "daemonsets"
	Jobs         = "jobs"
	// CRDs are the CustomResourceDefinitions (apiextensions.k8s.io/v1), held as unstructured
	// objects; the store serves the custom resources it was built with (Widgets), whatever
	// CRDs are later created.
	CRDs = "customresourcedefinitions"
	// Widgets is the custom resource of the demo cluster, group demo.kubelive.io, version v1alpha1.
	Widgets = "widgets"
)

// WidgetGroup is the API group of Widgets.
const WidgetGroup = "demo.kubelive.io"

// resources returns the descriptors of every served resource, keyed by plural name.
func resources() map[string]*Resource {
	list := []*Resource{
		{
			Version: "v1", Plural: Namespaces, Singular: "namespace", Kind: "Namespace", ShortNames: []string{"ns"},
			New: func() Object { return &corev1.Namespace{} },
			Fields: func(o Object) fields.Set {
				return fields.Set{"status.phase": string(o.(*corev1.Namespace).Status.Phase)}
			},
			Default: defaultNamespace,
		},
		{
			Version: "v1", Plural: Pods, Singular: "pod", Kind: "Pod", Namespaced: true, ShortNames: []string{"po"},
			New:          func() Object { return &corev1.Pod{} },
			Fields:       podFields,
			Default:      defaultPod,
			Subresources: []string{"status"},
		},
		{
			Version: "v1", Plural: Nodes, Singular: "node", Kind: "Node", ShortNames: []string{"no"},
			New: func() Object { return &corev1.Node{} },
			Fields: func(o Object) fields.Set {
				return fields.Set{"spec.unschedulable": strconv.FormatBool(o.(*corev1.Node).Spec.Unschedulable)}
			},
			Subresources: []string{"status"},
		},
		{
			Version: "v1", Plural: Services, Singular: "service", Kind: "Service", Namespaced: true, ShortNames: []string{"svc"},
			New: func() Object { return &corev1.Service{} }, Subresources: []string{"status"},
		},
		{
			Version: "v1", Plural: Secrets, Singular: "secret", Kind: "Secret", Namespaced: true,
			New:    func() Object { return &corev1.Secret{} },
			Fields: func(o Object) fields.Set { return fields.Set{"type": string(o.(*corev1.Secret).Type)} },
		},
		{
			Version: "v1", Plural: ConfigMaps, Singular: "configmap", Kind: "ConfigMap", Namespaced: true, ShortNames: []string{"cm"},
			New: func() Object { return &corev1.ConfigMap{} },
		},
		{
			Version: "v1", Plural: Events, Singular: "event", Kind: "Event", Namespaced: true, ShortNames: []string{"ev"},
			New:    func() Object { return &corev1.Event{} },
			Fields: eventFields,
		},
		{
			Group: "apps", Version: "v1", Plural: Deployments, Singular: "deployment", Kind: "Deployment", Namespaced: true,
			ShortNames:   []string{"deploy"},
			New:          func() Object { return &appsv1.Deployment{} },
			Default:      defaultGeneration,
			Subresources: []string{"scale", "status"},
		},
		{
			Group: "apps", Version: "v1", Plural: ReplicaSets, Singular: "replicaset", Kind: "ReplicaSet", Namespaced: true,
			ShortNames: []string{"rs"}, New: func() Object { return &appsv1.ReplicaSet{} },
			Default: defaultGeneration, Subresources: []string{"scale", "status"},
		},
		{
			Group: "apps", Version: "v1", Plural: StatefulSets, Singular: "statefulset", Kind: "StatefulSet", Namespaced: true,
			ShortNames: []string{"sts"}, New: func() Object { return &appsv1.StatefulSet{} },
			Default: defaultGeneration, Subresources: []string{"scale", "status"},
		},
		{
			Group: "apps", Version: "v1", Plural: DaemonSets, Singular: "daemonset", Kind: "DaemonSet", Namespaced: true,
			ShortNames: []string{"ds"}, New: func() Object { return &appsv1.DaemonSet{} },
			Default: defaultGeneration, Subresources: []string{"status"},
		},
		{
			Group: "batch", Version: "v1", Plural: Jobs, Singular: "job", Kind: "Job", Namespaced: true,
			New: func() Object { return &batchv1.Job{} }, Default: defaultGeneration, Subresources: []string{"status"},
		},
		{
			Group: "apiextensions.k8s.io", Version: "v1", Plural: CRDs, Singular: "customresourcedefinition",
			Kind: "CustomResourceDefinition", ShortNames: []string{"crd", "crds"},
			New: func() Object { return &unstructured.Unstructured{} }, Subresources: []string{"status"},
		},
		{
			Group: WidgetGroup, Version: "v1alpha1", Plural: Widgets, Singular: "widget", Kind: "Widget", Namespaced: true,
			ShortNames: []string{"wg"}, New: func() Object { return &unstructured.Unstructured{} }, Subresources: []string{"status"},
		},
	}
	m := make(map[string]*Resource, len(list))
	for _, r := range list {
		m[r.Plural] = r
	}
	return m
}

func podFields(o Object) fields.Set {
	p := o.(*corev1.Pod)
	return fields.Set{
		"spec.nodeName":            p.Spec.NodeName,
		"spec.restartPolicy":       string(p.Spec.RestartPolicy),
		"spec.schedulerName":       p.Spec.SchedulerName,
		"spec.serviceAccountName":  p.Spec.ServiceAccountName,
		"spec.hostNetwork":         strconv.FormatBool(p.Spec.HostNetwork),
		"status.phase":             string(p.Status.Phase),
		"status.podIP":             p.Status.PodIP,
		"status.nominatedNodeName": p.Status.NominatedNodeName,
	}
}

func eventFields(o Object) fields.Set {
	e := o.(*corev1.Event)
	return fields.Set{
		"involvedObject.kind":            e.InvolvedObject.Kind,
		"involvedObject.namespace":       e.InvolvedObject.Namespace,
		"involvedObject.name":            e.InvolvedObject.Name,
		"involvedObject.uid":             string(e.InvolvedObject.UID),
		"involvedObject.apiVersion":      e.InvolvedObject.APIVersion,
		"involvedObject.resourceVersion": e.InvolvedObject.ResourceVersion,
		"involvedObject.fieldPath":       e.InvolvedObject.FieldPath,
		"reason":                         e.Reason,
		"reportingComponent":             e.ReportingController,
		"source":                         e.Source.Component,
		"type":                           e.Type,
	}
}

func defaultNamespace(obj, _ Object) {
	ns := obj.(*corev1.Namespace)
	if ns.Labels == nil {
		ns.Labels = map[string]string{}
	}
	ns.Labels["kubernetes.io/metadata.name"] = ns.Name
	if len(ns.Spec.Finalizers) == 0 {
		ns.Spec.Finalizers = []corev1.FinalizerName{corev1.FinalizerKubernetes}
	}
	if ns.Status.Phase == "" {
		ns.Status.Phase = corev1.NamespaceActive
	}
}

func defaultPod(obj, _ Object) {
	p := obj.(*corev1.Pod)
	s := &p.Spec
	if s.RestartPolicy == "" {
		s.RestartPolicy = corev1.RestartPolicyAlways
	}
	if s.DNSPolicy == "" {
		s.DNSPolicy = corev1.DNSClusterFirst
	}
	if s.SchedulerName == "" {
		s.SchedulerName = corev1.DefaultSchedulerName
	}
	if s.ServiceAccountName == "" {
		s.ServiceAccountName = "default"
	}
	if s.TerminationGracePeriodSeconds == nil {
		grace := int64(30)
		s.TerminationGracePeriodSeconds = &grace
	}
	for i := range s.Containers {
		c := &s.Containers[i]
		if c.TerminationMessagePath == "" {
			c.TerminationMessagePath = corev1.TerminationMessagePathDefault
			c.TerminationMessagePolicy = corev1.TerminationMessageReadFile
		}
		if c.ImagePullPolicy == "" {
			c.ImagePullPolicy = corev1.PullIfNotPresent
		}
	}
	if p.Status.Phase == "" {
		p.Status.Phase = corev1.PodPending
		p.Status.QOSClass = corev1.PodQOSBestEffort
	}
}

// defaultGeneration keeps metadata.generation as the API server does for workloads: 1 on
// create, one more on every update that changes the spec.
func defaultGeneration(obj, old Object) {
	if old == nil {
		obj.SetGeneration(1)
		return
	}
	obj.SetGeneration(old.GetGeneration())
	if !equalJSON(specOf(obj), specOf(old)) {
		obj.SetGeneration(old.GetGeneration() + 1)
	}
}

// specOf returns the spec of a workload object.
func specOf(o Object) any {
	switch o := o.(type) {
	case *appsv1.Deployment:
		return o.Spec
	case *appsv1.ReplicaSet:
		return o.Spec
	case *appsv1.StatefulSet:
		return o.Spec
	case *appsv1.DaemonSet:
		return o.Spec
	case *batchv1.Job:
		return o.Spec
	}
	return nil
}
