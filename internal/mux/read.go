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

// maxKeptDeliveries bounds the delivery buffers read keeps between bursts.
const maxKeptDeliveries = 4096

// read receives frames from s until the socket ends, decoding and routing
// each burst under one lock and delivering it outside the lock, in order.
// A burst's JSON payloads are unescaped into dec's arena, which the next
// burst reuses: listeners copy what they keep (Listener.OnData). The
// deliveries' member lists and a JSON frame's message are kept in buffers
// the next burst reuses too (all of a burst is delivered before the next
// Recv), so a frame of Headlamp's framing allocates nothing here.
func (c *Client) read(ctx context.Context, s *socket) error {
	var ds []delivery
	var dec muxwire.JSONDecoder
	var one []muxwire.Message // the frame's messages, copied into ds
	var mbuf []member         // the members of every delivery of the burst
	for {
		frames, err := s.conn.Recv(ctx)
		if err != nil {
			return fmt.Errorf("receive: %w", err)
		}
		ds, mbuf = ds[:0], mbuf[:0]
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
			msgs, err := c.decode(s, &dec, f, one[:0])
			if err != nil {
				bad = append(bad, err)
				continue
			}
			one = msgs[:0] // copied into ds below; the next frame's to reuse
			c.stats.MessagesIn += uint64(len(msgs))
			for i := range msgs {
				subs, confirm := c.routeLocked(s.msgpack, &msgs[i])
				for _, sb := range subs {
					if len(sb.members) == 0 {
						continue
					}
					at := len(mbuf)
					mbuf = append(mbuf, sb.members...)
					ms := mbuf[at:len(mbuf):len(mbuf)] // a later append moves mbuf, never ms
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
		// No listener nor payload kept alive by a burst gone by; a burst's
		// worth of deliveries far above a stream's is not kept either.
		clear(ds)
		clear(mbuf)
		if cap(mbuf) > maxKeptDeliveries {
			ds, mbuf = nil, nil
		}
	}
}

// decode turns one frame into messages; server-bound kinds are dropped. A
// JSON frame's message is appended to out (its payload unescaped into dec's
// arena); a msgpack batch comes in a slice of its own.
func (c *Client) decode(s *socket, dec *muxwire.JSONDecoder, f transport.Frame, out []muxwire.Message) ([]muxwire.Message, error) {
	if s.msgpack && f.Binary {
		return muxwire.DecodeMsgp(f.Data, c.opts.MaxFrame)
	}
	m, err := dec.Decode(f.Data, c.opts.MaxFrame)
	if err != nil {
		return out, err
	}
	if m.Kind == muxwire.KindComplete {
		return out, nil // Headlamp sends one before every DATA; it means nothing
	}
	return append(out, m), nil
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
