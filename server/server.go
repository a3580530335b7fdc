// Package server is kubelive's native HTTP backend in the shape of Headlamp's: GET /config
// lists the clusters, /clusters/{cluster}/{api path} reaches that cluster's API (HTTP and
// WebSocket), the web UI is served from a directory, /metrics serves Prometheus metrics, and
// an optional admin endpoint injects faults.
//
// Every request, on every route, passes one guard before anything else happens: the Host
// allowlist, the path of cluster routes, the Origin of WebSocket upgrades and the CSRF rule
// of writes. A refused WebSocket reaches no handler: nothing is dialled, run or watched.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubelive/kubelive/server/wsx"
)

// Cluster is one cluster the server serves under /clusters/{Name}/.
type Cluster struct {
	Name   string
	Source string // "embedded", "kubeconfig", ...
	// Handler serves the cluster's API paths (/api/v1/..., /apis/...), prefix stripped.
	Handler http.Handler
}

// Config configures a Server.
type Config struct {
	Clusters []Cluster
	// StaticDir holds the web UI ("" serves none).
	StaticDir string
	// AllowOrigins lists origin patterns (path.Match against the origin's host, or against
	// scheme://host when the pattern has "://") that may open WebSockets, send writes and get
	// CORS headers, beside the server's own origin. Empty: same origin only.
	AllowOrigins []string
	// AllowHosts adds Host header values the server answers to, beside the listen address and
	// localhost, 127.0.0.1 and [::1] with the listen port: "name" (any port), "name:port",
	// ".domain" (the domain and its subdomains) or "*" (any host: no DNS rebinding defence).
	AllowHosts []string
	// Metrics, when set, are updated by the server and served at /metrics (nil: 404).
	Metrics *Metrics
	// Admin serves /admin/ (nil: 404).
	Admin http.Handler
	// Multiplexer serves /wsMultiplexer (nil: 404, and clients fall back to per-URL sockets).
	Multiplexer http.Handler
	// ShutdownTimeout bounds graceful shutdown (default 10 s).
	ShutdownTimeout time.Duration
	// Logger (default slog.Default()). Requests are logged by method and path only: never
	// headers, tokens or subprotocols.
	Logger *slog.Logger
}

// Server is the kubelive backend. It is an http.Handler; Serve runs it with graceful shutdown.
type Server struct {
	cfg      Config
	guard    *guard
	clusters map[string]Cluster
	mux      *http.ServeMux
	inflight sync.WaitGroup // every request being served, hijacked WebSockets included
}

// New validates cfg and returns a Server.
func New(cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 10 * time.Second
	}
	for _, p := range cfg.AllowOrigins {
		if _, err := path.Match(p, ""); err != nil {
			return nil, fmt.Errorf("allowed origin pattern %q: %w", p, err)
		}
	}
	g, err := newGuard(cfg.AllowOrigins, cfg.AllowHosts)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, guard: g, clusters: map[string]Cluster{}, mux: http.NewServeMux()}
	for _, c := range cfg.Clusters {
		if c.Name == "" || strings.Contains(c.Name, "/") {
			return nil, fmt.Errorf("cluster name %q: must be non-empty and contain no '/'", c.Name)
		}
		if _, dup := s.clusters[c.Name]; dup {
			return nil, fmt.Errorf("cluster %q configured twice", c.Name)
		}
		s.clusters[c.Name] = c
	}
	s.mux.HandleFunc("GET /config", s.config)
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok")
	})
	s.mux.HandleFunc("/clusters/{cluster}/", s.cluster)
	if cfg.Multiplexer != nil {
		s.mux.Handle("/wsMultiplexer", cfg.Multiplexer)
	}
	if cfg.Metrics != nil {
		s.mux.Handle("GET /metrics", cfg.Metrics.handler())
	}
	if cfg.Admin != nil {
		s.mux.Handle("/admin/", cfg.Admin)
	} else {
		s.mux.HandleFunc("/admin/", func(w http.ResponseWriter, _ *http.Request) { http.NotFound(w, nil) })
	}
	if cfg.StaticDir != "" {
		s.mux.Handle("/", staticFiles(cfg.StaticDir))
	}
	return s, nil
}

