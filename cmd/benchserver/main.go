// Command benchserver is the native server of the browser benchmarks
// (BENCHMARKS.md). It serves the bench pages, js/ and dist/ statically,
// answers the LIST of the selected data set at
// /clusters/bench/api/v1/namespaces/bench/pods and replays its recorded
// watch events on a WebSocket watch of that path: one event per text frame,
// as the API server sends them, only those after the requested
// resourceVersion, as fast as the socket takes them or at a set rate. It
// stamps the send time of every frame so that the driver can compute
// latencies. Any other /clusters/ list is empty and its watch stays open and
// silent (socket counts). It prints BENCH_ADDR=host:port first.
//
// Control endpoints (all answer JSON):
//
//	/ctl/use?set=NAME&rate=EV_PER_S&hold=1&limit=K  select data set dist/bench/NAME and reset the run
//	/ctl/go                                         release a held replay (the page is ready)
//	/ctl/meta, /ctl/final                           the data set's meta.json and final.json
//	/ctl/sends                                      send times (ms since the epoch) and resourceVersions of the run
//	/ctl/sockets                                    WebSockets accepted, live, and live off the bench path
//	/ctl/lists                                      LISTs of the bench path answered so far (lists), and of every path (all)
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"mime"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	root := flag.String("root", ".", "repository root (serves bench/, js/, dist/)")
	data := flag.String("data", "", "data sets directory (default ROOT/dist/bench)")
	flag.Parse()
	if *data == "" {
		*data = filepath.Join(*root, "dist", "bench")
	}
	// instantiateStreaming needs the exact MIME type.
	_ = mime.AddExtensionType(".wasm", "application/wasm")
	_ = mime.AddExtensionType(".mjs", "text/javascript")
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	fmt.Printf("BENCH_ADDR=%s\n", ln.Addr())
	s := newServer(*root, *data, log.New(os.Stderr, "benchserver ", log.Lmicroseconds))
	srv := &http.Server{Handler: s}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		log.Fatalf("serve: %v", err)
	}
}
