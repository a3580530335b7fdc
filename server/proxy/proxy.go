// Package proxy serves every context of a kubeconfig as an http.Handler that
// forwards API requests (plain HTTP, chunked watch streams and WebSocket
// upgrades) to that context's API server with the context's credentials, as
// client-go would send them: tokens, token files, client certificates, exec
// plugins, and TLS per the kubeconfig.
//
// Credentials never appear in a log line, a URL or an error message.
package proxy

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"

	"github.com/coder/websocket"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Context is one kubeconfig context served as a cluster.
type Context struct {
	Name string
	// Server is the API server's base URL (scheme, host and any path prefix).
	Server string
	// Handler proxies the API path it receives (the /clusters/<name> prefix
	// already stripped, e.g. /api/v1/pods?watch=1) to Server.
	Handler http.Handler
}

// Tracker registers live WebSocket sessions so fault injection can drop
// them; see podio.Tracker.
type Tracker interface {
	Track(path string, cancel func()) (untrack func())
}

// Options configures the handlers of LoadWith. The zero value is usable.
type Options struct {
	// Logger receives one line per proxy failure; slog.Default() when nil.
	Logger *slog.Logger
	// AcceptOptions are used to accept the browser's WebSocket (origin
	// checks); the subprotocol list is always set by the proxy.
	AcceptOptions websocket.AcceptOptions
	// MaxMessageBytes caps one WebSocket message in either direction
	// (DefaultMaxMessageBytes when <= 0).
	MaxMessageBytes int64
	// Tracker, when set, sees every proxied WebSocket session.
	Tracker Tracker
}

// DefaultMaxMessageBytes is the default cap on one proxied WebSocket message.
const DefaultMaxMessageBytes = 16 << 20

// Load returns one Context per context of the kubeconfig at kubeconfigPath,
// sorted by name, with default Options.
func Load(kubeconfigPath string) ([]Context, error) {
	return LoadWith(kubeconfigPath, Options{})
}

// LoadWith is Load with options. A context whose credentials or TLS
// settings cannot be built is still returned; its Handler answers every
// request with a 500 Status saying why, and the reason is logged once.
func LoadWith(kubeconfigPath string, opts Options) ([]Context, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxMessageBytes <= 0 {
		opts.MaxMessageBytes = DefaultMaxMessageBytes
	}
	rules := &clientcmd.ClientConfigLoadingRules{ExplicitPath: kubeconfigPath}
	raw, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).RawConfig()
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig %s: %w", kubeconfigPath, err)
	}
	if len(raw.Contexts) == 0 {
		return nil, fmt.Errorf("load kubeconfig %s: no contexts", kubeconfigPath)
	}
	names := make([]string, 0, len(raw.Contexts))
	for name := range raw.Contexts {
		names = append(names, name)
	}
	slices.Sort(names)
	out := make([]Context, 0, len(names))
	for _, name := range names {
		cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules,
			&clientcmd.ConfigOverrides{CurrentContext: name}).ClientConfig()
		var h *handler
		if err == nil {
			h, err = newHandler(name, cfg, opts)
		}
		if err != nil {
			err = fmt.Errorf("context %s: %w", name, err)
			opts.Logger.Warn("kubeconfig context unusable", "context", name, "error", err.Error())
			out = append(out, Context{Name: name, Handler: brokenHandler{err: err}})
			continue
		}
		out = append(out, Context{Name: name, Server: h.base.String(), Handler: h})
	}
	return out, nil
}

// handler proxies to one API server.
type handler struct {
	name string
	base *url.URL // scheme, host and path prefix of the API server
	opts Options
	log  *slog.Logger
	// auth carries the kubeconfig's credentials; anon carries only its TLS
	// settings, for requests that bring their own bearer token (a client
	// certificate would otherwise win over the token on the API server).
	auth, anon http.RoundTripper
	rp         *httputil.ReverseProxy
}

