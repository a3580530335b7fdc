package podio

import (
	"context"
	"io"
	"sync"
)

// attachSession is the interactive shell of one container, shared by every
// attach client: each client sees the output written while it is attached,
// and any client's stdin reaches the shell. It starts with the first client
// (whose tty flag it keeps) and ends when the shell exits or the handler
// closes it; the next attach then starts a new shell.
type attachSession struct {
	stdin  *stdinPipe
	term   *terminal
	cancel context.CancelFunc
	done   chan struct{} // closed after the shell exits
	code   int           // the shell's exit code; written before done is closed

	mu      sync.Mutex
	clients map[*channelConn]streamOptions // guarded by mu
}

// joinSession attaches cc to ref's session, starting one if none runs. The
// client is registered before a new shell writes its first prompt.
func (h *Handler) joinSession(ref ContainerRef, so streamOptions, cc *channelConn) *attachSession {
	h.mu.Lock()
	defer h.mu.Unlock()
	if s, ok := h.attached[ref]; ok {
		s.mu.Lock()
		s.clients[cc] = so
		s.mu.Unlock()
		return s
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &attachSession{
		stdin:   newStdinPipe(ctx.Done()),
		term:    newTerminal(),
		cancel:  cancel,
		done:    make(chan struct{}),
		clients: map[*channelConn]streamOptions{cc: so},
	}
	h.attached[ref] = s
	sh := newShell(ref, h.logs, h.opts.Clock, h.opts.Env, so.tty, s.term)
	sh.stdin = s.stdin
	sh.stdout = broadcast{s: s, ch: chStdout}
	sh.stderr = broadcast{s: s, ch: chStderr}
	if so.tty {
		sh.stdout = &onlcr{w: sh.stdout}
		sh.stderr = sh.stdout
	}
	go func() {
		code := sh.run(ctx, []string{"sh"})
		h.mu.Lock()
		if h.attached[ref] == s {
			delete(h.attached, ref)
		}
		h.mu.Unlock()
		s.code = code
		cancel()
		close(s.done)
	}()
	return s
}

// leave detaches cc.
func (s *attachSession) leave(cc *channelConn) {
	s.mu.Lock()
	delete(s.clients, cc)
	s.mu.Unlock()
}

// wait blocks until the shell exits (true, with its code) or ctx ends (false).
func (s *attachSession) wait(ctx context.Context) (int, bool) {
	select {
	case <-s.done:
		return s.code, true
	case <-ctx.Done():
		return 0, false
	}
}

// broadcast writes the shell's output on one channel to every client that
// asked for that stream. A failing client does not stop the others.
type broadcast struct {
	s  *attachSession
	ch byte
}

func (b broadcast) Write(p []byte) (int, error) {
	b.s.mu.Lock()
	var targets []*channelConn
	for cc, so := range b.s.clients {
		if (b.ch == chStdout && so.stdout) || (b.ch == chStderr && so.stderr) || (b.ch == chStdout && so.tty) {
			targets = append(targets, cc)
		}
	}
	b.s.mu.Unlock()
	for _, cc := range targets {
		_ = cc.write(b.ch, p)
	}
	return len(p), nil
}

// Close ends every attach session. Streams already served end with them.
func (h *Handler) Close() error {
	h.mu.Lock()
	sessions := make([]*attachSession, 0, len(h.attached))
	for _, s := range h.attached {
		sessions = append(sessions, s)
	}
	h.mu.Unlock()
	for _, s := range sessions {
		s.cancel()
		<-s.done
	}
	return nil
}

// Forget ends ref's attach session and log history: call it when the pod is deleted.
func (h *Handler) Forget(ref ContainerRef) {
	h.mu.Lock()
	s, ok := h.attached[ref]
	h.mu.Unlock()
	if ok {
		s.cancel()
		<-s.done
	}
	h.logs.Forget(ref)
}

var _ io.Writer = broadcast{}
