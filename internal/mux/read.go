package mux

import (
	"context"
	"fmt"

	"github.com/kubelive/kubelive/internal/muxwire"
	"github.com/kubelive/kubelive/internal/transport"
)

// delivery is one decoded message and the listeners it goes to, copied out
// of the lock.
type delivery struct {
	m       muxwire.Message
	key     muxwire.Key
	members []member
}

// read receives frames from s until the socket ends, decoding and routing
// each burst under one lock and delivering it outside the lock, in order.
// A burst's JSON payloads are unescaped into dec's arena, which the next
// burst reuses: listeners copy what they keep (Listener.OnData).
func (c *Client) read(ctx context.Context, s *socket) error {
	var ds []delivery
	var dec muxwire.JSONDecoder
	for {
		frames, err := s.conn.Recv(ctx)
		if err != nil {
			return fmt.Errorf("receive: %w", err)
		}
		ds = ds[:0]
		dec.Reset()
		var bad []error
		c.mu.Lock()
		current := c.sock == s
		for _, f := range frames {
			c.stats.FramesIn++
			c.stats.BytesIn += uint64(len(f.Data))
			if !current {
				continue
			}
			msgs, err := c.decode(s, &dec, f)
			if err != nil {
				bad = append(bad, err)
				continue
			}
			c.stats.MessagesIn += uint64(len(msgs))
			for i := range msgs {
				subs, confirm := c.routeLocked(s.msgpack, &msgs[i])
				for _, sb := range subs {
					if len(sb.members) == 0 {
						continue
					}
					ms := append([]member(nil), sb.members...)
					if confirm {
						ds = append(ds, delivery{m: muxwire.Message{Kind: muxwire.KindStatus, State: muxwire.StateConnected}, key: sb.key, members: ms})
					}
					ds = append(ds, delivery{m: msgs[i], key: sb.key, members: ms})
				}
			}
		}
		c.mu.Unlock()
		for _, err := range bad {
			if c.opts.OnError != nil {
				_ = guard(func() error { c.opts.OnError(err); return nil })
			}
		}
		for i := range ds {
			c.deliver(&ds[i])
		}
	}
}

// decode turns one frame into messages; server-bound kinds are dropped. A
// JSON frame's payload is unescaped into dec's arena.
func (c *Client) decode(s *socket, dec *muxwire.JSONDecoder, f transport.Frame) ([]muxwire.Message, error) {
	if s.msgpack && f.Binary {
		return muxwire.DecodeMsgp(f.Data, c.opts.MaxFrame)
	}
	m, err := dec.Decode(f.Data, c.opts.MaxFrame)
	if err != nil {
		return nil, err
	}
	if m.Kind == muxwire.KindComplete {
		return nil, nil // Headlamp sends one before every DATA; it means nothing
	}
	return []muxwire.Message{m}, nil
}

func (c *Client) deliver(d *delivery) {
	switch d.m.Kind {
	case muxwire.KindData:
		f := transport.Frame{Binary: d.m.Binary, Size: len(d.m.Data), Data: d.m.Data}
		for _, m := range d.members {
			deliverData(m, f, c.opts.OnError)
		}
	case muxwire.KindError:
		err := &ServerError{Key: d.key, Message: d.m.Err}
		for _, m := range d.members {
			reportError(m, err, c.opts.OnError)
		}
	case muxwire.KindStatus:
		st := Status{Server: d.m.State, Err: d.m.Err}
		if d.m.State == muxwire.StateConnected && c.opts.Reach != nil {
			// The server reached the key's cluster: the lists of that cluster
			// backing off after an upstream failure retry now, as a socket to
			// the cluster that opens releases them per URL.
			c.opts.Reach.Kick(d.key.Cluster)
		}
		for _, m := range d.members {
			deliverStatus(m, st, c.opts.OnError)
		}
	}
}