func newHandler(name string, cfg *rest.Config, opts Options) (*handler, error) {
	base, _, err := rest.DefaultServerUrlFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("server url: %w", err)
	}
	auth, err := rest.TransportFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("transport: %w", err)
	}
	anon, err := rest.TransportFor(rest.AnonymousClientConfig(cfg))
	if err != nil {
		return nil, fmt.Errorf("anonymous transport: %w", err)
	}
	h := &handler{
		name: name, base: base, opts: opts, auth: auth, anon: anon,
		log: opts.Logger.With("context", name),
	}
	h.rp = &httputil.ReverseProxy{
		Rewrite:        h.rewrite,
		Transport:      roundTripperFunc(h.roundTrip),
		FlushInterval:  -1,
		ModifyResponse: stripResponse,
		ErrorHandler:   h.proxyError,
		ErrorLog:       slog.NewLogLogger(h.log.Handler(), slog.LevelWarn),
	}
	return h, nil
}

// ServeHTTP proxies r; WebSocket upgrades are pumped frame by frame.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if isWebSocket(r) {
		h.serveWebSocket(w, r)
		return
	}
	h.rp.ServeHTTP(w, r)
}

// target returns the upstream URL for the API path of r.
func (h *handler) target(in *url.URL) *url.URL {
	u := *h.base
	u.Path = strings.TrimSuffix(h.base.Path, "/") + "/" + strings.TrimPrefix(in.Path, "/")
	u.RawPath = ""
	u.RawQuery = in.RawQuery
	return &u
}

func (h *handler) rewrite(pr *httputil.ProxyRequest) {
	pr.Out.URL = h.target(pr.In.URL)
	pr.Out.Host = ""
	stripRequest(pr.Out.Header)
}

// stripRequest removes what the browser sent that the API server must not act on: its
// cookies and Origin/Referer (they belong to this server's page), and the headers that would
// let a caller choose another identity on top of the kubeconfig's credentials: Impersonate-*
// and the authenticating proxy's X-Remote-* (user, group, extra).
func stripRequest(h http.Header) {
	for k := range h {
		switch lk := strings.ToLower(k); {
		case lk == "cookie", lk == "origin", lk == "referer",
			strings.HasPrefix(lk, "impersonate-"), strings.HasPrefix(lk, "x-remote-"):
			h.Del(k)
		}
	}
}

// stripResponse removes the API server's CORS headers: whether a page of another origin may
// read this server's answers is this server's decision (Config.AllowOrigins), not the
// upstream's.
func stripResponse(resp *http.Response) error {
	for k := range resp.Header {
		if strings.HasPrefix(strings.ToLower(k), "access-control-") {
			resp.Header.Del(k)
		}
	}
	return nil
}

// roundTrip sends requests that carry their own Authorization header
// without the kubeconfig's credentials.
func (h *handler) roundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("Authorization") != "" {
		return h.anon.RoundTrip(req)
	}
	return h.auth.RoundTrip(req)
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// proxyError answers a request the API server could not be reached for.
func (h *handler) proxyError(w http.ResponseWriter, r *http.Request, err error) {
	msg := redact(err)
	h.log.Warn("proxy request failed", "method", r.Method, "path", r.URL.Path, "error", msg)
	writeStatus(w, http.StatusBadGateway, "ServiceUnavailable",
		fmt.Sprintf("error trying to reach cluster %s: %s", h.name, msg))
}

// redact returns err's message without the request URL a *url.Error
// carries (a URL can hold credentials in its query or userinfo).
func redact(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Op + ": " + redact(ue.Err)
	}
	return err.Error()
}

// brokenHandler answers for a context that could not be built.
type brokenHandler struct{ err error }

func (b brokenHandler) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	writeStatus(w, http.StatusInternalServerError, "InternalError", b.err.Error())
}

// writeStatus answers with a metav1.Status-shaped JSON error.
func writeStatus(w http.ResponseWriter, code int, reason, msg string) {
	body, _ := json.Marshal(map[string]any{
		"kind": "Status", "apiVersion": "v1", "metadata": map[string]any{},
		"status": "Failure", "message": msg, "reason": reason, "code": code,
	})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(append(body, '\n'))
}

// isWebSocket reports whether r asks for a WebSocket upgrade.
func isWebSocket(r *http.Request) bool {
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		return false
	}
	for _, v := range r.Header.Values("Connection") {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), "upgrade") {
				return true
			}
		}
	}
	return false
}
