package view

import (
	"strconv"
	"unicode/utf8"

	"github.com/kubelive/kubelive/internal/cache"
	"github.com/kubelive/kubelive/internal/jsonw"
	"github.com/kubelive/kubelive/internal/reflector"
	"github.com/kubelive/kubelive/internal/wire"
)

// Snapshot is a view at one version: the window's rows and the counts.
type Snapshot struct {
	Version uint64
	Total   int // objects that pass the filter
	Count   int // objects before the filter
	Offset  int // the window's offset, clamped to [0, Total]
	Rows    []Row
	// Columns are the column names, in the order of every Row's Columns.
	Columns []string
	// CountBy counts the objects that pass the filter per value of the
	// countBy expression (nil without one).
	CountBy map[string]int
	Status  string // the lists' worst status: error, reconnecting, loading, stale, live
	// LastError is the most recent error of any list, kept after recovery.
	LastError error
	// Lists are the cache's list statuses the snapshot was made from.
	Lists []cache.ListStatus
	same  bool
}

// Row is one row of a window.
type Row struct {
	Item    *cache.Item // the object (its raw JSON, when a full object is asked for)
	Columns []wire.Value
	// Fresh is set when the previous Snapshot did not show this row as
	// it is now (it entered the window, its object changed, or the columns
	// did); the others can be reused as they were.
	Fresh bool
}

// Cursor is one reader's window over a view: the rows it was last given,
// so that its next snapshot marks only the rows that differ as Fresh. A
// view may have many cursors (one per table showing it).
type Cursor struct {
	Window Window
	sent   map[cache.SlotID]*cache.Item // slot -> the item the last snapshot showed
	gen    uint64                       // the view's column generation then
	last   *Snapshot
}

// Snapshot returns the view's current state in the window of its spec.
func (v *View) Snapshot() *Snapshot { return v.SnapshotOf(&v.cursor) }

// SnapshotOf returns the view's current state in c's window and moves c
// on: O(log n + the window's length).
func (v *View) SnapshotOf(c *Cursor) *Snapshot {
	total := hits(v.tree.root)
	limit := c.Window.Limit
	off := min(c.Window.Offset, total)
	nodes := window(v.tree.root, off, off+limit, make([]*node, 0, min(limit, total-off)))
	s := &Snapshot{Version: v.version, Total: total, Count: size(v.tree.root), Offset: off,
		Rows: make([]Row, len(nodes)), Columns: v.c.columns}
	sent := make(map[cache.SlotID]*cache.Item, len(nodes))
	for i, n := range nodes {
		slot := n.item.Slot
		s.Rows[i] = Row{Item: n.item, Columns: n.vals[:len(v.c.columns)], Fresh: c.gen != v.gen || c.sent[slot] != n.item}
		sent[slot] = n.item
	}
	c.sent, c.gen = sent, v.gen
	if v.c.countBy >= 0 {
		s.CountBy = v.countBy.counts()
	}
	s.Status, s.LastError = status(v.lists)
	s.Lists = v.lists
	c.last, s.same = s, c.last != nil && s.sameAs(c.last)
	return s
}

// Same reports whether the snapshot shows what the previous one of its
// cursor showed (same rows, counts and status): nothing to hand on.
func (s *Snapshot) Same() bool { return s.same }

func (s *Snapshot) sameAs(p *Snapshot) bool {
	if s.Total != p.Total || s.Count != p.Count || s.Offset != p.Offset || s.Status != p.Status ||
		s.LastError != p.LastError || len(s.Rows) != len(p.Rows) || len(s.CountBy) != len(p.CountBy) {
		return false
	}
	for i, r := range s.Rows {
		if r.Fresh || r.Item != p.Rows[i].Item {
			return false
		}
	}
	for k, n := range s.CountBy {
		if p.CountBy[k] != n {
			return false
		}
	}
	return true
}

// status is the worst phase of the lists (error > reconnecting > loading >
// stale > live; loading when there are none) and the most recent error.
func status(lists []cache.ListStatus) (string, error) {
	rank := func(p reflector.Phase) int {
		switch p {
		case reflector.PhaseError:
			return 4
		case reflector.PhaseReconnecting:
			return 3
		case reflector.PhaseLoading:
			return 2
		case reflector.PhaseStale:
			return 1
		}
		return 0
	}
	if len(lists) == 0 {
		return reflector.PhaseLoading.String(), nil
	}
	worst := reflector.PhaseLive
	var last cache.ListStatus
	for _, l := range lists {
		if rank(l.Phase) > rank(worst) {
			worst = l.Phase
		}
		if l.LastErr != nil && (last.LastErr == nil || l.LastErrAt.After(last.LastErrAt)) {
			last = l
		}
	}
	return worst.String(), last.LastErr
}

