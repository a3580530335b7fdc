// Package headlamptest is a test double of Headlamp's backend (0.45) in front
// of a kubelive server: it serves /wsMultiplexer with the semantics of
// Headlamp's multiplexer and passes every other request (the UI, /clusters/,
// /admin/) through to the kubelive server, with GET /config stripped of its
// "multiplexer" field, as Headlamp's /config has none.
//
// The multiplexer's semantics, as observed from Headlamp's backend:
//   - upstream watches are keyed by (cluster, path, userId) across all client
//     sockets, and the query is ignored: a REQUEST whose key exists gets no
//     frame at all, and DATA carries the query of the connection's REQUEST;
//   - a REQUEST without cluster, path, userId or type is dropped silently;
//     another type gets ERROR "unsupported message type";
//   - a REQUEST is dialed upstream (a WebSocket watch) before the next client
//     message is read, then answered with STATUS connected, or STATUS error
//     and an ERROR;
//   - STATUS always has an empty query and userId;
//   - COMPLETE precedes every DATA whose resourceVersion differs from the
//     previous one of the connection;
//   - CLOSE ends the connection of (cluster, path, userId), whatever its
//     query, answered at once with STATUS closed; a CLOSE of no connection
//     gets nothing;
//   - an upstream that ends (the API server's timeout, a cut, a 410) is
//     reported with STATUS closed and forgotten, never retried;
//   - upstream authentication comes only from the cookie
//     headlamp-auth-<cluster>.0 of the /wsMultiplexer upgrade request:
//     without it (or with another token than Options.Token) the upstream
//     refuses and the dial fails with "bad handshake", as Headlamp reports
//     an API server's 401 or 403.
//
// GET /headlamptest/state reports counters for tests (JSON: see State).
package headlamptest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/kubelive/kubelive/internal/muxwire"
	"github.com/kubelive/kubelive/internal/wire"
)

// Options configure a Double.
type Options struct {
	// Upstream is the kubelive server's base URL, e.g. http://127.0.0.1:8080.
	Upstream string
	// Token, if set, is the only cookie value the upstream accepts.
	Token string
	// DialTimeout bounds one upstream dial (default 10 s).
	DialTimeout time.Duration
	// WatchTimeout, if set, ends every upstream watch after a random time in
	// [WatchTimeout, 2*WatchTimeout), as the API server ends a watch at its
	// timeout, whatever timeoutSeconds the client asked for.
	WatchTimeout time.Duration
	Logger       *slog.Logger
}

// State counts what the multiplexer saw, for tests.
type State struct {
	Connections int `json:"connections"` // upstream watches now open
	Requests    int `json:"requests"`    // REQUESTs received
	// Duplicates counts REQUESTs that got no frame because their (cluster,
	// path, userId) already had a connection.
	Duplicates int `json:"duplicates"`
	Refused    int `json:"refused"` // REQUESTs refused for want of the cookie
	Closes     int `json:"closes"`  // CLOSEs that ended a connection
	// ClosesMissed counts CLOSEs that found no connection (the watch had
	// ended already, or was never opened).
	ClosesMissed int `json:"closesMissed"`
	Ended        int `json:"ended"` // upstream watches that ended on their own
}

// Double is the test double; it is an http.Handler.
type Double struct {
	opts     Options
	upstream *url.URL
	proxy    *httputil.ReverseProxy

	mu    sync.Mutex
	conns map[connKey]*upConn
	state State
}

type connKey struct{ cluster, path, user string }

// upConn is one upstream watch.
type upConn struct {
	key    connKey
	query  string
	sess   *session
	cancel context.CancelFunc
}

// New returns a Double in front of opts.Upstream.
func New(opts Options) (*Double, error) {
	u, err := url.Parse(opts.Upstream)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("headlamptest: upstream must be an http(s) base URL, not %q", opts.Upstream)
	}
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = 10 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	d := &Double{opts: opts, upstream: u, conns: map[connKey]*upConn{}}
	d.proxy = &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(u); r.Out.Host = r.In.Host },
		ModifyResponse: func(resp *http.Response) error {
			if resp.Request.URL.Path != "/config" || resp.StatusCode != http.StatusOK {
				return nil
			}
			return stripMultiplexer(resp)
		},
	}
	return d, nil
}

