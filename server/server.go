// Package server is kubelive's native HTTP backend in the shape of Headlamp's: GET /config
// lists the clusters, /clusters/{cluster}/{api path} reaches that cluster's API (HTTP and
// WebSocket), the web UI is served from a directory, and an optional admin endpoint injects
// faults.
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
	// scheme://host when the pattern has "://") that get CORS headers. Empty: no CORS headers.
	AllowOrigins []string
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
	s := &Server{cfg: cfg, clusters: map[string]Cluster{}, mux: http.NewServeMux()}
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

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.inflight.Add(1)
	defer s.inflight.Done()
	if s.cors(w, r) || s.answerProbe(w, r) {
		return
	}
	s.cfg.Logger.Debug("request", "method", r.Method, "path", r.URL.Path)
	s.mux.ServeHTTP(w, r)
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
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(metav1.Status{TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
			Status: metav1.StatusFailure, Message: fmt.Sprintf("cluster %q not found", name), Reason: metav1.StatusReasonNotFound,
			Code: http.StatusNotFound})
		return
	}
	http.StripPrefix("/clusters/"+name, c.Handler).ServeHTTP(w, r)
}

// Serve serves on ln until ctx ends, then shuts down gracefully: it stops accepting, cancels
// every request's context (so watches end and WebSockets close with 1001 going away), and
// waits for in-flight handlers, hijacked WebSockets included, up to ShutdownTimeout.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
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
	scheme, host, ok := strings.Cut(origin, "://")
	if !ok {
		return false
	}
	for _, p := range patterns {
		target := host
		if strings.Contains(p, "://") {
			target = scheme + "://" + host
		}
		if ok, _ := path.Match(strings.ToLower(p), strings.ToLower(target)); ok {
			return true
		}
	}
	return false
}
