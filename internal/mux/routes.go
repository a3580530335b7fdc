package mux

import (
	"strconv"

	"github.com/kubelive/kubelive/internal/muxwire"
)

// routes maps what the server sends back to the sub it belongs to, for the
// current socket only.
//
// On msgpack every message carries the request's id: routing is exact.
//
// On JSON every REQUEST carries a userId of its own (the client's userId, a
// dash and the request's number), because Headlamp's backend keys upstream
// watches by (cluster, path, userId) and ignores the query: with a fresh
// userId per request, two queries on one path never share a watch, a CLOSE
// ends exactly the request it names, and a DATA, COMPLETE or ERROR of an
// older request of the path never reaches a newer one. Headlamp sends STATUS
// with an empty query and userId, naming only (cluster, path); such a STATUS
// is matched by the order in which Headlamp answers (its read loop dials each
// REQUEST before it reads the next message, and answers a CLOSE at once):
// "connected" and "error" answer the path's oldest REQUEST still waiting for
// its first STATUS; "closed" pays off a CLOSE the path still owes a reply
// for (a CLOSE in flight takes the path's next "closed", whether that is the
// reply or the server's own end of the same watch, after which the CLOSE
// finds nothing and gets no reply), and otherwise reports the end of one of
// the path's confirmed watches. When that could be any of several, every one
// of them is ended (and the ones still running are closed), so a status
// never claims more than is known: the sibling that was not ended restarts
// once from its owner's resume point, which loses nothing. Nothing narrows
// it down further on Headlamp's protocol: its STATUS never carries the query
// or userId, the frames that carry a userId (DATA, COMPLETE, ERROR) say
// nothing about an end, and a probe would cost more than the restart (a
// REQUEST with a candidate's userId re-dials the ended one from the only
// resume point the client holds, its REQUEST's query, replaying its events
// or failing with 410; a CLOSE ends the one still running). kubelive's own server adds the userId to
// STATUS (kubeliveUserId), which is exact.
type routes struct {
	byWire map[uint64]*sub
	byUser map[userKey]*sub
	paths  map[pathKey]*pathState
}

// pathKey is the part of a key that Headlamp's STATUS frames carry.
type pathKey struct {
	Cluster, Path string
}

// userKey names one JSON request: what DATA, COMPLETE and ERROR carry.
type userKey struct {
	cluster, path, user string
}

// pathState is what one (cluster, path) owes on JSON.
type pathState struct {
	// pending lists the REQUESTs sent and not yet answered by a STATUS, in
	// the order sent; an entry whose sub is nil was CLOSEd before its answer.
	pending []pendingReq
	// owed counts the STATUS closed frames still due for CLOSEs of watches
	// the server holds.
	owed int
}

type pendingReq struct {
	wire uint64
	sub  *sub
}

func newRoutes() routes {
	return routes{byWire: map[uint64]*sub{}, byUser: map[userKey]*sub{}, paths: map[pathKey]*pathState{}}
}

func (r *routes) reset() {
	clear(r.byWire)
	clear(r.byUser)
	clear(r.paths)
}

func (r *routes) path(cluster, path string) *pathState {
	pk := pathKey{cluster, path}
	ps := r.paths[pk]
	if ps == nil {
		ps = &pathState{}
		r.paths[pk] = ps
	}
	return ps
}

// unpend marks the pending entry of request wire as CLOSEd (its answer is
// still to come and must be consumed) or removes it (it will never come).
func (ps *pathState) unpend(wire uint64, remove bool) {
	for i, p := range ps.pending {
		if p.wire == wire {
			if remove {
				ps.pending = append(ps.pending[:i:i], ps.pending[i+1:]...)
			} else {
				ps.pending[i].sub = nil
			}
			return
		}
	}
}

// requestLocked sends s's REQUEST on the open socket with its resume query
// and a fresh wire id (and, on JSON, a fresh userId). Caller holds c.mu and
// c.sock != nil.
func (c *Client) requestLocked(s *sub) {
	c.nextWire++
	s.req = wireReq{id: c.nextWire, query: s.resume, user: c.userID, live: true}
	if c.sock.msgpack {
		c.routes.byWire[s.req.id] = s
	} else {
		s.req.user = c.userID + "-" + strconv.FormatUint(s.req.id, 10)
		c.routes.byUser[userKey{s.key.Cluster, s.key.Path, s.req.user}] = s
		ps := c.routes.path(s.key.Cluster, s.key.Path)
		ps.pending = append(ps.pending, pendingReq{wire: s.req.id, sub: s})
	}
	m := muxwire.Message{Kind: muxwire.KindRequest, Cluster: s.key.Cluster, Path: s.key.Path, Query: s.req.query, UserID: s.req.user}
	if c.sock.msgpack {
		m.ID = s.req.id
	}
	c.sock.send(m)
}