// ServeHTTP guards r (see the package doc), answers CORS preflights of allowed origins, then
// routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.inflight.Add(1)
	defer s.inflight.Done()
	if code, err := s.guard.check(r); err != nil {
		s.cfg.Logger.Info("request refused", "method", r.Method, "path", r.URL.Path, "code", code, "error", err.Error())
		writeStatus(w, code, err.Error())
		return
	}
	if s.cors(w, r) || s.answerProbe(w, r) {
		return
	}
	s.cfg.Logger.Debug("request", "method", r.Method, "path", r.URL.Path)
	w, done := s.cfg.Metrics.trackWebSocket(w, r)
	defer done()
	s.mux.ServeHTTP(w, r)
}

// OriginVerdict tells whether a WebSocket upgrade on r from origin would be accepted: nil,
// or the refusal (wrapping ErrOriginNotAllowed) whose message names the origin and the
// --allow-origin flag. The guard applies exactly this to every upgrade.
func (s *Server) OriginVerdict(r *http.Request, origin string) error {
	return s.guard.OriginVerdict(r, origin)
}

// writeStatus answers with a Kubernetes Status, as the API server answers its errors.
func writeStatus(w http.ResponseWriter, code int, msg string) {
	reason := metav1.StatusReasonForbidden
	switch code {
	case http.StatusNotFound:
		reason = metav1.StatusReasonNotFound
	case http.StatusBadRequest:
		reason = metav1.StatusReasonBadRequest
	case http.StatusUnsupportedMediaType:
		reason = metav1.StatusReasonUnsupportedMediaType
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(metav1.Status{TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status: metav1.StatusFailure, Message: msg, Reason: reason, Code: int32(code)})
}

type clusterInfo struct {
	Name   string `json:"name"`
	Source string `json:"source"`
}

func (s *Server) config(w http.ResponseWriter, _ *http.Request) {
	out := struct {
		Clusters []clusterInfo `json:"clusters"`
		// Multiplexer tells clients that /wsMultiplexer is served, so that
		// 'auto' picks it without probing (a failed probe is a console error).
		Multiplexer bool `json:"multiplexer"`
	}{Clusters: []clusterInfo{}, Multiplexer: s.cfg.Multiplexer != nil}
	for _, c := range s.cfg.Clusters {
		out.Clusters = append(out.Clusters, clusterInfo{Name: c.Name, Source: c.Source})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	_ = json.NewEncoder(w).Encode(out) // a write error means the client is gone
}

// cluster dispatches /clusters/{cluster}/... to the cluster's handler with the prefix stripped
// (r.RequestURI keeps the original path).
func (s *Server) cluster(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("cluster")
	c, ok := s.clusters[name]
	if !ok {
		writeStatus(w, http.StatusNotFound, fmt.Sprintf("cluster %q not found", name))
		return
	}
	http.StripPrefix("/clusters/"+name, c.Handler).ServeHTTP(w, r)
}

// Serve serves on ln until ctx ends, then shuts down gracefully: it stops accepting, cancels
// every request's context (so watches end and WebSockets close with 1001 going away), and
// waits for in-flight handlers, hijacked WebSockets included, up to ShutdownTimeout.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok {
		s.guard.listen.Store(tcp)
	}
	base, cancelBase := context.WithCancel(context.Background())
	defer cancelBase()
	srv := &http.Server{
		Handler:           s,
		BaseContext:       func(net.Listener) context.Context { return base },
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelDebug),
	}
	srv.RegisterOnShutdown(cancelBase)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	cancelBase()
	err := srv.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	done := make(chan struct{})
	go func() { s.inflight.Wait(); close(done) }()
	select {
	case <-done:
	case <-sctx.Done():
		err = errors.Join(err, fmt.Errorf("shutdown: handlers still running: %w", sctx.Err()))
	}
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// cors sets CORS headers when the request's Origin is allowed, and answers preflights.
// It reports whether the request was fully handled.
func (s *Server) cors(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if len(s.cfg.AllowOrigins) == 0 || origin == "" || !OriginAllowed(origin, s.cfg.AllowOrigins) {
		return false
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Add("Vary", "Origin")
	h.Set("Access-Control-Allow-Credentials", "true")
	if r.Method != http.MethodOptions || r.Header.Get("Access-Control-Request-Method") == "" {
		return false
	}
	h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS")
	if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
		h.Set("Access-Control-Allow-Headers", req)
	}
	h.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
	return true
}

// OriginAllowed matches an Origin header against patterns the way coder/websocket does:
// against the host, or against scheme://host when the pattern contains "://".
func OriginAllowed(origin string, patterns []string) bool {
	return wsx.OriginMatches(origin, patterns)
}
