package podio

import (
	"encoding/json"
	"fmt"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// apiStatus is a Status as the API server sends it in an error response.
type apiStatus = metav1.Status

func notFound(resource, name string) *apiStatus {
	s := apierrors.NewNotFound(schema.GroupResource{Resource: resource}, name).ErrStatus
	return &s
}

func badRequest(msg string) *apiStatus {
	s := apierrors.NewBadRequest(msg).ErrStatus
	return &s
}

func methodNotAllowed(method string) *apiStatus {
	s := apierrors.NewMethodNotSupported(schema.GroupResource{Resource: "pods"}, method).ErrStatus
	return &s
}

// writeStatus answers with s as JSON, with its code as the HTTP status.
func writeStatus(w http.ResponseWriter, s *apiStatus) {
	s.Kind, s.APIVersion = "Status", "v1"
	b, err := json.Marshal(s)
	if err != nil {
		http.Error(w, s.Message, int(s.Code))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(int(s.Code))
	_, _ = w.Write(append(b, '\n'))
}

// exitStatus is the Status a v4/v5 exec stream sends on channel 3 when the
// command ends: Success for 0, otherwise the kubelet's NonZeroExitCode
// Failure with the exit code as an ExitCode cause.
func exitStatus(command []string, code int) metav1.Status {
	if code == 0 {
		return metav1.Status{Status: metav1.StatusSuccess}
	}
	return metav1.Status{
		Status: metav1.StatusFailure,
		Message: fmt.Sprintf("command terminated with non-zero exit code: error executing command %v, exit code %d",
			command, code),
		Reason: "NonZeroExitCode",
		Details: &metav1.StatusDetails{Causes: []metav1.StatusCause{{
			Type:    "ExitCode",
			Message: fmt.Sprintf("%d", code),
		}}},
	}
}
