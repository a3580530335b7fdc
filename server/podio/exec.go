package podio

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/coder/websocket"
)

// streamOptions are PodExecOptions or PodAttachOptions.
type streamOptions struct {
	container                  string
	command                    []string
	stdin, stdout, stderr, tty bool
}

// parseStreamOptions reads exec/attach parameters as the API server does:
// stdout and stderr default to true, stdin and tty to false; with a tty,
// stderr is merged into stdout (the kubelet turns the stderr stream off).
func parseStreamOptions(q url.Values, attach bool) (streamOptions, *apiStatus) {
	so := streamOptions{
		container: q.Get("container"),
		command:   q["command"],
		stdin:     queryBool(q, "stdin", false),
		stdout:    queryBool(q, "stdout", true),
		stderr:    queryBool(q, "stderr", true),
		tty:       queryBool(q, "tty", false),
	}
	if !attach && len(so.command) == 0 {
		return so, badRequest("you must specify at least one command for the container")
	}
	if !so.stdin && !so.stdout && !so.stderr {
		return so, badRequest("you must specify at least one of stdin, stdout, or stderr")
	}
	if so.tty {
		so.stderr = false
	}
	if attach {
		so.command = []string{"sh"}
	}
	return so, nil
}

// firstChannel is where the kubelet writes the empty frame that tells the
// client the streams are ready: the lowest writable channel.
func (so streamOptions) firstChannel() byte {
	switch {
	case so.stdout:
		return chStdout
	case so.stderr:
		return chStderr
	}
	return chError
}

// serveStream answers exec and attach: it negotiates a channel protocol in
// the client's order, runs the command (exec) or joins the container's shell
// (attach), reports the exit Status on channel 3 and closes with 1000.
func (h *Handler) serveStream(w http.ResponseWriter, r *http.Request, ns, pod string, attach bool) {
	so, st := parseStreamOptions(r.URL.Query(), attach)
	if st != nil {
		writeStatus(w, st)
		return
	}
	ref, st := h.resolve(ns, pod, so.container)
	if st != nil {
		writeStatus(w, st)
		return
	}
	if !isWebSocket(r) {
		writeStatus(w, badRequest("Upgrade request required"))
		return
	}
	defer h.using(ns, pod)()
	name, ok := negotiate(offeredProtocols(r), func(p string) bool {
		_, ok := lookupChannelProtocol(p)
		return ok && p != ""
	})
	if !ok {
		http.Error(w, fmt.Sprintf("requested protocol(s) are not supported: %v", offeredProtocols(r)), http.StatusForbidden)
		return
	}
	proto, _ := lookupChannelProtocol(name)
	conn, err := h.accept(w, r, name)
	if err != nil {
		return
	}
	defer conn.CloseNow()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cc := &channelConn{conn: conn, proto: proto, ctx: ctx}
	untrack := h.track(r.URL.Path, func() { _ = conn.CloseNow(); cancel() })
	defer untrack()

	var (
		sess  *attachSession
		stdin *stdinPipe
		term  *terminal
	)
	if attach {
		sess = h.joinSession(ref, so, cc)
		defer sess.leave(cc)
		stdin, term = sess.stdin, sess.term
	} else {
		stdin, term = newStdinPipe(ctx.Done()), newTerminal()
	}
	// The ready frame goes out after an attach client joined, so a client
	// that saw it sees all later output.
	if err := cc.write(so.firstChannel(), nil); err != nil {
		return
	}
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		defer cancel() // the client is gone: stop the command
		stdinOpen := so.stdin
		_ = cc.readLoop(clientEvents{
			stdin: func(b []byte) {
				if stdinOpen {
					stdin.Write(b)
				}
			},
			closeStdin: func() {
				stdinOpen = false
				if !attach {
					stdin.Close()
				}
			},
			resize:      term.resize,
			protoErrors: func(error) {},
		})
		if !attach {
			stdin.Close()
		}
	}()

	code, exited := 0, true
	if attach {
		code, exited = sess.wait(ctx)
	} else {
		code = h.runExec(ctx, cc, ref, so, stdin, term)
	}
	if exited && ctx.Err() == nil && cc.writeExit(so.command, code) == nil {
		_ = conn.Close(websocket.StatusNormalClosure, "")
	}
	_ = conn.CloseNow()
	<-readDone
}

// runExec runs one exec command to completion and returns its exit code.
func (h *Handler) runExec(ctx context.Context, cc *channelConn, ref ContainerRef, so streamOptions, stdin *stdinPipe, term *terminal) int {
	sh := newShell(ref, h.logs, h.opts.Clock, h.opts.Env, so.tty, term)
	if so.stdin {
		sh.stdin = stdin
	}
	sh.stdout, sh.stderr = io.Discard, io.Discard
	if so.stdout {
		sh.stdout = cc.writer(chStdout)
	}
	if so.stderr {
		sh.stderr = cc.writer(chStderr)
	}
	if so.tty {
		sh.stdout = &onlcr{w: sh.stdout}
		sh.stderr = sh.stdout
	}
	return sh.run(ctx, so.command)
}
