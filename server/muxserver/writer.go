package muxserver

import (
	"context"
	"fmt"
	"time"

	"github.com/coder/websocket"

	"github.com/kubelive/kubelive/internal/muxwire"
)

// writeLoop is the socket's only writer. On msgpack it packs the messages
// that arrive within BatchWindow of the first (at most BatchMax) into one
// Batch frame; on JSON it writes one frame per message, as Headlamp does.
func (s *session) writeLoop() {
	batch := make([]muxwire.Message, 0, s.h.opts.BatchMax)
	var buf []byte
	for {
		var m muxwire.Message
		select {
		case m = <-s.out:
		case <-s.ctx.Done():
			return
		}
		batch = append(batch[:0], m)
		if s.msgpack {
			batch = s.collect(batch)
		}
		var err error
		buf, err = s.write(batch, buf)
		if err != nil {
			s.cancel(err)
			return
		}
	}
}

// collect adds to batch what arrives within the window, then what is already
// queued, up to BatchMax messages or BatchBytes of payload.
func (s *session) collect(batch []muxwire.Message) []muxwire.Message {
	max := s.h.opts.BatchMax
	size := len(batch[0].Data)
	full := func() bool { return len(batch) >= max || size >= s.h.opts.BatchBytes }
	if w := s.h.opts.BatchWindow; w > 0 {
		t := time.NewTimer(w)
		defer t.Stop()
		for !full() {
			select {
			case m := <-s.out:
				batch = append(batch, m)
				size += len(m.Data)
				continue
			case <-t.C:
			case <-s.ctx.Done():
			}
			break
		}
	}
	for !full() {
		select {
		case m := <-s.out:
			batch = append(batch, m)
			size += len(m.Data)
		default:
			return batch
		}
	}
	return batch
}

func (s *session) write(batch []muxwire.Message, buf []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(s.ctx, s.h.opts.WriteTimeout)
	defer cancel()
	if s.msgpack {
		b, err := muxwire.EncodeMsgp(buf[:0], batch)
		if err != nil {
			return buf, err
		}
		if err := s.conn.Write(ctx, websocket.MessageBinary, b); err != nil {
			return b, fmt.Errorf("write batch of %d messages: %w", len(batch), err)
		}
		return b, nil
	}
	for _, m := range batch {
		b, err := muxwire.EncodeJSON(m)
		if err != nil {
			return buf, err
		}
		if err := s.conn.Write(ctx, websocket.MessageText, b); err != nil {
			return buf, fmt.Errorf("write %s: %w", m.Kind, err)
		}
	}
	return buf, nil
}

// keepAlive pings the client every PingInterval; a lost pong ends the session.
func (s *session) keepAlive() {
	t := time.NewTicker(s.h.opts.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(s.ctx, s.h.opts.PingInterval)
			err := s.conn.Ping(ctx)
			cancel()
			if err != nil {
				s.cancel(fmt.Errorf("keep-alive ping: %w", err))
				_ = s.conn.Close(websocket.StatusPolicyViolation, "pong timeout")
				return
			}
		}
	}
}
