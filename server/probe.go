package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubelive/kubelive/internal/probe"
)

// answerProbe answers a request carrying probe.Header (a client learning why
// its WebSocket upgrade failed) with the verdict an upgrade from that origin
// gets: refused by the origin check, a 403 Status naming the origin and the
// flag that allows it, marked with the cause probe.CauseOriginRefused; allowed, nothing (false): the request proceeds, so the
// cluster's own 401/403/404 come through. It reports whether it answered.
func (s *Server) answerProbe(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get(probe.Header)
	if s.guard.OriginVerdict(r, origin) == nil { // the rule every upgrade meets
		return false
	}
	host := origin
	if u, err := url.Parse(origin); err == nil && u.Host != "" {
		host = u.Host
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusForbidden)
	_ = json.NewEncoder(w).Encode(metav1.Status{TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status: metav1.StatusFailure, Reason: metav1.StatusReasonForbidden, Code: http.StatusForbidden,
		Message: fmt.Sprintf("this server refuses WebSocket upgrades from origin %s; start it with --allow-origin %s to allow them", origin, host),
		// The mark that this is the origin's verdict, not the resource's: a
		// client takes it for every upgrade it has pending to this server.
		Details: &metav1.StatusDetails{Causes: []metav1.StatusCause{{Type: probe.CauseOriginRefused, Field: "origin"}}}})
	return true
}
