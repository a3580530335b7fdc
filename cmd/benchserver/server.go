package main

import (
	"net/url"

	"context"
	"encoding/json"
	"fmt"
	"github.com/kubelive/kubelive/server/muxserver"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// benchPath is the one list with data; every other list is empty.
const benchPath = "/clusters/bench/api/v1/namespaces/bench/pods"

const emptyList = `{"kind":"List","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[]}`

type server struct {
	root, data string
	logger     *log.Logger
	files      http.Handler

	accepted, live atomic.Int64 // WebSockets ever accepted, and open now
	others         atomic.Int64 // open WebSockets on paths other than benchPath
	lists          atomic.Int64 // LISTs of benchPath answered (a paged LIST counts once)
	allLists       atomic.Int64 // LISTs of any path answered (a paged LIST counts once)
	listedAt       atomic.Int64 // when the last page of benchPath's LIST was written, µs since the epoch

	mux http.Handler // /wsMultiplexer over the same runs

	// expire counts the forced 410s armed by /ctl/expire: each is taken by
	// the next bench watch that resumes from a resourceVersion (per URL or
	// over the multiplexer), which gets one ERROR event Expired and ends.
	expire atomic.Int64
	// watches cancels the open bench watches by id (/ctl/expire drops them).
	watches map[int64]func()
	nextID  int64

	mu    sync.Mutex
	sets  map[string]*dataset // loaded data sets by name
	cur   *run                // the run the next watch replays; nil before /ctl/use
	loads sync.Mutex          // one data set loads at a time
}

// run is one measurement: a data set, how to replay it, and when each of
// its frames left. Invariant: len(sends) == end; sends[i] is 0 until frame
// i was written, then its send time in ms since the epoch.
type run struct {
	d        *dataset
	rate     float64 // events per second; 0: as fast as the socket takes them
	end      int     // replay frames [from, end)
	released chan struct{}
	once     sync.Once
	info     []byte // what /ctl/use answered, for /ctl/run

	mu    sync.Mutex
	sends []float64
}

func newServer(root, data string, l *log.Logger) *server {
	s := &server{root: root, data: data, logger: l, sets: map[string]*dataset{}, watches: map[int64]func(){},
		files: http.FileServer(http.Dir(root))}
	m, err := muxserver.New(muxserver.Options{Upstream: upstream{s}, OriginPatterns: []string{"127.0.0.1:*", "localhost:*"}})
	if err != nil {
		panic("benchserver: multiplexer options: " + err.Error())
	}
	s.mux = counted{s, m}
	return s
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, "/ctl/"):
		s.control(w, r)
	case p == "/wsMultiplexer":
		s.mux.ServeHTTP(w, r)
	case strings.HasPrefix(p, "/clusters/"):
		if r.Header.Get("Upgrade") != "" {
			s.watch(w, r)
		} else {
			s.list(w, r)
		}
	case p == "/favicon.ico":
		w.WriteHeader(http.StatusNoContent)
	case strings.HasPrefix(p, "/bench/"), strings.HasPrefix(p, "/js/"), strings.HasPrefix(p, "/dist/"):
		s.static(w, r)
	default:
		http.NotFound(w, r)
	}
}

// static serves files, a .wasm gzipped when the client takes it and a
// .wasm.gz lies next to it (as a deployment would serve it).
func (s *server) static(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, ".wasm") && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		gz := filepath.Join(s.root, filepath.FromSlash(strings.TrimPrefix(r.URL.Path, "/"))) + ".gz"
		if f, err := os.Open(gz); err == nil {
			defer f.Close()
			if st, err := f.Stat(); err == nil {
				w.Header().Set("Content-Type", "application/wasm")
				w.Header().Set("Content-Encoding", "gzip")
				w.Header().Set("Content-Length", strconv.FormatInt(st.Size(), 10))
				http.ServeContent(w, r, "", st.ModTime(), f)
				return
			}
		}
	}
	s.files.ServeHTTP(w, r)
}