// closeRequestLocked sends CLOSE for s's request in force, unless there is
// none or the server reported it ended (a CLOSE then could only hit another
// watch), and stops routing to it. Caller holds c.mu and c.sock != nil.
func (c *Client) closeRequestLocked(s *sub) {
	req := s.req
	c.forgetLocked(s)
	if !req.live {
		return
	}
	m := muxwire.Message{Kind: muxwire.KindClose, Cluster: s.key.Cluster, Path: s.key.Path, Query: req.query, UserID: req.user}
	if c.sock.msgpack {
		m.ID = req.id
	} else {
		ps := c.routes.path(s.key.Cluster, s.key.Path)
		if req.confirmed {
			ps.owed++
		} else {
			ps.unpend(req.id, false)
		}
	}
	c.sock.send(m)
}

// forgetLocked stops routing anything to s's request in force.
func (c *Client) forgetLocked(s *sub) {
	if s.req.id == 0 {
		return
	}
	if c.sock != nil && c.sock.msgpack {
		delete(c.routes.byWire, s.req.id)
	} else if uk := (userKey{s.key.Cluster, s.key.Path, s.req.user}); c.routes.byUser[uk] == s {
		delete(c.routes.byUser, uk)
	}
	s.req = wireReq{}
}

// endLocked records that the server ended s's request (STATUS closed or
// error, or ERROR): no CLOSE is owed for it, and a listener joining the key
// later gets a fresh REQUEST. The route stays, so that an ERROR following a
// STATUS error still reaches the listeners.
func (c *Client) endLocked(s *sub) {
	if s.req.live && c.sock != nil && !c.sock.msgpack {
		c.routes.path(s.key.Cluster, s.key.Path).unpend(s.req.id, true)
	}
	s.req.live = false
	s.ended = true
}

// routeLocked finds the subs a server message is for and applies what it
// says to their requests. confirm reports that m's sub learns from m that
// its watch is established (its first DATA), so the caller shows it as a
// STATUS connected first. Caller holds c.mu.
func (c *Client) routeLocked(msgpack bool, m *muxwire.Message) (subs []*sub, confirm bool) {
	var s *sub
	switch {
	case msgpack:
		s = c.routes.byWire[m.ID]
	case m.Kind == muxwire.KindStatus && m.UserID == "":
		return c.routePathStatusLocked(m), false
	default:
		s = c.routes.byUser[userKey{m.Cluster, m.Path, m.UserID}]
	}
	if s == nil {
		return nil, false
	}
	switch m.Kind {
	case muxwire.KindData:
		if s.req.live && !s.req.confirmed {
			s.req.confirmed, confirm = true, true
		}
	case muxwire.KindError:
		c.endLocked(s)
	case muxwire.KindStatus:
		if !msgpack {
			c.routes.path(s.key.Cluster, s.key.Path).unpend(s.req.id, true)
		}
		if !c.statusLocked(s, m.State) {
			return nil, false
		}
	}
	return []*sub{s}, confirm
}

// statusLocked applies a server STATUS to s's request; false if it is not
// news to the listeners (a second "connected").
func (c *Client) statusLocked(s *sub, st muxwire.State) bool {
	switch st {
	case muxwire.StateConnected:
		if s.req.confirmed || !s.req.live {
			return false
		}
		s.req.confirmed = true
	case muxwire.StateClosed, muxwire.StateError:
		c.endLocked(s)
	}
	return true
}

// routePathStatusLocked matches a STATUS that names only its (cluster,
// path), as described on routes.
func (c *Client) routePathStatusLocked(m *muxwire.Message) []*sub {
	ps := c.routes.paths[pathKey{m.Cluster, m.Path}]
	if ps == nil {
		return nil
	}
	st := m.State
	if st == muxwire.StateConnected || (st == muxwire.StateError && len(ps.pending) > 0) {
		if len(ps.pending) == 0 {
			return nil
		}
		p := ps.pending[0]
		ps.pending = ps.pending[1:]
		if p.sub == nil { // CLOSEd before this answer: its close reply is due now
			if st == muxwire.StateConnected {
				ps.owed++
			}
			return nil
		}
		if p.sub.req.id != p.wire || !c.statusLocked(p.sub, st) {
			return nil
		}
		return []*sub{p.sub}
	}
	if st != muxwire.StateClosed && st != muxwire.StateError {
		return nil
	}
	if ps.owed > 0 {
		ps.owed--
		return nil
	}
	var running []*sub
	for uk, s := range c.routes.byUser {
		if uk.cluster == m.Cluster && uk.path == m.Path && s.req.live && s.req.confirmed {
			running = append(running, s)
		}
	}
	if len(running) > 1 {
		// One of them ended; which one, the frame does not say (see
		// routes). End them all: close each (the ones still running
		// answer), and pay off the one reply that will never come.
		for _, s := range running {
			c.closeRequestLocked(s)
			s.ended = true
		}
		ps.owed--
		return running
	}
	for _, s := range running {
		c.endLocked(s)
	}
	return running
}
