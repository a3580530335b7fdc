// Package endpoint builds the WebSocket URLs and subprotocol lists of kubelive's sockets:
// `{base}/clusters/{cluster}/{path}?{query}` and base64.binary.k8s.io, the
// caller's protocols, then the auth protocols. The token travels only inside
// a subprotocol; it never enters a URL, and Endpoint never prints it.
package endpoint

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/kubelive/kubelive/internal/weburl"
)

// Subprotocols kubelive knows by name.
const (
	BinaryProtocol = "base64.binary.k8s.io"
	BearerPrefix   = "base64url.bearer.authorization.k8s.io."
	UserIDPrefix   = "base64url.headlamp.authorization.k8s.io."
)

// Secret is a credential. It formats as "[redacted]" so that a stray %v or
// log line cannot leak it.
type Secret string

func (Secret) String() string   { return "[redacted]" }
func (Secret) GoString() string { return "[redacted]" }

// Endpoint is where a client's sockets go and how they authenticate.
type Endpoint struct {
	// Base is the backend's WebSocket base, e.g. "ws://127.0.0.1:8080" or
	// "wss://host/prefix"; http(s) is turned into ws(s) by New.
	Base   string
	Token  Secret // bearer token for the API server; "" for none
	UserID string // Headlamp's user id; "" for none
}

// New returns an Endpoint for base, accepting http, https, ws and wss URLs.
func New(base string, token Secret, userID string) (Endpoint, error) {
	u, query, fragment, err := weburl.ParseBase(base)
	if err != nil {
		return Endpoint{}, fmt.Errorf("base URL: %w", err)
	}
	switch u.Scheme {
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	case "ws", "wss":
	default:
		return Endpoint{}, fmt.Errorf("base URL %q: scheme must be http, https, ws or wss", base)
	}
	if query != "" || fragment != "" {
		return Endpoint{}, fmt.Errorf("base URL %q: must not have a query or fragment", base)
	}
	if userID != "" && !validUserID(userID) {
		return Endpoint{}, errors.New("user id: only letters, digits, '-' and '_' are allowed")
	}
	return Endpoint{Base: strings.TrimRight(u.String(), "/"), Token: token, UserID: userID}, nil
}

// URL returns the socket URL of path (with its query) in cluster. An empty
// cluster has no /clusters/ part. The cluster name is path-escaped.
func (e Endpoint) URL(cluster, path string) string {
	path = strings.TrimLeft(path, "/")
	if cluster == "" {
		return e.Base + "/" + path
	}
	return e.Base + "/clusters/" + weburl.PathEscape(cluster) + "/" + path
}

// HTTPURL is URL with the http(s) scheme, for fetch.
func (e Endpoint) HTTPURL(cluster, path string) string {
	u := e.URL(cluster, path)
	if strings.HasPrefix(u, "wss://") {
		return "https://" + strings.TrimPrefix(u, "wss://")
	}
	return "http://" + strings.TrimPrefix(u, "ws://")
}

// Protocols returns the subprotocols to offer, in order: base64.binary.k8s.io
// (unless the caller already offers it), the caller's, the bearer protocol
// when a token is set, the user id protocol when a user id is set.
func (e Endpoint) Protocols(caller []string) []string {
	out := make([]string, 0, len(caller)+3)
	out = append(out, BinaryProtocol)
	for _, p := range caller {
		if p != BinaryProtocol {
			out = append(out, p)
		}
	}
	if e.Token != "" {
		out = append(out, BearerPrefix+base64.RawURLEncoding.EncodeToString([]byte(e.Token)))
	}
	if e.UserID != "" {
		out = append(out, UserIDPrefix+e.UserID)
	}
	return out
}

// AuthProtocols returns only the auth subprotocols (bearer, then user id),
// for sockets that negotiate their own protocol family (exec, attach).
func (e Endpoint) AuthProtocols() []string {
	return e.Protocols(nil)[1:]
}

// ValidProtocol reports whether p is a valid subprotocol token (RFC 6455:
// an RFC 2616 token, so no separators such as ',' or ' ').
func ValidProtocol(p string) bool {
	if p == "" {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c <= 0x20 || c >= 0x7f || strings.IndexByte("()<>@,;:\\\"/[]?={}", c) >= 0 {
			return false
		}
	}
	return true
}

func validUserID(s string) bool {
	for _, c := range s {
		if !(c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}
