// Command wstestserver is the native WebSocket server that the browser tests
// of wasm/ reach over loopback. Every WebSocket path is accepted; a socket
// does what its query says (hold=MS delays the handshake, echo=1 echoes), and
// the test drives the rest through /ctl: send scripted frames, drop sockets,
// count them, read the server's log. It prints WSTEST_ADDR=host:port first.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	static := flag.String("static", "", "directory served under /static/ (for browser tests)")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	fmt.Printf("WSTEST_ADDR=%s\n", ln.Addr())
	s := newServer(log.New(os.Stderr, "wstest ", log.Lmicroseconds))
	if *static != "" {
		s.static = http.StripPrefix("/static/", http.FileServer(http.Dir(*static)))
	}
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
