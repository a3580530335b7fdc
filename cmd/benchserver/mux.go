package main

import (
	"context"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/kubelive/kubelive/server/muxserver"
)

// upstream serves the multiplexer's watches from the same recorded run as
// the per-URL watch: the bench list replays its events (stamped when handed
// to the multiplexer, which may pack several into one frame); any other
// watch stays open and silent.
type upstream struct{ s *server }

func (u upstream) Dial(ctx context.Context, cluster, path, query string, _ http.Header) (muxserver.UpstreamConn, error) {
	if "/clusters/"+cluster+path != benchPath {
		return silent{done: make(chan struct{})}, nil
	}
	cur := u.s.current()
	if cur == nil {
		return silent{done: make(chan struct{})}, nil
	}
	v, err := urlQuery(query)
	if err != nil {
		return nil, err
	}
	if u.s.takeExpire(v.Get("resourceVersion")) {
		return &expiredConn{}, nil
	}
	c := &replayConn{ru: cur, next: cur.d.after(v.Get("resourceVersion")), done: make(chan struct{})}
	c.untrack = u.s.track(func() { _ = c.Close() })
	return c, nil
}

// expiredConn is a forced 410: one ERROR event, then the end.
type expiredConn struct{ sent bool }

func (c *expiredConn) Read(context.Context) (bool, []byte, error) {
	if c.sent {
		return false, nil, io.EOF
	}
	c.sent = true
	return false, expiredEvent, nil
}

func (c *expiredConn) Close() error { return nil }

type silent struct{ done chan struct{} }

func (s silent) Read(ctx context.Context) (bool, []byte, error) {
	select {
	case <-ctx.Done():
		return false, nil, ctx.Err()
	case <-s.done:
		return false, nil, io.EOF
	}
}

func (s silent) Close() error {
	select {
	case <-s.done:
	default:
		close(s.done)
	}
	return nil
}

// replayConn hands the run's frames to the multiplexer one Read at a time,
// paced like the per-URL replay.
type replayConn struct {
	ru      *run
	next    int
	start   time.Time
	done    chan struct{}
	once    sync.Once
	untrack func() // forgets the watch for /ctl/expire
}

func (c *replayConn) Read(ctx context.Context) (bool, []byte, error) {
	if c.start.IsZero() {
		select {
		case <-c.ru.released:
		case <-ctx.Done():
			return false, nil, ctx.Err()
		case <-c.done:
			return false, nil, io.EOF
		}
		c.start = time.Now()
	}
	if c.next >= c.ru.end {
		select { // the watch stays open after the last event
		case <-ctx.Done():
			return false, nil, ctx.Err()
		case <-c.done:
			return false, nil, io.EOF
		}
	}
	i := c.next
	if c.ru.rate > 0 {
		if d := time.Until(c.start.Add(time.Duration(float64(i) / c.ru.rate * float64(time.Second)))); d > 0 {
			time.Sleep(d)
		}
	}
	c.next++
	t := float64(time.Now().UnixNano()) / 1e6
	c.ru.mu.Lock()
	c.ru.sends[i] = t
	c.ru.mu.Unlock()
	return false, c.ru.d.frames[i], nil
}

// Close ends the watch (a clean end, as the server's timeout: the client
// resumes at once); safe from the pump and /ctl/expire at the same time.
func (c *replayConn) Close() error {
	c.once.Do(func() {
		close(c.done)
		c.untrack()
	})
	return nil
}
