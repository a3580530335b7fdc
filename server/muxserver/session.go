package muxserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/coder/websocket"

	"github.com/kubelive/kubelive/internal/muxwire"
)

// session is one client socket and its subscriptions.
type session struct {
	h       *Handler
	conn    *websocket.Conn
	header  http.Header
	msgpack bool
	out     chan muxwire.Message // to the writer; bounded, so a slow client slows its upstreams
	ctx     context.Context
	cancel  context.CancelCauseFunc
	pumps   sync.WaitGroup

	mu sync.Mutex
	// subs holds the live subscriptions. Invariant: an entry is removed by
	// whoever ends it (CLOSE, upstream end, dial failure) in the same
	// critical section that checks it is still the same *upstream.
	subs map[subKey]*upstream
}

// upstream is one subscription's watch.
type upstream struct {
	key    subKey
	req    muxwire.Message // the REQUEST, for the routing fields of replies
	cancel context.CancelFunc
}

func newSession(h *Handler, conn *websocket.Conn, header http.Header) *session {
	return &session{
		h: h, conn: conn, header: header, msgpack: conn.Subprotocol() == muxwire.MsgpackProtocol,
		out: make(chan muxwire.Message, 4*h.opts.BatchMax), subs: map[subKey]*upstream{},
	}
}

// serve runs the read loop, the writer and the keep-alive until one fails or
// ctx ends, then closes every upstream.
func (s *session) serve(ctx context.Context) error {
	s.ctx, s.cancel = context.WithCancelCause(ctx)
	defer s.cancel(nil)
	done := make(chan struct{})
	go func() { defer close(done); s.writeLoop() }()
	if s.h.opts.PingInterval > 0 {
		go s.keepAlive()
	}
	err := s.readLoop()
	s.cancel(err)
	s.mu.Lock()
	for k, up := range s.subs {
		up.cancel()
		delete(s.subs, k)
	}
	s.mu.Unlock()
	s.pumps.Wait()
	<-done
	_ = s.conn.Close(websocket.StatusNormalClosure, "")
	return err
}

func (s *session) readLoop() error {
	for {
		typ, data, err := s.conn.Read(s.ctx)
		if err != nil {
			return fmt.Errorf("read: %w", err)
		}
		var msgs []muxwire.Message
		if typ == websocket.MessageBinary {
			msgs, err = muxwire.DecodeMsgp(data, int(s.h.opts.ReadLimit))
		} else {
			var m muxwire.Message
			m, err = muxwire.DecodeJSON(data, int(s.h.opts.ReadLimit))
			if errors.Is(err, muxwire.ErrUnsupportedType) {
				s.reply(s.ctx, m, muxwire.KindError, "unsupported message type")
				continue
			}
			msgs = []muxwire.Message{m}
		}
		if err != nil {
			// Headlamp logs and goes on; so do we (the error names only a length).
			s.h.opts.Logger.Info("mux: bad client frame", "err", err)
			continue
		}
		for i := range msgs {
			s.handle(&msgs[i])
		}
	}
}

// handle acts on one client message; it never blocks on an upstream.
func (s *session) handle(m *muxwire.Message) {
	switch m.Kind {
	case muxwire.KindRequest:
		s.request(m)
	case muxwire.KindClose:
		s.close(m)
	default:
		s.reply(s.ctx, *m, muxwire.KindError, "unsupported message type: "+m.Kind.String())
	}
}

