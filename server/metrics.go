package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kubelive/kubelive/server/wsx"
)

// Verbs counted by kubelive_requests_total: the API server's, as its audit log names them
// (upper-cased); a request with any other method is not counted.
const (
	VerbList   = "LIST"
	VerbGet    = "GET"
	VerbWatch  = "WATCH"
	VerbPost   = "POST"
	VerbPut    = "PUT"
	VerbPatch  = "PATCH"
	VerbDelete = "DELETE"
)

// WebSocket routes of kubelive_websockets_open.
const (
	RouteWatch       = "watch"
	RouteMux         = "mux"
	RouteExec        = "exec"
	RouteAttach      = "attach"
	RouteLog         = "log"
	RoutePortForward = "portforward"
)

// Metrics are the server's Prometheus metrics, registered on a registry the caller owns
// (never the default one):
//
//   - kubelive_websockets_open{route}: WebSockets upgraded and not yet ended, by route;
//   - kubelive_watches{cluster}: watches being served (WebSocket and HTTP watches, and the
//     multiplexer's subscriptions, each of which is one in-process HTTP watch);
//   - kubelive_upstream_watches: the multiplexer's in-process watches (see Upstream);
//   - kubelive_requests_total{cluster,verb}: requests that reached a cluster's handler.
type Metrics struct {
	gatherer  prometheus.Gatherer
	websocket *prometheus.GaugeVec
	watches   *prometheus.GaugeVec
	requests  *prometheus.CounterVec
}

// NewMetrics registers the metrics on reg and serves reg at /metrics (Config.Metrics).
func NewMetrics(reg *prometheus.Registry) (*Metrics, error) {
	m := &Metrics{
		gatherer: reg,
		websocket: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "kubelive_websockets_open", Help: "WebSockets open now, by route.",
		}, []string{"route"}),
		watches: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "kubelive_watches", Help: "Watches served now (WebSocket, HTTP and multiplexer subscriptions), by cluster.",
		}, []string{"cluster"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kubelive_requests_total", Help: "Requests that reached a cluster, by cluster and API verb.",
		}, []string{"cluster", "verb"}),
	}
	for _, route := range []string{RouteWatch, RouteMux, RouteExec, RouteAttach, RouteLog, RoutePortForward} {
		m.websocket.WithLabelValues(route) // exported as 0 before the first one opens
	}
	for _, c := range []prometheus.Collector{m.websocket, m.watches, m.requests} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register metrics: %w", err)
		}
	}
	return m, nil
}

// RegisterUpstream exports u's open watch count as kubelive_upstream_watches on reg.
func RegisterUpstream(reg prometheus.Registerer, u *Upstream) error {
	g := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "kubelive_upstream_watches", Help: "Watches the multiplexer holds open on clusters for its subscriptions.",
	}, func() float64 { return float64(u.Open()) })
	if err := reg.Register(g); err != nil {
		return fmt.Errorf("register upstream metric: %w", err)
	}
	return nil
}

// handler serves the registry in the Prometheus text format.
func (m *Metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.gatherer, promhttp.HandlerOpts{})
}

// Instrument returns clusters whose handlers count every request (kubelive_requests_total)
// and every watch while it is served (kubelive_watches). Give the result to both New and
// NewUpstream so that the multiplexer's watches are counted as well. A nil m returns
// clusters unchanged.
func (m *Metrics) Instrument(clusters []Cluster) []Cluster {
	if m == nil {
		return clusters
	}
	out := make([]Cluster, len(clusters))
	for i, c := range clusters {
		out[i] = c
		m.watches.WithLabelValues(c.Name)
		out[i].Handler = &counted{next: c.Handler, m: m, cluster: c.Name}
	}
	return out
}

// counted is a cluster handler that feeds the request and watch metrics.
type counted struct {
	next    http.Handler
	m       *Metrics
	cluster string
}

func (c *counted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	verb := Verb(r.Method, r.URL.Path, r.URL.Query())
	if verb != "" {
		c.m.requests.WithLabelValues(c.cluster, verb).Inc()
	}
	if verb == VerbWatch {
		g := c.m.watches.WithLabelValues(c.cluster)
		g.Inc()
		defer g.Dec()
	}
	c.next.ServeHTTP(w, r)
}

// Verb names a request below a cluster as the API server does: GET of a collection is LIST,
// of a collection or an object with watch=true is WATCH (so is the legacy /watch/ prefix),
// any other GET (an object, a subresource, discovery) is GET; writes are named by method.
func Verb(method, apiPath string, q url.Values) string {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return method
	case http.MethodGet, http.MethodHead:
	default:
		return ""
	}
	segs := strings.Split(strings.Trim(apiPath, "/"), "/")
	var rest []string
	switch {
	case len(segs) >= 2 && segs[0] == "api":
		rest = segs[2:]
	case len(segs) >= 3 && segs[0] == "apis":
		rest = segs[3:]
	default:
		return VerbGet // discovery, /version, health
	}
	if len(rest) > 0 && rest[0] == "watch" {
		return VerbWatch
	}
	if w := q.Get("watch"); w == "1" || w == "true" {
		return VerbWatch
	}
	if len(rest) >= 3 && rest[0] == "namespaces" {
		rest = rest[2:] // namespaced resource; "namespaces/x" alone is the namespace object
	}
	if len(rest) == 1 {
		return VerbList
	}
	return VerbGet
}

// websocketRoute names the route of an upgrade for kubelive_websockets_open.
func websocketRoute(p string) string {
	if p == "/wsMultiplexer" {
		return RouteMux
	}
	switch p[strings.LastIndexByte(p, '/')+1:] {
	case "exec":
		return RouteExec
	case "attach":
		return RouteAttach
	case "log":
		return RouteLog
	case "portforward":
		return RoutePortForward
	}
	return RouteWatch
}

// trackWebSocket counts r's WebSocket in kubelive_websockets_open from the moment its
// upgrade is answered 101 until the handler returns (a coder/websocket handler returns only
// after the socket ended). It returns the writer to hand down and the function to call
// when the handler returned.
func (m *Metrics) trackWebSocket(w http.ResponseWriter, r *http.Request) (http.ResponseWriter, func()) {
	if m == nil || !wsx.IsUpgrade(r) {
		return w, func() {}
	}
	sw := &switchWriter{ResponseWriter: w, gauge: m.websocket.WithLabelValues(websocketRoute(r.URL.Path))}
	return sw, func() {
		if sw.open {
			sw.gauge.Dec()
		}
	}
}

// switchWriter sees the 101 of an upgrade. It unwraps for http.ResponseController and
// coder/websocket's hijack.
type switchWriter struct {
	http.ResponseWriter
	gauge prometheus.Gauge
	open  bool // a 101 was written; touched only by the handler's goroutine
}

func (s *switchWriter) WriteHeader(code int) {
	if code == http.StatusSwitchingProtocols && !s.open {
		s.open = true
		s.gauge.Inc()
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *switchWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
