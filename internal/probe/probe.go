// Package probe explains refused WebSocket upgrades. Browsers report every
// refused upgrade as a close with code 1006 and hide the HTTP status, so
// after a failed dial the client makes one plain HTTP request for the same
// resource (a list's LIST with limit=1, a GET of a stream's pod), carrying
// Header with its own origin: kubelive's server answers it with the verdict
// an upgrade from that origin gets, and any server answers with the status
// the resource has (401, 403, 404, ...). FromResponse turns that answer into
// the error the failed dial stands for.
//
// Describe turns any error a list or stream reports into what a person
// reads: a sentence, with the raw HTTP code and reason beside it.
package probe

import (
	"errors"
	"fmt"

	"github.com/kubelive/kubelive/internal/transport"
)

// Header carries the client's origin (self.location.origin) on a probe. A
// server that checks WebSocket origins answers a request carrying it with
// the verdict an upgrade from that origin would get: browsers send no
// Origin on same-origin GETs, and an app behind a proxy is same-origin to
// its proxy.
const Header = "Kubelive-Probe-Origin"

// CauseOriginRefused is the type of the Status cause with which kubelive's
// server marks its answer to a probe whose origin it refuses: a verdict on
// the page's origin, not on the resource, so it holds for every upgrade
// from that origin to that server.
const CauseOriginRefused = "OriginRefused"

// StatusError is the server's answer to a probe: its HTTP status and, when
// the body was a Kubernetes Status, its reason and message. OriginRefused
// reports the CauseOriginRefused mark.
type StatusError struct {
	Code          int
	Reason        string
	Message       string
	OriginRefused bool
}

// OriginRefused reports whether err carries a probe's answer that refuses
// the page's origin (CauseOriginRefused): every dial from the page to that
// server fails alike.
func OriginRefused(err error) bool {
	var se *StatusError
	return errors.As(err, &se) && se.OriginRefused
}

func (e *StatusError) Error() string {
	switch {
	case e.Message != "" && e.Reason != "":
		return fmt.Sprintf("HTTP %d: %s: %s", e.Code, e.Reason, e.Message)
	case e.Message != "":
		return fmt.Sprintf("HTTP %d: %s", e.Code, e.Message)
	case e.Reason != "":
		return fmt.Sprintf("HTTP %d: %s", e.Code, e.Reason)
	}
	return fmt.Sprintf("HTTP %d", e.Code)
}

// FromResponse reads a probe's answer: status 0 (no answer: the network
// failed) or 2xx (the resource is served: the socket failed on its own)
// return nil, and the dial's own error stands. Any other status returns a
// *transport.HandshakeError with that status, wrapping a *StatusError with
// the body's reason and message (a body that is not a Status is ignored,
// never quoted). For a 404 with no message, notFound (e.g. `pod "x" not
// found`) is the message.
func FromResponse(status int, body []byte, notFound string) error {
	if status == 0 || status >= 200 && status < 300 {
		return nil
	}
	se := &StatusError{Code: status}
	if st, ok := statusOf(body); ok {
		se.Reason, se.Message, se.OriginRefused = st.reason, st.message, st.originRefused
	}
	if status == 404 && se.Message == "" {
		se.Message = notFound
	}
	return &transport.HandshakeError{Status: status, Err: se}
}