// stripMultiplexer removes the "multiplexer" field of a /config body.
func stripMultiplexer(resp *http.Response) error {
	var cfg map[string]json.RawMessage
	err := json.NewDecoder(resp.Body).Decode(&cfg)
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("headlamptest: /config: %w", err)
	}
	delete(cfg, "multiplexer")
	b, err := json.Marshal(cfg)
	if err != nil {
		return fmt.Errorf("headlamptest: /config: %w", err)
	}
	resp.Body = readCloser{strings.NewReader(string(b))}
	resp.ContentLength = int64(len(b))
	resp.Header.Set("Content-Length", fmt.Sprint(len(b)))
	return nil
}

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }

func (d *Double) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/wsMultiplexer":
		d.serveMux(w, r)
	case "/headlamptest/state":
		d.mu.Lock()
		st := d.state
		st.Connections = len(d.conns)
		d.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(st)
	default:
		d.proxy.ServeHTTP(w, r)
	}
}

// session is one client socket.
type session struct {
	d      *Double
	conn   *websocket.Conn
	cookie map[string]string // headlamp-auth-<cluster>.0 values by cluster
	ctx    context.Context

	wmu sync.Mutex // one frame at a time, in the order written
}

func (d *Double) serveMux(w http.ResponseWriter, r *http.Request) {
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{muxwire.HeadlampProtocol}})
	if err != nil {
		return
	}
	conn.SetReadLimit(1 << 20)
	s := &session{d: d, conn: conn, cookie: map[string]string{}, ctx: r.Context()}
	for _, c := range r.Cookies() {
		if cl, ok := strings.CutPrefix(c.Name, "headlamp-auth-"); ok {
			if cl, ok = strings.CutSuffix(cl, ".0"); ok {
				s.cookie[cl] = c.Value
			}
		}
	}
	defer s.end()
	for {
		_, data, err := conn.Read(s.ctx)
		if err != nil {
			return
		}
		f := map[string]string{}
		if wire.ScanMembers(data, func(k, v []byte, str bool) {
			if str {
				f[string(k)] = string(v)
			}
		}) != nil {
			continue
		}
		m := muxwire.Message{Cluster: f["clusterId"], Path: f["path"], Query: f["query"], UserID: f["userId"]}
		typ := f["type"]
		if m.Cluster == "" || m.Path == "" || m.UserID == "" || typ == "" {
			continue // Headlamp logs and drops these
		}
		switch typ {
		case "REQUEST":
			s.request(m)
		case "CLOSE":
			s.close(m)
		default:
			s.errorReply(m, "unsupported message type: "+typ)
		}
	}
}

// end closes every upstream watch of the session, silently.
func (s *session) end() {
	s.d.mu.Lock()
	var ups []*upConn
	for k, c := range s.d.conns {
		if c.sess == s {
			ups = append(ups, c)
			delete(s.d.conns, k)
		}
	}
	s.d.mu.Unlock()
	for _, c := range ups {
		c.cancel()
	}
	_ = s.conn.CloseNow()
}

