package embedded

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Patch applies a patch to the current state of an object and stores the result as an update
// (atomically: the store is locked from read to write). Merge and strategic-merge patches are
// both applied as JSON merge patches (RFC 7386); JSON patches follow RFC 6902. A patch that
// sets metadata.resourceVersion makes it a precondition, as in the real API server.
func (s *Store) Patch(res, ns, name string, pt types.PatchType, patch []byte) (*Stored, error) {
	t, err := s.table(res)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ns = scope(t, ns)
	cur, ok := t.objects[key(ns, name)]
	if !ok {
		return nil, apierrors.NewNotFound(t.res.GroupResource(), name)
	}
	var out []byte
	switch pt {
	case types.MergePatchType, types.StrategicMergePatchType:
		out, err = jsonpatch.MergePatch(cur.JSON, patch)
	case types.JSONPatchType:
		var p jsonpatch.Patch
		if p, err = jsonpatch.DecodePatch(patch); err != nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("error decoding patch: %v", err))
		}
		out, err = p.Apply(cur.JSON)
	default:
		return nil, unsupportedMedia(pt)
	}
	if err != nil {
		return nil, invalid(t.res, name, fmt.Sprintf("apply patch: %v", err))
	}
	obj := t.res.New()
	if err := json.Unmarshal(out, obj); err != nil {
		return nil, invalid(t.res, name, fmt.Sprintf("decode patched object: %v", err))
	}
	return s.updateLocked(t, ns, name, obj)
}

func unsupportedMedia(pt types.PatchType) error {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure, Code: http.StatusUnsupportedMediaType, Reason: metav1.StatusReasonUnsupportedMediaType,
		Message: fmt.Sprintf("the body of the request was in an unknown format (%s) - accepted media types include: "+
			"application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json", pt),
	}}
}

func invalid(r *Resource, name, msg string) error {
	return apierrors.NewInvalid(metav1SchemaGVK(r).GroupKind(), name, field.ErrorList{field.Invalid(field.NewPath(""), "", msg)})
}

// ContainerRef names one container of one pod.
type ContainerRef struct{ Namespace, Pod, Container string }

// Container resolves the container (or init container) of a pod: "" means the pod's first
// container.
// It returns a 404 NotFound Status error if the pod does not exist and, as the API server
// does, a 400 BadRequest "container X is not valid for pod Y" if the container does not.
func (s *Store) Container(namespace, pod, container string) (string, error) {
	st, err := s.Get(Pods, namespace, pod)
	if err != nil {
		return "", err
	}
	p := st.Object.(*corev1.Pod)
	for _, c := range slices.Concat(p.Spec.Containers, p.Spec.InitContainers) {
		if container == "" || c.Name == container {
			return c.Name, nil
		}
	}
	return "", apierrors.NewBadRequest(fmt.Sprintf("container %s is not valid for pod %s", container, pod))
}

// Restarts returns the restartCount of a container of a pod (0 when unknown).
func (s *Store) Restarts(namespace, pod, container string) int {
	st, err := s.Get(Pods, namespace, pod)
	if err != nil {
		return 0
	}
	p := st.Object.(*corev1.Pod)
	for _, cs := range slices.Concat(p.Status.ContainerStatuses, p.Status.InitContainerStatuses) {
		if cs.Name == container {
			return int(cs.RestartCount)
		}
	}
	return 0
}

// Running lists every container of every pod in phase Running, sorted by namespace, pod.
func (s *Store) Running() []ContainerRef {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := s.tables[Pods]
	var refs []ContainerRef
	for _, k := range sortedKeys(t.objects) {
		p := t.objects[k].Object.(*corev1.Pod)
		if p.Status.Phase != corev1.PodRunning {
			continue
		}
		for _, c := range p.Spec.Containers {
			refs = append(refs, ContainerRef{Namespace: p.Namespace, Pod: p.Name, Container: c.Name})
		}
	}
	return refs
}