func (s *server) current() *run {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

func (s *server) list(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	cur := s.current()
	if r.URL.Query().Get("continue") == "" {
		s.allLists.Add(1)
	}
	if r.URL.Path != benchPath || cur == nil {
		_, _ = w.Write([]byte(emptyList))
		return
	}
	if r.URL.Query().Get("continue") == "" {
		s.lists.Add(1) // one LIST, however many pages
	}
	defer func() { s.listedAt.Store(time.Now().UnixMicro()) }()
	q := r.URL.Query()
	if limit, err := strconv.Atoi(q.Get("limit")); err == nil && limit > 0 {
		body, err := cur.d.page(limit, q.Get("continue"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		_, _ = w.Write(body)
		return
	}
	_, _ = w.Write(cur.d.list)
}

// watch replays the current run's events after the requested
// resourceVersion on the bench path; any other watch stays open, silent.
func (s *server) watch(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		Subprotocols:    []string{"base64.binary.k8s.io"},
		OriginPatterns:  []string{"127.0.0.1:*", "localhost:*"},
		CompressionMode: websocket.CompressionDisabled,
	})
	if err != nil {
		s.logger.Printf("accept %s: %v", r.URL.Path, err)
		return
	}
	s.accepted.Add(1)
	s.live.Add(1)
	defer s.live.Add(-1)
	if r.URL.Path != benchPath {
		s.others.Add(1)
		defer s.others.Add(-1)
	}
	defer c.CloseNow()
	ctx, cancel := context.WithCancel(c.CloseRead(r.Context()))
	defer cancel()
	cur := s.current()
	if r.URL.Path == benchPath && cur != nil {
		defer s.track(cancel)()
		if s.takeExpire(r.URL.Query().Get("resourceVersion")) {
			_ = c.Write(ctx, websocket.MessageText, expiredEvent)
			_ = c.Close(websocket.StatusNormalClosure, "")
			return
		}
		from := cur.d.after(r.URL.Query().Get("resourceVersion"))
		if from >= cur.end && cur.end > 0 && r.URL.Query().Get("allowWatchBookmarks") == "true" {
			// A resume that already holds every event of the run hears a
			// BOOKMARK at once, as it would within an API server's bookmark
			// interval (a warm start from a list persisted after the stream
			// confirms it with that).
			_ = c.Write(ctx, websocket.MessageText, bookmarkEvent(cur.d.rvs[cur.end-1]))
		}
		s.replay(ctx, c, cur, from)
	}
	<-ctx.Done()
}

// bookmarkEvent is a BOOKMARK watch event at rv.
func bookmarkEvent(rv int64) []byte {
	return []byte(`{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"` + strconv.FormatInt(rv, 10) + `"}}}`)
}

// expiredEvent is the watch event of a resume from a resourceVersion older
// than the server's history.
var expiredEvent = []byte(`{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",` +
	`"message":"too old resource version (forced by /ctl/expire)","reason":"Expired","code":410}}`)

// takeExpire consumes one forced 410 if one is armed and the watch resumes
// from resourceVersion rv (a watch from "" or "0" starts fresh: never).
func (s *server) takeExpire(rv string) bool {
	if rv == "" || rv == "0" {
		return false
	}
	for {
		n := s.expire.Load()
		if n <= 0 {
			return false
		}
		if s.expire.CompareAndSwap(n, n-1) {
			return true
		}
	}
}

// track registers an open bench watch's cancel for /ctl/expire; the returned
// func forgets it.
func (s *server) track(cancel func()) (untrack func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	id := s.nextID
	s.watches[id] = cancel
	return func() {
		s.mu.Lock()
		delete(s.watches, id)
		s.mu.Unlock()
	}
}

// dropWatches cancels every open bench watch and returns how many.
func (s *server) dropWatches() int {
	s.mu.Lock()
	cs := make([]func(), 0, len(s.watches))
	for _, c := range s.watches {
		cs = append(cs, c)
	}
	s.mu.Unlock()
	for _, c := range cs {
		c()
	}
	return len(cs)
}

func (s *server) replay(ctx context.Context, c *websocket.Conn, ru *run, from int) {
	select {
	case <-ru.released:
	case <-ctx.Done():
		return
	}
	start := time.Now()
	for i := from; i < ru.end; i++ {
		if ru.rate > 0 {
			due := start.Add(time.Duration(float64(i-from) / ru.rate * float64(time.Second)))
			if d := time.Until(due); d > 0 {
				time.Sleep(d)
			}
		}
		if err := c.Write(ctx, websocket.MessageText, ru.d.frames[i]); err != nil {
			return
		}
		t := float64(time.Now().UnixNano()) / 1e6
		ru.mu.Lock()
		ru.sends[i] = t
		ru.mu.Unlock()
	}
}

func (s *server) dataset(name string) (*dataset, error) {
	if name == "" || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") {
		return nil, fmt.Errorf("bad data set name %q", name)
	}
	s.loads.Lock()
	defer s.loads.Unlock()
	s.mu.Lock()
	d := s.sets[name]
	s.mu.Unlock()
	if d != nil {
		return d, nil
	}
	d, err := loadDataset(s.data, name)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.sets[name] = d
	s.mu.Unlock()
	return d, nil
}

