package view

import (
	"encoding/json"
	"strconv"

	"github.com/kubelive/kubelive/internal/cache"
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

// Snapshot returns the view's current state and remembers its window, so
// that the next Snapshot marks only the rows that differ as Fresh.
func (v *View) Snapshot() *Snapshot {
	total := hits(v.tree.root)
	w := v.c.spec.Window
	limit := w.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	off := min(w.Offset, total)
	nodes := window(v.tree.root, off, off+limit, make([]*node, 0, min(limit, total-off)))
	s := &Snapshot{Version: v.version, Total: total, Count: size(v.tree.root), Offset: off,
		Rows: make([]Row, len(nodes)), Columns: v.c.columns}
	sent := make(map[cache.SlotID]*cache.Item, len(nodes))
	for i, n := range nodes {
		slot := n.item.Slot
		s.Rows[i] = Row{Item: n.item, Columns: n.vals[:len(v.c.columns)],
			Fresh: v.sentGen != v.gen || v.sent[slot] != n.item}
		sent[slot] = n.item
	}
	v.sent, v.sentGen = sent, v.gen
	if v.c.countBy >= 0 {
		s.CountBy = make(map[string]int, len(v.countBy))
		for k, c := range v.countBy {
			s.CountBy[k] = c
		}
	}
	s.Status, s.LastError = status(v.lists)
	return s
}

// status is the worst phase of the lists (error > reconnecting > loading >
// stale > live; loading when there are none) and the most recent error.
func status(lists []cache.ListStatus) (string, error) {
	rank := map[reflector.Phase]int{reflector.PhaseError: 4, reflector.PhaseReconnecting: 3,
		reflector.PhaseLoading: 2, reflector.PhaseStale: 1, reflector.PhaseLive: 0}
	if len(lists) == 0 {
		return reflector.PhaseLoading.String(), nil
	}
	worst := reflector.PhaseLive
	var last cache.ListStatus
	for _, l := range lists {
		if rank[l.Phase] > rank[worst] {
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

// appendString appends s as a JSON string (encoding/json's escaping).
func appendString(buf []byte, s string) []byte {
	return appendAny(buf, s)
}

func appendAny(buf []byte, x any) []byte {
	b, err := json.Marshal(x)
	if err != nil {
		return append(buf, "null"...)
	}
	return append(buf, b...)
}
