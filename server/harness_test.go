package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/server"
	"github.com/kubelive/kubelive/server/embedded"
	"github.com/kubelive/kubelive/server/muxserver"
	"github.com/kubelive/kubelive/server/proxy"
)

// recorder is a fake upstream that records every request that reaches it: an API server
// behind the kubeconfig proxy, or a cluster handler. It answers WebSocket upgrades from any
// origin (as a kubelet's exec would), LISTs with an empty list and a permissive CORS header,
// watches with one event, and writes with 201.
type recorder struct {
	mu   sync.Mutex
	reqs []*http.Request // clones, bodies dropped
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, r.Clone(context.Background()))
	rec.mu.Unlock()
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Access-Control-Allow-Credentials", "true")
	switch {
	case strings.EqualFold(r.Header.Get("Upgrade"), "websocket"):
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true, Subprotocols: []string{"v5.channel.k8s.io"}})
		if err != nil {
			return
		}
		_ = c.Write(r.Context(), websocket.MessageBinary, []byte("\x01started"))
		_ = c.Close(websocket.StatusNormalClosure, "")
	case r.Method != http.MethodGet:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"x"}}`)
	case r.URL.Query().Get("watch") != "":
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"type":"ADDED","object":{"kind":"Secret","metadata":{"name":"s","resourceVersion":"1"}}}`+"\n")
	default:
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"kind":"SecretList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[]}`)
	}
}

// count returns how many requests reached rec.
func (rec *recorder) count() int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return len(rec.reqs)
}

func (rec *recorder) last() *http.Request {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.reqs) == 0 {
		return nil
	}
	return rec.reqs[len(rec.reqs)-1]
}

// attackEnv is the whole backend as cmd/kubelive wires it, serving on a real loopback
// listener: "demo" (the embedded cluster), "rec" (a recorder as the cluster handler: what
// the guard lets through), and "prod" (the kubeconfig proxy to a recorder upstream whose
// server URL has a Rancher-style path prefix), the multiplexer, and /metrics.
type attackEnv struct {
	base     string // http://127.0.0.1:port
	hostport string
	store    *embedded.Store
	rec      *recorder // the "rec" cluster's handler
	upstream *recorder // the API server behind "prod"
	reg      *prometheus.Registry
}

type envOptions struct {
	allowOrigins, allowHosts []string
	maxUpstreamWatches       int
}

func newAttackEnv(t *testing.T, o envOptions) *attackEnv {
	t.Helper()
	e := &attackEnv{rec: &recorder{}, upstream: &recorder{}, reg: prometheus.NewRegistry()}
	api := httptest.NewTLSServer(e.upstream) // client-go sends credentials over TLS only
	t.Cleanup(api.Close)
	dir := t.TempDir()
	kubeconfig := filepath.Join(dir, "kubeconfig")
	require.NoError(t, os.WriteFile(kubeconfig, fmt.Appendf(nil, `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: %q
    certificate-authority-data: %s
users:
- name: u
  user:
    token: kubeconfig-token
contexts:
- name: prod
  context:
    cluster: c
    user: u
current-context: prod
`, api.URL+"/k8s/clusters/c-123", base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: api.Certificate().Raw}))), 0o600))
	ctxs, err := proxy.LoadWith(kubeconfig, proxy.Options{AcceptOptions: websocket.AcceptOptions{OriginPatterns: o.allowOrigins}})
	require.NoError(t, err)
	e.store = embedded.NewStore(embedded.Options{Seed: 1})
	require.NoError(t, embedded.Seed(e.store, nil, 1))
	clusters := []server.Cluster{
		{Name: "demo", Source: "embedded", Handler: embedded.NewHandler(e.store, embedded.HandlerOptions{WatchTimeout: time.Hour})},
		{Name: "rec", Source: "embedded", Handler: e.rec},
		{Name: "prod", Source: "kubeconfig", Handler: ctxs[0].Handler},
	}
	metrics, err := server.NewMetrics(e.reg)
	require.NoError(t, err)
	clusters = metrics.Instrument(clusters)
	up := server.NewUpstream(clusters, server.UpstreamOptions{MaxWatches: o.maxUpstreamWatches})
	require.NoError(t, server.RegisterUpstream(e.reg, up))
	mh, err := muxserver.New(muxserver.Options{Upstream: up, OriginPatterns: o.allowOrigins})
	require.NoError(t, err)
	srv, err := server.New(server.Config{Clusters: clusters, Multiplexer: mh, Metrics: metrics,
		AllowOrigins: o.allowOrigins, AllowHosts: o.allowHosts})
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-served; mh.Wait() })
	e.hostport = ln.Addr().String()
	e.base = "http://" + e.hostport
	return e
}

// client resolves every host name to the env's listener, as a rebound DNS name would.
func (e *attackEnv) client() *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, e.hostport)
	}}}
}

// do sends a request to host (the env's own when "") with headers, and returns the status
// and body.
func (e *attackEnv) do(t *testing.T, method, host, path string, header map[string]string, body string) (int, string) {
	t.Helper()
	if host == "" {
		host = e.hostport
	}
	req, err := http.NewRequestWithContext(t.Context(), method, "http://"+host+path, strings.NewReader(body))
	require.NoError(t, err)
	if body == "" {
		req.Body, req.ContentLength = nil, 0
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := e.client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// dial opens a WebSocket to host (the env's own when "") with an Origin ("" for none).
func (e *attackEnv) dial(t *testing.T, host, path, origin string, protocols ...string) (*websocket.Conn, int, error) {
	t.Helper()
	if host == "" {
		host = e.hostport
	}
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, "ws://"+host+path, &websocket.DialOptions{HTTPClient: e.client(), HTTPHeader: h, Subprotocols: protocols})
	code := 0
	if resp != nil {
		code = resp.StatusCode
	}
	if err == nil {
		t.Cleanup(func() { _ = c.CloseNow() })
	}
	return c, code, err
}

// muxFrame is a Headlamp JSON multiplexer message.
type muxFrame struct {
	ClusterID string `json:"clusterId"`
	Path      string `json:"path"`
	Query     string `json:"query"`
	UserID    string `json:"userId"`
	Type      string `json:"type"`
	Data      string `json:"data,omitempty"`
	State     string `json:"-"`
}

// muxRequest sends a REQUEST and returns the first reply for it that is not DATA: an ERROR,
// or a STATUS (State holds its state).
func muxRequest(t *testing.T, c *websocket.Conn, cluster, path, query string) muxFrame {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	b, err := json.Marshal(muxFrame{ClusterID: cluster, Path: path, Query: query, Type: "REQUEST"})
	require.NoError(t, err)
	require.NoError(t, c.Write(ctx, websocket.MessageText, b))
	for {
		_, data, err := c.Read(ctx)
		require.NoError(t, err)
		var m muxFrame
		require.NoError(t, json.Unmarshal(data, &m))
		if m.Path != path || m.Type == "DATA" {
			continue
		}
		if m.Type == "STATUS" {
			var st struct{ State string }
			require.NoError(t, json.Unmarshal([]byte(m.Data), &st))
			m.State = st.State
			if m.State == "error" {
				continue // the ERROR that follows carries the reason
			}
		}
		return m
	}
}
