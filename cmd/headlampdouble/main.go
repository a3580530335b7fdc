// Command headlampdouble serves a test double of Headlamp's backend
// (server/headlamptest) in front of a running kubelive server: Headlamp's
// /wsMultiplexer semantics, everything else passed through.
//
// Its first line on stdout is HEADLAMP_ADDR=host:port once it listens.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/kubelive/kubelive/server/headlamptest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "headlampdouble:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("headlampdouble", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	upstream := fs.String("upstream", "", "base URL of the kubelive server, e.g. http://127.0.0.1:8080")
	token := fs.String("token", "", "the only cookie value the upstream accepts (empty: any)")
	watchTimeout := fs.Duration("watch-timeout", 0, "end every upstream watch after a random time in [t, 2t), as an API server's timeout (0: never)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("flags: %w", err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	d, err := headlamptest.New(headlamptest.Options{Upstream: *upstream, Token: *token, WatchTimeout: *watchTimeout, Logger: log})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	fmt.Printf("HEADLAMP_ADDR=%s\n", ln.Addr())
	srv := &http.Server{Handler: d, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
