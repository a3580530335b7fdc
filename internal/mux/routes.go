package mux

// routes maps what the server echoes back to the sub it belongs to, for the
// current socket only: msgpack ids, JSON (cluster, path, query) triples, and
// the STATUS frames Headlamp's backend sends with an empty query.
type routes struct {
	byWire  map[uint64]*sub
	byQuery map[Key]*sub
	// expectClosed counts the STATUS closed frames owed for CLOSEs this
	// client sent per (cluster, path); a query-less STATUS closed that pays
	// one off is not shown to the other keys of that path.
	expectClosed map[pathKey]int
}

func newRoutes() routes {
	return routes{byWire: map[uint64]*sub{}, byQuery: map[Key]*sub{}, expectClosed: map[pathKey]int{}}
}

func (r *routes) reset() {
	clear(r.byWire)
	clear(r.byQuery)
	clear(r.expectClosed)
}

// requestLocked sends s's REQUEST on the open socket with its resume query
// and a fresh wire id. Caller holds c.mu and c.sock != nil.
func (c *Client) requestLocked(s *sub) {
	c.nextWire++
	s.req = wireReq{id: c.nextWire, query: s.resume, live: true}
	m := Message{Kind: uint8(KindRequest), Cluster: s.key.Cluster, Path: s.key.Path, Query: s.req.query, UserID: c.userID}
	if c.sock.msgpack {
		m.ID = s.req.id
		c.routes.byWire[s.req.id] = s
	} else {
		c.routes.byQuery[Key{Cluster: s.key.Cluster, Path: s.key.Path, Query: s.req.query}] = s
	}
	c.sock.send(m)
}

// closeRequestLocked sends CLOSE for s's request in force, if any, and stops
// routing to it. Caller holds c.mu and c.sock != nil.
func (c *Client) closeRequestLocked(s *sub) {
	if !s.req.live {
		return
	}
	m := Message{Kind: uint8(KindClose), Cluster: s.key.Cluster, Path: s.key.Path, Query: s.req.query, UserID: c.userID}
	if c.sock.msgpack {
		m.ID = s.req.id
		delete(c.routes.byWire, s.req.id)
	} else {
		q := Key{Cluster: s.key.Cluster, Path: s.key.Path, Query: s.req.query}
		if c.routes.byQuery[q] == s {
			delete(c.routes.byQuery, q)
		}
		c.routes.expectClosed[pathKey{s.key.Cluster, s.key.Path}]++
	}
	s.req = wireReq{}
	c.sock.send(m)
}

// lookupLocked finds the subs a server message is for: one for DATA and
// ERROR, every requested key of the path for a query-less JSON STATUS.
func (c *Client) lookupLocked(msgpack bool, m *Message) []*sub {
	if msgpack {
		if s := c.routes.byWire[m.ID]; s != nil {
			return []*sub{s}
		}
		return nil
	}
	if Kind(m.Kind) == KindStatus && m.Query == "" {
		pk := pathKey{m.Cluster, m.Path}
		if m.State == string(StateClosed) && c.routes.expectClosed[pk] > 0 {
			c.routes.expectClosed[pk]--
			return nil
		}
		var out []*sub
		for _, s := range c.routes.byQuery {
			if s.key.Cluster == m.Cluster && s.key.Path == m.Path {
				out = append(out, s)
			}
		}
		return out
	}
	k := Key{Cluster: m.Cluster, Path: m.Path, Query: m.Query}
	if s := c.routes.byQuery[k]; s != nil {
		return []*sub{s}
	}
	if q, err := CanonicalQuery(m.Query); err == nil && q != m.Query {
		k.Query = q
		if s := c.routes.byQuery[k]; s != nil {
			return []*sub{s}
		}
	}
	return nil
}