func (s *session) request(m *muxwire.Message) {
	if m.Cluster == "" || m.Path == "" || m.Path[0] != '/' || (s.msgpack && m.ID == 0) {
		s.reply(s.ctx, *m, muxwire.KindError, "invalid REQUEST: clusterId, an absolute path and (msgpack) an id are required")
		return
	}
	k := keyOf(s.msgpack, m)
	s.mu.Lock()
	if _, dup := s.subs[k]; dup {
		s.mu.Unlock()
		return // one watch per key, as Headlamp dedups a repeated REQUEST
	}
	if len(s.subs) >= s.h.opts.MaxSubscriptions {
		s.mu.Unlock()
		s.reply(s.ctx, *m, muxwire.KindError, fmt.Sprintf("subscription limit reached (%d per socket)", s.h.opts.MaxSubscriptions))
		return
	}
	ctx, cancel := context.WithCancel(s.ctx)
	up := &upstream{key: k, req: *m, cancel: cancel}
	up.req.Data = nil
	s.subs[k] = up
	s.pumps.Add(1)
	s.mu.Unlock()
	go s.pump(ctx, up)
}

// close ends exactly the subscription m names and confirms with STATUS closed.
func (s *session) close(m *muxwire.Message) {
	k := keyOf(s.msgpack, m)
	s.mu.Lock()
	up, ok := s.subs[k]
	if ok {
		delete(s.subs, k)
	}
	s.mu.Unlock()
	if !ok {
		return
	}
	up.cancel()
	s.status(s.ctx, up, muxwire.StateClosed, "")
}

// remove forgets up if it is still registered; false if someone else did.
func (s *session) remove(up *upstream) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.subs[up.key] != up {
		return false
	}
	delete(s.subs, up.key)
	return true
}

// pump dials up's watch and forwards its frames until it ends. An upstream
// that ends is reported (its last frames, then STATUS closed) and not
// retried: the client's reflector resumes or relists.
func (s *session) pump(ctx context.Context, up *upstream) {
	defer s.pumps.Done()
	defer up.cancel()
	dctx, dcancel := context.WithTimeout(ctx, s.h.opts.DialTimeout)
	uc, err := s.h.opts.Upstream.Dial(dctx, up.req.Cluster, up.req.Path, up.req.Query, s.header)
	dcancel()
	if err != nil {
		if ctx.Err() == nil && s.remove(up) {
			msg := fmt.Sprintf("dialing upstream: %v", err)
			s.status(ctx, up, muxwire.StateError, msg)
			s.reply(ctx, up.req, muxwire.KindError, msg)
		}
		return
	}
	defer uc.Close()
	stop := context.AfterFunc(ctx, func() { _ = uc.Close() })
	defer stop()
	s.status(ctx, up, muxwire.StateConnected, "")
	for {
		bin, data, err := uc.Read(ctx)
		if err != nil {
			if ctx.Err() == nil && s.remove(up) {
				why := ""
				if !errors.Is(err, io.EOF) {
					why = err.Error()
				}
				s.status(s.ctx, up, muxwire.StateClosed, why)
			}
			return
		}
		if len(data) > s.h.opts.MaxEventBytes {
			if s.remove(up) {
				s.status(s.ctx, up, muxwire.StateClosed,
					fmt.Sprintf("an event of %d bytes exceeds the limit of %d", len(data), s.h.opts.MaxEventBytes))
			}
			return
		}
		m := up.req
		m.Kind, m.Data, m.Binary = muxwire.KindData, data, bin
		if !s.enqueue(ctx, m) {
			return
		}
	}
}

// status queues a STATUS for up (exact by id on msgpack; on JSON with
// Headlamp's empty query, and the query in kubeliveQuery).
func (s *session) status(ctx context.Context, up *upstream, state muxwire.State, why string) {
	m := up.req
	m.Kind, m.State, m.Err = muxwire.KindStatus, state, why
	s.enqueue(ctx, m)
}

func (s *session) reply(ctx context.Context, req muxwire.Message, k muxwire.Kind, text string) {
	req.Kind, req.Err, req.Data = k, text, nil
	s.enqueue(ctx, req)
}

// enqueue hands m to the writer; false if ctx or the session ended first.
func (s *session) enqueue(ctx context.Context, m muxwire.Message) bool {
	select {
	case s.out <- m:
		return true
	case <-ctx.Done():
		return false
	case <-s.ctx.Done():
		return false
	}
}