// write sends m as Headlamp's backend writes it (muxwire.EncodeJSON writes its
// bytes; a STATUS with no query and userId carries no kubelive extension).
func (s *session) write(m muxwire.Message) {
	b, err := muxwire.EncodeJSON(m)
	if err != nil {
		return
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
	defer cancel()
	_ = s.conn.Write(ctx, websocket.MessageText, b)
}

// status sends a STATUS as Headlamp does: with an empty query and userId.
func (s *session) status(m muxwire.Message, state muxwire.State, why string) {
	s.write(muxwire.Message{Kind: muxwire.KindStatus, Cluster: m.Cluster, Path: m.Path, State: state, Err: why})
}

func (s *session) errorReply(m muxwire.Message, text string) {
	m.Kind, m.Err = muxwire.KindError, text
	s.write(m)
}

// request dials the upstream watch before the next client message is read.
func (s *session) request(m muxwire.Message) {
	key := connKey{m.Cluster, m.Path, m.UserID}
	d := s.d
	d.mu.Lock()
	d.state.Requests++
	if _, dup := d.conns[key]; dup {
		d.state.Duplicates++
		d.mu.Unlock()
		return
	}
	token, ok := s.cookie[m.Cluster]
	refused := !ok || token == "" || (d.opts.Token != "" && token != d.opts.Token)
	if refused {
		d.state.Refused++
	}
	d.mu.Unlock()
	if refused {
		const why = "dialing WebSocket: websocket: bad handshake"
		s.status(m, muxwire.StateError, why)
		s.errorReply(m, why)
		return
	}
	ctx, cancel := context.WithCancel(s.ctx)
	up, err := d.dial(ctx, m)
	if err != nil {
		cancel()
		why := "dialing WebSocket: " + err.Error()
		s.status(m, muxwire.StateError, why)
		s.errorReply(m, why)
		return
	}
	c := &upConn{key: key, query: m.Query, sess: s, cancel: cancel}
	d.mu.Lock()
	d.conns[key] = c
	d.mu.Unlock()
	s.status(m, muxwire.StateConnected, "")
	go s.pump(ctx, c, up, m)
}

func (d *Double) dial(ctx context.Context, m muxwire.Message) (*websocket.Conn, error) {
	u := *d.upstream
	u.Scheme = strings.Replace(u.Scheme, "http", "ws", 1)
	u.Path = strings.TrimSuffix(u.Path, "/") + "/clusters/" + url.PathEscape(m.Cluster) + m.Path
	u.RawQuery = m.Query
	dctx, cancel := context.WithTimeout(ctx, d.opts.DialTimeout)
	defer cancel()
	c, _, err := websocket.Dial(dctx, u.String(), nil)
	if err != nil {
		return nil, errors.New("websocket: bad handshake")
	}
	c.SetReadLimit(64 << 20)
	return c, nil
}

// pump forwards the upstream's frames until it ends, then reports STATUS
// closed and forgets the connection, unless a CLOSE or the session's end
// took it first.
func (s *session) pump(ctx context.Context, c *upConn, up *websocket.Conn, req muxwire.Message) {
	defer up.CloseNow()
	if t := s.d.opts.WatchTimeout; t > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t+rand.N(t))
		defer cancel()
	}
	lastRV := ""
	for {
		typ, data, err := up.Read(ctx)
		if err != nil {
			d := s.d
			d.mu.Lock()
			mine := d.conns[c.key] == c
			if mine {
				delete(d.conns, c.key)
				d.state.Ended++
			}
			d.mu.Unlock()
			if mine {
				s.status(req, muxwire.StateClosed, "")
			}
			return
		}
		if typ != websocket.MessageText {
			continue
		}
		out := muxwire.Message{Kind: muxwire.KindData, Cluster: req.Cluster, Path: req.Path, Query: c.query, UserID: req.UserID, Data: data}
		if ev, err := wire.ScanEvent(data); err == nil && ev.ResourceVersion != "" && ev.ResourceVersion != lastRV {
			lastRV = ev.ResourceVersion
			complete := out
			complete.Kind, complete.Data = muxwire.KindComplete, nil
			s.write(complete)
		}
		s.write(out)
	}
}

// close ends the connection of (cluster, path, userId), whatever the query.
func (s *session) close(m muxwire.Message) {
	d := s.d
	key := connKey{m.Cluster, m.Path, m.UserID}
	d.mu.Lock()
	c, ok := d.conns[key]
	if ok {
		delete(d.conns, key)
		d.state.Closes++
	} else {
		d.state.ClosesMissed++
	}
	d.mu.Unlock()
	if !ok {
		return
	}
	c.cancel()
	s.status(m, muxwire.StateClosed, "")
}
