package server

import (
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/kubelive/kubelive/server/wsx"
)

// Flags named by refusals, so that a person who meant the request knows what to change.
const (
	AllowHostFlag   = "--allow-host"
	AllowOriginFlag = "--allow-origin"
)

// Sentinel errors of the guard; each refusal wraps one.
var (
	// ErrHostNotAllowed: the Host header is not one the server answers to (DNS rebinding).
	ErrHostNotAllowed = errors.New("host not allowed")
	// ErrOriginNotAllowed: a WebSocket upgrade or a write from a foreign origin.
	ErrOriginNotAllowed = errors.New("origin not allowed")
	// ErrContentType: a write to a cluster without a JSON, YAML or patch body type.
	ErrContentType = errors.New("unsupported content type")
	// ErrBadPath: a cluster path with dot or empty segments or outside the API's roots.
	ErrBadPath = errors.New("bad API path")
)

// guard decides, before any handler runs, whether the server acts on a request. It holds
// the whole policy in one place: the Host allowlist (against DNS rebinding), the Origin
// of WebSocket upgrades (cross-site WebSockets), the origin and content type of writes
// (CSRF) and the shape of cluster paths (escapes from an API server's path prefix).
type guard struct {
	// origins are --allow-origin patterns (coder/websocket's: host, or scheme://host).
	origins []string
	// hosts are --allow-host entries: "name" (any port), "name:port", ".domain" (the
	// domain and its subdomains, any port), or "*" (every host).
	hosts []string
	// listen is the listener's address once Serve runs; nil before. Until it is known,
	// loopback names are accepted on any port.
	listen atomic.Pointer[net.TCPAddr]
	csrf   *http.CrossOriginProtection
}

func newGuard(origins, hosts []string) (*guard, error) {
	for _, h := range hosts {
		if h == "" || strings.ContainsAny(h, "/@ ") {
			return nil, fmt.Errorf("allowed host %q: want a host name, host:port, .domain or *", h)
		}
	}
	lower := make([]string, len(hosts))
	for i, h := range hosts {
		lower[i] = strings.ToLower(h)
	}
	return &guard{origins: origins, hosts: lower, csrf: http.NewCrossOriginProtection()}, nil
}

// check returns nil when r may reach a handler, or the refusal with its HTTP status.
// Order: Host, then the path of cluster routes, then Origin (upgrades) or CSRF (writes),
// then the content type of cluster writes.
func (g *guard) check(r *http.Request) (int, error) {
	if err := g.hostAllowed(r.Host); err != nil {
		return http.StatusForbidden, err
	}
	api, isCluster := clusterAPIPath(r.URL.Path)
	if isCluster {
		if err := checkAPIPath(api); err != nil {
			return http.StatusBadRequest, err
		}
	}
	if wsx.IsUpgrade(r) {
		if err := g.OriginVerdict(r, r.Header.Get("Origin")); err != nil {
			return http.StatusForbidden, err
		}
	}
	if !stateChanging(r.Method) {
		return 0, nil
	}
	if err := g.writeOrigin(r); err != nil {
		return http.StatusForbidden, err
	}
	if isCluster {
		if err := checkContentType(r); err != nil {
			return http.StatusUnsupportedMediaType, err
		}
	}
	return 0, nil
}

// OriginVerdict returns nil when a WebSocket upgrade carrying this Origin would be accepted
// on r (same origin as r's Host, or matching an --allow-origin pattern); otherwise an error
// wrapping ErrOriginNotAllowed whose message names the origin and the flag.
func (g *guard) OriginVerdict(r *http.Request, origin string) error {
	if origin == "" || wsx.CheckOrigin(origin, r.Host, g.origins) == nil {
		return nil
	}
	return fmt.Errorf("%w: origin %q may not use this server; to allow it, start kubelive with %s %s",
		ErrOriginNotAllowed, origin, AllowOriginFlag, originHost(origin))
}

// writeOrigin applies the CSRF rule to a state-changing request: a browser's request must be
// same-origin (Sec-Fetch-Site same-origin or none, else an Origin matching the Host) or come
// from an --allow-origin origin. A request with neither header is not a browser's (browsers
// send Origin with every POST, PUT, PATCH and DELETE) and passes.
func (g *guard) writeOrigin(r *http.Request) error {
	origin := r.Header.Get("Origin")
	if origin != "" && OriginAllowed(origin, g.origins) {
		return nil
	}
	if err := g.csrf.Check(r); err != nil {
		if origin == "" {
			origin = "(none, Sec-Fetch-Site " + r.Header.Get("Sec-Fetch-Site") + ")"
		}
		return fmt.Errorf("%w: %s %s from origin %s refused as a cross-site request; to allow that origin, start kubelive with %s %s",
			ErrOriginNotAllowed, r.Method, r.URL.Path, origin, AllowOriginFlag, originHost(origin))
	}
	return nil
}

