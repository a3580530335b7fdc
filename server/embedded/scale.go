package embedded

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// scaleOf returns the autoscaling/v1 Scale of a Deployment, ReplicaSet or StatefulSet.
func scaleOf(st *Stored) (*autoscalingv1.Scale, error) {
	var spec, status int32
	var sel *metav1.LabelSelector
	switch o := st.Object.(type) {
	case *appsv1.Deployment:
		spec, status, sel = derefReplicas(o.Spec.Replicas), o.Status.Replicas, o.Spec.Selector
	case *appsv1.ReplicaSet:
		spec, status, sel = derefReplicas(o.Spec.Replicas), o.Status.Replicas, o.Spec.Selector
	case *appsv1.StatefulSet:
		spec, status, sel = derefReplicas(o.Spec.Replicas), o.Status.Replicas, o.Spec.Selector
	default:
		return nil, notFound()
	}
	selector := ""
	if sel != nil {
		if s, err := metav1.LabelSelectorAsSelector(sel); err == nil {
			selector = s.String()
		}
	}
	return &autoscalingv1.Scale{
		TypeMeta: metav1.TypeMeta{Kind: "Scale", APIVersion: "autoscaling/v1"},
		ObjectMeta: metav1.ObjectMeta{Name: st.Object.GetName(), Namespace: st.Object.GetNamespace(), UID: st.Object.GetUID(),
			ResourceVersion: st.Object.GetResourceVersion(), CreationTimestamp: st.Object.GetCreationTimestamp()},
		Spec:   autoscalingv1.ScaleSpec{Replicas: spec},
		Status: autoscalingv1.ScaleStatus{Replicas: status, Selector: selector},
	}, nil
}

func derefReplicas(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}

// serveScale answers GET, PUT and PATCH of {deployments,replicasets,statefulsets}/{name}/scale:
// a write changes spec.replicas of the object and answers its new Scale.
func (h *Handler) serveScale(w http.ResponseWriter, r *http.Request, req request) error {
	st, err := h.store.Get(req.res.Plural, req.ns, req.name)
	if err != nil {
		return err
	}
	cur, err := scaleOf(st)
	if err != nil {
		return err
	}
	if r.Method == http.MethodGet {
		writeJSON(w, http.StatusOK, cur)
		return nil
	}
	if r.Method != http.MethodPut && r.Method != http.MethodPatch {
		return apierrors.NewMethodNotSupported(req.res.GroupResource(), r.Method)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("read body: %v", err))
	}
	if r.Method == http.MethodPatch {
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		curJSON, _ := json.Marshal(cur)
		switch types.PatchType(ct) {
		case types.MergePatchType, types.StrategicMergePatchType:
			body, err = jsonpatch.MergePatch(curJSON, body)
		case types.JSONPatchType:
			var p jsonpatch.Patch
			if p, err = jsonpatch.DecodePatch(body); err == nil {
				body, err = p.Apply(curJSON)
			}
		default:
			return unsupportedMedia(types.PatchType(ct))
		}
		if err != nil {
			return apierrors.NewBadRequest(fmt.Sprintf("apply patch to the Scale: %v", err))
		}
	}
	var want autoscalingv1.Scale
	if err := json.Unmarshal(body, &want); err != nil {
		return apierrors.NewBadRequest(fmt.Sprintf("the object provided is unrecognized (must be of type Scale): %v", err))
	}
	if want.Spec.Replicas < 0 {
		return invalid(req.res, req.name, fmt.Sprintf("spec.replicas: Invalid value: %d: must be greater than or equal to 0", want.Spec.Replicas))
	}
	if rv := want.ResourceVersion; rv != "" && rv != cur.ResourceVersion {
		return conflict(req.res, req.name)
	}
	patch := fmt.Appendf(nil, `{"spec":{"replicas":%d}}`, want.Spec.Replicas)
	st, err = h.store.Patch(req.res.Plural, req.ns, req.name, types.MergePatchType, patch)
	if err != nil {
		return err
	}
	out, err := scaleOf(st)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