func (s *server) control(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch r.URL.Path {
	case "/ctl/use":
		d, err := s.dataset(q.Get("set"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		rate, _ := strconv.ParseFloat(q.Get("rate"), 64)
		end := len(d.frames)
		if k, err := strconv.Atoi(q.Get("limit")); err == nil && k > 0 && k < end {
			end = k
		}
		ru := &run{d: d, rate: rate, end: end, released: make(chan struct{}), sends: make([]float64, end)}
		if q.Get("hold") != "1" {
			close(ru.released)
			ru.once.Do(func() {})
		}
		lastRV := ""
		if end > 0 {
			lastRV = strconv.FormatInt(d.rvs[end-1], 10)
		}
		ru.info, _ = json.Marshal(map[string]any{"set": d.name, "meta": json.RawMessage(d.meta), "events": end, "lastRV": lastRV, "rate": rate})
		s.mu.Lock()
		s.cur = ru
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(ru.info)
	case "/ctl/run":
		ru := s.current()
		if ru == nil {
			http.Error(w, "no data set: call /ctl/use first", http.StatusConflict)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(ru.info)
	case "/ctl/go":
		if ru := s.current(); ru != nil {
			ru.once.Do(func() { close(ru.released) })
		}
		writeJSON(w, map[string]bool{"ok": true})
	case "/ctl/meta", "/ctl/final":
		ru := s.current()
		if ru == nil {
			http.Error(w, "no data set: call /ctl/use first", http.StatusConflict)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/ctl/meta" {
			_, _ = w.Write(ru.d.meta)
		} else {
			_, _ = w.Write(ru.d.final)
		}
	case "/ctl/sends":
		ru := s.current()
		if ru == nil {
			http.Error(w, "no run", http.StatusConflict)
			return
		}
		ru.mu.Lock()
		sends := append([]float64(nil), ru.sends...)
		ru.mu.Unlock()
		rvs := make([]string, len(sends))
		for i := range rvs {
			rvs[i] = strconv.FormatInt(ru.d.rvs[i], 10)
		}
		writeJSON(w, map[string]any{"sends": sends, "rvs": rvs})
	case "/ctl/expire":
		// Arm one forced 410 and drop the open bench watches: the client
		// resumes, gets 410 Expired and relists. With no watch open nothing
		// is armed ("dropped": 0): the caller asks again once it is.
		s.expire.Add(1)
		n := s.dropWatches()
		if n == 0 {
			s.expire.Add(-1)
		}
		writeJSON(w, map[string]int{"dropped": n})
	case "/ctl/lists":
		writeJSON(w, map[string]any{"lists": s.lists.Load(), "all": s.allLists.Load(), "listedAt": float64(s.listedAt.Load()) / 1e3})
	case "/ctl/sockets":
		writeJSON(w, map[string]int64{"accepted": s.accepted.Load(), "live": s.live.Load(), "others": s.others.Load()})
	default:
		http.NotFound(w, r)
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// counted counts the multiplexer's sockets with the others.
type counted struct {
	s *server
	h http.Handler
}

func (c counted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.s.accepted.Add(1)
	c.s.live.Add(1)
	defer c.s.live.Add(-1)
	c.h.ServeHTTP(w, r)
}

func urlQuery(q string) (url.Values, error) { return url.ParseQuery(q) }
