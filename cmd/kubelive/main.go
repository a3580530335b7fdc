// Command kubelive serves the web UI, an embedded demo cluster alive with churn, and (with a
// kubeconfig) real clusters, in the shape of Headlamp's backend.
//
// Its first line on stdout is KUBELIVE_ADDR=host:port once it listens, so scripts and tests
// can start it with --addr 127.0.0.1:0.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/kubelive/kubelive/server"
	"github.com/kubelive/kubelive/server/embedded"
	"github.com/kubelive/kubelive/server/faults"
	"github.com/kubelive/kubelive/server/muxserver"
	"github.com/kubelive/kubelive/server/podio"
	"github.com/kubelive/kubelive/server/proxy"
	"github.com/kubelive/kubelive/server/wsx"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// exitCode is the process's exit status for run's result: 0 for success and
// for -h/--help (the flag package has printed the usage already), otherwise 1
// after err is written to stderr.
func exitCode(err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintln(stderr, "kubelive:", err)
	return 1
}

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

type options struct {
	addr, static, kubeconfig, namespaces, logLevel string
	churn                                          float64
	seed                                           uint64
	admin                                          bool
	allowOrigins, allowHosts                       listFlag
	maxUpstreamWatches                             int
	maxMessage                                     int64
	maxSubscriptions                               int
	history, watchQueue                            int
	watchTimeout, bookmarkInterval, pingInterval   time.Duration
	logInterval                                    time.Duration
	demoClusters, scale                            int
	stateDir                                       string
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("kubelive", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen address (port 0 picks a free one)")
	fs.StringVar(&o.static, "static", "web/dist", "directory of the web UI (empty: none)")
	fs.Float64Var(&o.churn, "churn", 20, "writes per second of the embedded cluster's churn generator (0: none)")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the embedded cluster's data and churn")
	fs.StringVar(&o.namespaces, "namespaces", strings.Join(embedded.DefaultNamespaces(), ","), "namespaces of the embedded cluster")
	fs.BoolVar(&o.admin, "admin", false, "enable the fault-injection endpoint /admin/ (tests only)")
	fs.Var(&o.allowOrigins, "allow-origin", "extra allowed origin pattern for WebSockets, writes and CORS, e.g. 127.0.0.1:* (repeatable)")
	fs.Var(&o.allowHosts, "allow-host", "extra Host the server answers to (name, name:port, .domain, or * for any); localhost, 127.0.0.1, [::1] and the listen address are always allowed (repeatable)")
	fs.IntVar(&o.maxUpstreamWatches, "max-upstream-watches", server.DefaultMaxUpstreamWatches, "watches all multiplexer sockets together may hold")
	fs.Int64Var(&o.maxMessage, "max-message", wsx.DefaultReadLimit, "largest WebSocket message read, in bytes")
	fs.IntVar(&o.maxSubscriptions, "max-subscriptions", muxserver.DefaultMaxSubscriptions, "watches one multiplexer socket may hold")
	fs.IntVar(&o.history, "history", 1000, "watch event history per resource (older resumes get 410 Expired)")
	fs.IntVar(&o.watchQueue, "watch-queue", 4096, "events a watcher may have pending before it is terminated")
	fs.DurationVar(&o.watchTimeout, "watch-timeout", 30*time.Minute, "minimum server-side watch timeout (each watch gets a random one in [t, 2t))")
	fs.DurationVar(&o.bookmarkInterval, "bookmark-interval", time.Minute, "interval of BOOKMARK events")
	fs.DurationVar(&o.pingInterval, "ping-interval", wsx.DefaultPingInterval, "WebSocket keep-alive ping interval")
	fs.DurationVar(&o.logInterval, "log-interval", time.Second, "interval between the log lines the embedded containers write")
	fs.IntVar(&o.demoClusters, "demo-clusters", 1, "number of embedded clusters (demo, demo-2, ...)")
	fs.IntVar(&o.scale, "scale", 0, "pods of the Deployment load in the namespace scale of each embedded cluster, churned with the rest (0: no such namespace)")
	fs.StringVar(&o.stateDir, "state-dir", "", "directory where each embedded cluster is saved on shutdown and loaded from on start (empty: seed afresh)")
	fs.StringVar(&o.kubeconfig, "kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig whose contexts are also served as clusters")
	fs.StringVar(&o.logLevel, "log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return o, fmt.Errorf("flags: %w", err)
	}
	if o.scale < 0 {
		return o, fmt.Errorf("--scale %d: the number of pods cannot be negative", o.scale)
	}
	return o, nil
}

// run starts the server and blocks until ctx ends and the server has shut down.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	inj := faults.New()
	ws := wsx.Options{OriginPatterns: o.allowOrigins, ReadLimit: o.maxMessage, PingInterval: o.pingInterval}
	accept := websocket.AcceptOptions{OriginPatterns: o.allowOrigins}
	var demos []*demoCluster
	var clusters []server.Cluster
	for i := range max(o.demoClusters, 1) {
		name := "demo"
		if i > 0 {
			name = fmt.Sprintf("demo-%d", i+1)
		}
		d, err := newDemoCluster(name, o, uint64(i), inj, ws, accept, log)
		if err != nil {
			return err
		}
		demos = append(demos, d)
		clusters = append(clusters, server.Cluster{Name: name, Source: "embedded", Handler: d.handler})
	}
	if o.kubeconfig != "" {
		// Kubeconfig hook: every context is also a cluster, proxied with its credentials.
		contexts, err := proxy.LoadWith(o.kubeconfig, proxy.Options{Logger: log, AcceptOptions: accept, MaxMessageBytes: o.maxMessage, Tracker: inj})
		if err != nil {
			return fmt.Errorf("load kubeconfig: %w", err)
		}
		for _, c := range contexts {
			clusters = append(clusters, server.Cluster{Name: c.Name, Source: "kubeconfig", Handler: c.Handler})
		}
	}
	reg := prometheus.NewRegistry()
	metrics, err := server.NewMetrics(reg)
	if err != nil {
		return err
	}
	clusters = metrics.Instrument(clusters)
	upstream := server.NewUpstream(clusters, server.UpstreamOptions{MaxWatches: o.maxUpstreamWatches})
	if err := server.RegisterUpstream(reg, upstream); err != nil {
		return err
	}
	muxh, err := muxserver.New(muxserver.Options{
		Upstream: upstream, OriginPatterns: o.allowOrigins,
		ReadLimit: o.maxMessage, MaxSubscriptions: o.maxSubscriptions, PingInterval: o.pingInterval, Logger: log, Tracker: inj,
	})
	if err != nil {
		return fmt.Errorf("multiplexer: %w", err)
	}
	defer muxh.Wait()
	if info, err := os.Stat(o.static); o.static != "" && (err != nil || !info.IsDir()) {
		log.Warn("no web UI: --static is not a directory", "dir", o.static)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var bursts sync.WaitGroup // admin churn bursts: they end with ctx
	var admin http.Handler
	if o.admin {
		admin = adminHandler(ctx, &bursts, inj, demos)
	}
	srv, err := server.New(server.Config{
		Clusters: clusters, StaticDir: o.static, AllowOrigins: o.allowOrigins, AllowHosts: o.allowHosts,
		Admin: admin, Multiplexer: muxh, Metrics: metrics, Logger: log,
	})
	if err != nil {
		return fmt.Errorf("configure server: %w", err)
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if _, err := fmt.Fprintf(stdout, "KUBELIVE_ADDR=%s\n", ln.Addr()); err != nil {
		ln.Close()
		return fmt.Errorf("announce address: %w", err)
	}
	log.Info("serving", "addr", ln.Addr().String(), "clusters", len(clusters), "churn", o.churn, "admin", o.admin)

	errs := make(chan error, 2*len(demos))
	for _, d := range demos {
		go func() { errs <- embedded.NewChurn(d.store, o.churn, d.seed).Run(ctx) }()
		go func() {
			err := d.logs.Run(ctx)
			if errors.Is(err, context.Canceled) {
				err = nil // shutdown
			}
			errs <- err
		}()
	}
	serveErr := srv.Serve(ctx, ln)
	cancel()
	all := []error{serveErr}
	for range 2 * len(demos) {
		all = append(all, <-errs)
	}
	bursts.Wait()
	for _, d := range demos {
		all = append(all, d.pods.Close())
		if o.stateDir != "" { // every writer has stopped: the saved state is exact
			all = append(all, d.save(filepath.Join(o.stateDir, d.name+".json")))
		}
	}
	return errors.Join(all...)
}

// demoCluster is one embedded cluster: its store, its pods' logs and shells.
type demoCluster struct {
	name    string
	store   *embedded.Store
	pods    *podio.Handler
	logs    *podio.Generator
	handler http.Handler
	seed    uint64
}

func newDemoCluster(name string, o options, n uint64, inj *faults.Injector, ws wsx.Options, accept websocket.AcceptOptions, log *slog.Logger) (*demoCluster, error) {
	seed := o.seed + n
	store := embedded.NewStore(embedded.Options{History: o.history, WatchQueue: o.watchQueue, Seed: seed})
	loaded := false
	if o.stateDir != "" {
		var err error
		if loaded, err = load(store, filepath.Join(o.stateDir, name+".json")); err != nil {
			return nil, err
		}
	}
	if loaded {
		// Churn on with other choices than the previous process made.
		rv, _ := strconv.ParseUint(store.ResourceVersion(), 10, 64)
		seed ^= rv * 0x9e3779b97f4a7c15
		log.Info("embedded cluster loaded", "cluster", name, "resourceVersion", store.ResourceVersion())
	} else if err := embedded.Seed(store, splitList(o.namespaces), seed); err != nil {
		return nil, fmt.Errorf("seed embedded cluster %s: %w", name, err)
	} else if err := embedded.SeedScale(store, o.scale, seed); err != nil {
		return nil, fmt.Errorf("seed namespace %s of embedded cluster %s: %w", embedded.ScaleNamespace, name, err)
	}
	pods := podio.NewHandler(podio.Options{Pods: podsOf(store), Tracker: inj, AcceptOptions: accept, Seed: seed})
	store.SetPodsInUse(pods) // churn spares the pods under an open terminal
	return &demoCluster{
		name: name, store: store, pods: pods, seed: seed,
		logs: podio.NewGenerator(podsOf(store), pods.Logs(), nil, o.logInterval, seed),
		handler: embedded.NewHandler(store, embedded.HandlerOptions{
			PodSubresources: pods, Faults: inj, WebSocket: ws,
			BookmarkInterval: o.bookmarkInterval, WatchTimeout: o.watchTimeout, Logger: log,
		}),
	}, nil
}

// load fills store from file; false when there is no file yet.
func load(store *embedded.Store, file string) (bool, error) {
	f, err := os.Open(file)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("open state: %w", err)
	}
	defer f.Close()
	if err := store.Load(bufio.NewReader(f)); err != nil {
		return false, fmt.Errorf("%s: %w", file, err)
	}
	return true, nil
}

// save writes the cluster's state to file atomically (a temporary file renamed over it).
func (d *demoCluster) save(file string) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return fmt.Errorf("save %s: %w", d.name, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), "."+d.name+"-*.json")
	if err != nil {
		return fmt.Errorf("save %s: %w", d.name, err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing to remove
	w := bufio.NewWriterSize(tmp, 1<<20)
	err = errors.Join(d.store.Save(w), w.Flush(), tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), file)
	}
	if err != nil {
		return fmt.Errorf("save %s: %w", d.name, err)
	}
	return nil
}

