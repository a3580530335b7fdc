package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/kubelive/kubelive/server/wsx"
)

// server tracks every socket it accepted. Invariant: conns holds exactly the
// sockets whose handler has not returned.
type server struct {
	logger *log.Logger
	static http.Handler // nil unless -static was given

	mu    sync.Mutex
	conns map[*wsConn]struct{}
	total map[string]int // sockets ever accepted, by path
	lines []string       // what the server logged, for the token test
}

type wsConn struct {
	path      string
	url       string
	protocols []string
	c         *websocket.Conn
	cancel    context.CancelFunc
}

func init() {
	// instantiateStreaming needs the exact MIME type.
	_ = mime.AddExtensionType(".wasm", "application/wasm")
}

func newServer(l *log.Logger) *server {
	return &server{logger: l, conns: map[*wsConn]struct{}{}, total: map[string]int{}}
}

func (s *server) logf(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	s.mu.Lock()
	s.lines = append(s.lines, line)
	s.mu.Unlock()
	s.logger.Print(line)
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	// Log what a careless server would: the URL and the offered protocols
	// (as a count: a real server must not log the bearer protocol).
	s.logf("%s %s protocols=%d", r.Method, r.URL.RequestURI(), len(wsx.Offered(r)))
	switch {
	case r.Method == http.MethodOptions:
		w.Header().Set("Access-Control-Allow-Methods", "GET, POST")
		w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
	case strings.HasPrefix(r.URL.Path, "/ctl/"):
		s.control(w, r)
	case strings.HasPrefix(r.URL.Path, "/static/") && s.static != nil:
		s.static.ServeHTTP(w, r)
	case r.URL.Path == "/wsMultiplexer":
		// A backend without a multiplexer, like Headlamp's default build:
		// clients in 'auto' mode must fall back to per-URL sockets.
		http.NotFound(w, r)
	default:
		s.socket(w, r)
	}
}

func (s *server) socket(w http.ResponseWriter, r *http.Request) {
	if ms, err := strconv.Atoi(r.URL.Query().Get("hold")); err == nil && ms > 0 {
		select {
		case <-time.After(time.Duration(ms) * time.Millisecond):
		case <-r.Context().Done():
			s.logf("held %s: client gone", r.URL.Path)
			return
		}
		s.logf("held %s", r.URL.Path)
	}
	offered := wsx.Offered(r)
	var accept []string
	if len(offered) > 0 {
		accept = offered[:1]
	}
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: accept, InsecureSkipVerify: true})
	if err != nil {
		s.logf("accept %s: %v", r.URL.Path, err)
		return
	}
	c.SetReadLimit(16 << 20)
	ctx, cancel := context.WithCancel(r.Context())
	wc := &wsConn{path: r.URL.Path, url: r.URL.RequestURI(), protocols: offered, c: c, cancel: cancel}
	s.mu.Lock()
	s.conns[wc] = struct{}{}
	s.total[wc.path]++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.conns, wc)
		s.mu.Unlock()
		cancel()
		_ = c.CloseNow()
	}()
	echo := r.URL.Query().Get("echo") == "1"
	for {
		typ, data, err := c.Read(ctx)
		if err != nil {
			return
		}
		if echo {
			if err := c.Write(ctx, typ, data); err != nil {
				return
			}
		}
	}
}

func (s *server) matching(path string) []*wsConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*wsConn
	for c := range s.conns {
		if path == "" || c.path == path {
			out = append(out, c)
		}
	}
	return out
}

// control serves /ctl/send, /ctl/drop, /ctl/conns and /ctl/log.
func (s *server) control(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	path := q.Get("path")
	switch r.URL.Path {
	case "/ctl/send": // every body line becomes one text frame, to every socket on path
		body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var frames []string
		sc := bufio.NewScanner(strings.NewReader(string(body)))
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		for sc.Scan() {
			frames = append(frames, sc.Text())
		}
		typ := websocket.MessageText
		if q.Get("binary") == "1" {
			typ = websocket.MessageBinary
		}
		conns := s.matching(path)
		for _, c := range conns {
			for _, f := range frames {
				if err := c.c.Write(r.Context(), typ, []byte(f)); err != nil {
					break
				}
			}
		}
		writeJSON(w, map[string]int{"sockets": len(conns), "frames": len(frames)})
	case "/ctl/drop": // close=1000 sends a close frame; otherwise the TCP connection just dies
		conns := s.matching(path)
		for _, c := range conns {
			if code, err := strconv.Atoi(q.Get("close")); err == nil {
				_ = c.c.Close(websocket.StatusCode(code), "dropped by test")
			} else {
				_ = c.c.CloseNow()
			}
			c.cancel()
		}
		writeJSON(w, map[string]int{"dropped": len(conns)})
	case "/ctl/conns":
		type info struct {
			URL       string   `json:"url"`
			Protocols []string `json:"protocols"`
		}
		conns := s.matching(path)
		out := struct {
			Open  int    `json:"open"`
			Total int    `json:"total"`
			Conns []info `json:"conns"`
		}{Open: len(conns), Conns: []info{}}
		s.mu.Lock()
		if path == "" {
			for _, n := range s.total {
				out.Total += n
			}
		} else {
			out.Total = s.total[path]
		}
		s.mu.Unlock()
		for _, c := range conns {
			out.Conns = append(out.Conns, info{URL: c.url, Protocols: c.protocols})
		}
		writeJSON(w, out)
	case "/ctl/log":
		s.mu.Lock()
		lines := append([]string(nil), s.lines...)
		s.mu.Unlock()
		writeJSON(w, lines)
	default:
		http.NotFound(w, r)
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