// originHost is what to pass to --allow-origin for origin: its host.
func originHost(origin string) string {
	if u, err := url.Parse(origin); err == nil && u.Host != "" {
		return u.Host
	}
	return "<host:port>"
}

// hostAllowed checks the Host header: the listen address, localhost, 127.0.0.1 and [::1]
// with the listen port, or an --allow-host entry.
func (g *guard) hostAllowed(hostport string) error {
	host, port := splitHost(hostport)
	if host != "" {
		listen := g.listen.Load()
		if listen == nil && isLoopbackName(host) {
			return nil
		}
		if listen != nil && port == strconv.Itoa(listen.Port) &&
			(isLoopbackName(host) || (!listen.IP.IsUnspecified() && net.ParseIP(strings.Trim(host, "[]")).Equal(listen.IP))) {
			return nil
		}
		for _, h := range g.hosts {
			if hostMatches(h, host, port) {
				return nil
			}
		}
	}
	return fmt.Errorf("%w: this server does not answer to host %q; to serve it, start kubelive with %s %s",
		ErrHostNotAllowed, hostport, AllowHostFlag, strings.Trim(host, "[]"))
}

// splitHost returns the lower-cased host (IPv6 in brackets) and the port of a Host header
// ("80" when it has none).
func splitHost(hostport string) (host, port string) {
	hostport = strings.ToLower(hostport)
	h, p, err := net.SplitHostPort(hostport)
	if err != nil {
		h, p = strings.Trim(hostport, "[]"), "80"
	}
	if strings.Contains(h, ":") {
		h = "[" + h + "]"
	}
	return h, p
}

func isLoopbackName(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "[::1]"
}

// hostMatches matches one lower-cased --allow-host entry against a Host's name and port.
func hostMatches(entry, host, port string) bool {
	switch {
	case entry == "*":
		return true
	case strings.HasPrefix(entry, "."):
		return host == entry[1:] || strings.HasSuffix(host, entry)
	}
	if h, p, err := net.SplitHostPort(entry); err == nil {
		return strings.Trim(host, "[]") == h && port == p
	}
	return strings.Trim(host, "[]") == strings.Trim(entry, "[]")
}

func stateChanging(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// checkContentType requires a JSON, YAML or patch body on a write to a cluster: none of
// them is one a page may send cross-site without a preflight, and the API server would
// otherwise read a missing type as JSON. A DELETE without a body needs none.
func checkContentType(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		if r.Method == http.MethodDelete && r.ContentLength == 0 {
			return nil
		}
		return fmt.Errorf("%w: %s %s has no Content-Type; send application/json, application/yaml or a patch type",
			ErrContentType, r.Method, r.URL.Path)
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil {
		switch mt {
		case "application/json", "application/yaml", "application/vnd.kubernetes.protobuf",
			"application/json-patch+json", "application/merge-patch+json",
			"application/strategic-merge-patch+json", "application/apply-patch+yaml", "application/apply-patch+cbor":
			return nil
		}
	}
	return fmt.Errorf("%w: %s %s with Content-Type %q; send application/json, application/yaml or a patch type",
		ErrContentType, r.Method, r.URL.Path, ct)
}

// clusterAPIPath returns the API path of a /clusters/{name}/... request (with its leading
// slash) and whether r.URL.Path is one.
func clusterAPIPath(p string) (string, bool) {
	rest, ok := strings.CutPrefix(p, "/clusters/")
	if !ok {
		return "", false
	}
	_, api, ok := strings.Cut(rest, "/")
	if !ok {
		return "", false
	}
	return "/" + api, true
}

// apiRoot reports whether seg is the first segment of one of the Kubernetes API's own paths.
func apiRoot(seg string) bool {
	switch seg {
	case "api", "apis", "version", "openapi", "healthz", "livez", "readyz":
		return true
	}
	return false
}

// checkAPIPath is the one check of a path below a cluster (HTTP, WebSocket and multiplexer
// REQUESTs alike), on the decoded path: it must be absolute, start with one of the API's
// roots, and hold no "." or ".." segment (so %2e%2e is refused too), no empty segment (a
// trailing slash aside), no backslash and no control character.
func checkAPIPath(p string) error {
	bad := func(why string) error {
		return fmt.Errorf("%w %q: %s", ErrBadPath, p, why)
	}
	if !strings.HasPrefix(p, "/") {
		return bad("not absolute")
	}
	segs := strings.Split(strings.TrimSuffix(p[1:], "/"), "/")
	if !apiRoot(segs[0]) {
		return bad("only /api, /apis, /version, /openapi, /healthz, /livez and /readyz are served")
	}
	for _, s := range segs {
		switch {
		case s == "":
			return bad("empty path segment")
		case s == "." || s == "..":
			return bad("dot segment")
		case strings.ContainsFunc(s, func(c rune) bool { return c == '\\' || c < 0x20 || c == 0x7f }):
			return bad("backslash or control character")
		}
	}
	return nil
}
