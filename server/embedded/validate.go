package embedded

import (
	"bytes"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func conflict(r *Resource, name string) error {
	return apierrors.NewConflict(r.GroupResource(), name,
		fmt.Errorf("the object has been modified; please apply your changes to the latest version and try again"))
}

func uidConflict(r *Resource, name string, want, have types.UID) error {
	return apierrors.NewConflict(r.GroupResource(), name,
		fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", want, have))
}

// validate returns a 422 Invalid error for the few rules the embedded cluster enforces.
func validate(r *Resource, obj Object) error {
	var errs field.ErrorList
	name := obj.GetName()
	switch {
	case name == "":
		errs = append(errs, field.Required(field.NewPath("metadata", "name"), "name or generateName is required"))
	case r.Plural == Namespaces:
		for _, msg := range validation.IsDNS1123Label(name) {
			errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), name, msg))
		}
	default:
		for _, msg := range validation.IsDNS1123Subdomain(name) {
			errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), name, msg))
		}
	}
	if p, ok := obj.(*corev1.Pod); ok && len(p.Spec.Containers) == 0 {
		errs = append(errs, field.Required(field.NewPath("spec", "containers"), ""))
	}
	if len(errs) == 0 {
		return nil
	}
	return apierrors.NewInvalid(metav1SchemaGVK(r).GroupKind(), name, errs)
}

func equalJSON(a, b any) bool {
	x, errA := json.Marshal(a)
	y, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(x, y)
}