// AppendJSON appends the snapshot as the JS half reads it:
// {"version","total","count","offset","status","lastError","countBy",
// "slots":[...],"rows":[...]}, where rows[i] is the row object
// {uid, cluster, namespace, name, ...columns} of a fresh row and null for a
// row the JS half holds from the previous snapshot (found by slots[i]).
// lastError is the sentence describe gives for it.
func (s *Snapshot) AppendJSON(buf []byte, describe func(error) any) []byte {
	buf = append(buf, `{"version":`...)
	buf = strconv.AppendUint(buf, s.Version, 10)
	buf = append(buf, `,"total":`...)
	buf = strconv.AppendInt(buf, int64(s.Total), 10)
	buf = append(buf, `,"count":`...)
	buf = strconv.AppendInt(buf, int64(s.Count), 10)
	buf = append(buf, `,"offset":`...)
	buf = strconv.AppendInt(buf, int64(s.Offset), 10)
	buf = append(buf, `,"status":`...)
	buf = strconv.AppendQuote(buf, s.Status)
	buf = append(buf, `,"lastError":`...)
	var lastErr any
	if s.LastError != nil && describe != nil {
		lastErr = describe(s.LastError)
	}
	buf = appendAny(buf, lastErr)
	buf = append(buf, `,"countBy":`...)
	buf = appendAny(buf, s.CountBy)
	buf = append(buf, `,"slots":[`...)
	for i, r := range s.Rows {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = strconv.AppendUint(buf, uint64(r.Item.Slot), 10)
	}
	buf = append(buf, `],"rows":[`...)
	for i, r := range s.Rows {
		if i > 0 {
			buf = append(buf, ',')
		}
		if !r.Fresh {
			buf = append(buf, "null"...)
			continue
		}
		buf = r.appendJSON(buf, s.Columns)
	}
	return append(buf, "]}"...)
}

// appendJSON appends the row object.
func (r Row) appendJSON(buf []byte, columns []string) []byte {
	it := r.Item
	buf = append(buf, `{"uid":`...)
	buf = appendString(buf, it.UID)
	buf = append(buf, `,"cluster":`...)
	buf = appendString(buf, it.Cluster)
	buf = append(buf, `,"namespace":`...)
	buf = appendString(buf, it.Namespace)
	buf = append(buf, `,"name":`...)
	buf = appendString(buf, it.Name)
	for i, name := range columns {
		buf = append(buf, ',')
		buf = appendString(buf, name)
		buf = append(buf, ':')
		buf = appendValue(buf, r.Columns[i])
	}
	return append(buf, '}')
}

// appendValue appends a column's value; absent, objects and arrays are null.
func appendValue(buf []byte, v wire.Value) []byte {
	switch v.Kind {
	case wire.String:
		return appendString(buf, v.Str)
	case wire.Number:
		return strconv.AppendFloat(buf, v.Num, 'g', -1, 64)
	case wire.Bool:
		return strconv.AppendBool(buf, v.Bool)
	}
	return append(buf, "null"...)
}

// appendString appends s as a JSON string: quotes, backslashes and
// control characters escaped, invalid UTF-8 as U+FFFD (what encoding/json
// writes, without its HTML escaping, which JSON.parse does not need).
func appendString(buf []byte, s string) []byte {
	const hex = "0123456789abcdef"
	buf = append(buf, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				buf = append(buf, `\ufffd`...)
			} else {
				buf = append(buf, s[i:i+size]...)
			}
			i += size
			continue
		}
		switch {
		case c == '"' || c == '\\':
			buf = append(buf, '\\', c)
		case c < 0x20:
			buf = append(buf, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			buf = append(buf, c)
		}
		i++
	}
	return append(buf, '"')
}

// appendAny appends x as Marshal would: a value that writes itself, a
// string, or a map of ints or strings (sorted keys); null for anything else.
func appendAny(buf []byte, x any) []byte {
	switch x := x.(type) {
	case jsonw.Appender:
		return x.AppendJSON(buf)
	case string:
		return jsonw.String(buf, x)
	case map[string]int:
		return jsonw.Map(buf, x, jsonw.Int[int])
	case map[string]string:
		return jsonw.Map(buf, x, jsonw.String[string])
	}
	return append(buf, "null"...)
}