// podsOf adapts the store to podio's view of the cluster.
func podsOf(s *embedded.Store) podio.Pods {
	return podio.PodsFunc{
		ContainerFunc: s.Container,
		RestartsFunc:  s.Restarts,
		RunningFunc: func() []podio.ContainerRef {
			var out []podio.ContainerRef
			for _, r := range s.Running() {
				out = append(out, podio.ContainerRef(r))
			}
			return out
		},
	}
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// adminHandler is the fault-injection endpoint plus a churn burst for
// tests: POST /admin/churn?rate=N&seconds=S[&cluster=C] runs the churn
// generator on an embedded cluster for S seconds; GET /admin/churn tells how
// many bursts still run.
func adminHandler(ctx context.Context, bursts *sync.WaitGroup, inj *faults.Injector, demos []*demoCluster) http.Handler {
	var running atomic.Int64
	var burst atomic.Uint64
	m := http.NewServeMux()
	m.Handle("/admin/", inj.Handler())
	m.HandleFunc("POST /admin/churn", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		rate, err1 := strconv.ParseFloat(q.Get("rate"), 64)
		secs, err2 := strconv.ParseFloat(q.Get("seconds"), 64)
		if err := errors.Join(err1, err2); err != nil || rate <= 0 || secs <= 0 {
			http.Error(w, "rate and seconds must be positive numbers", http.StatusBadRequest)
			return
		}
		d := demos[0]
		for i, c := range demos {
			if c.name == q.Get("cluster") {
				d = demos[i]
			}
		}
		running.Add(1)
		bursts.Add(1)
		go func() {
			defer bursts.Done()
			defer running.Add(-1)
			ctx, cancel := context.WithTimeout(ctx, time.Duration(secs*float64(time.Second)))
			defer cancel()
			_ = embedded.NewChurn(d.store, rate, d.seed+1000+burst.Add(1)).Run(ctx)
		}()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"started":true}`)
	})
	m.HandleFunc("GET /admin/churn", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"running":%d}`, running.Load())
	})
	return m
}
