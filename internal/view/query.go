// Package view maintains live views of a cache entry: the objects that pass
// a filter, in a sort order, with a few columns extracted from each object's
// raw JSON, and the window of rows a table shows. A view is fed the cache's
// Deltas and updates its sorted index in O(log n) per changed object; only
// the window's rows are handed on, so a table of 100,000 pods costs the page
// the 50 rows it shows.
package view

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kubelive/kubelive/internal/wire"
)

// ErrQuery: a view query is malformed. Every error ParseSpec returns wraps
// it, with a sentence that names the part at fault.
var ErrQuery = errors.New("invalid view query")

// Spec is the view part of a query: what to keep, in which order, which
// window, and which columns.
type Spec struct {
	Where   Where
	Sort    []SortKey
	Window  Window
	Columns map[string]string // column name -> expression
	CountBy string            // an expression or a column name; "" for none
}

// Where selects the objects of a view; an empty Where keeps every object.
type Where struct {
	// LabelSelector is in Kubernetes syntax (app=web,tier!=db,env in (a,b)).
	LabelSelector string
	// Fields maps an expression to the values it may have (any of them).
	Fields map[string][]string
	// Text keeps the objects whose name, namespace, a label value or a
	// value of one of TextIn holds it, ignoring case.
	Text string
	// TextIn names the columns or expressions whose values Text also
	// searches (an Event's reason and message, say).
	TextIn []string `json:",omitempty"`
}

// SortKey orders rows by an expression or a column name.
type SortKey struct {
	By   string
	Desc bool
}

// Window is the part of the sorted, filtered rows a snapshot holds: at most
// Limit rows from Offset. A Limit of 0 holds no rows (the counts alone);
// ParseSpec gives DefaultLimit to a query that names no limit.
type Window struct {
	Offset int
	Limit  int
}

// DefaultLimit is the window's length when a query gives none; MaxLimit
// bounds it (a table never shows more rows at once).
const (
	DefaultLimit = 100
	MaxLimit     = 10_000
)

// queryMembers are the members a view query may have: the view's and the
// watchList query's. whereMembers are those of where.
var (
	queryMembers = []string{"where", "sort", "window", "columns", "countBy", "lists", "endpoint", "queryParams", "onError"}
	whereMembers = []string{"labelSelector", "fields", "text", "textIn"}
)

// reserved are the row fields every row has; no column may take their name.
var reserved = []string{"uid", "cluster", "namespace", "name"}

// ParseSpec decodes the view part of a query from its JSON (the members
// where, sort, window, columns and countBy; the others, the watchList part,
// are ignored) and checks it.
func ParseSpec(text string) (Spec, error) {
	var raw struct {
		Where *struct {
			LabelSelector string                     `json:"labelSelector"`
			Fields        map[string]json.RawMessage `json:"fields"`
			Text          string                     `json:"text"`
			TextIn        json.RawMessage            `json:"textIn"`
		} `json:"where"`
		Sort    json.RawMessage                   `json:"sort"`
		Window  *struct{ Offset, Limit *float64 } `json:"window"`
		Columns map[string]string                 `json:"columns"`
		CountBy string                            `json:"countBy"`
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal([]byte(text), &members); err != nil {
		return Spec{}, fmt.Errorf("%w: not a JSON object (%v)", ErrQuery, err)
	}
	for k := range members {
		if !slices.Contains(queryMembers, k) {
			return Spec{}, fmt.Errorf("%w: unknown member %q (a view query has %s)", ErrQuery, k, strings.Join(queryMembers, ", "))
		}
	}
	if w := members["where"]; w != nil && string(w) != "null" {
		var where map[string]json.RawMessage
		if json.Unmarshal(w, &where) == nil {
			for k := range where {
				if !slices.Contains(whereMembers, k) {
					return Spec{}, fmt.Errorf("%w: unknown member where.%s (where has %s)", ErrQuery, k, strings.Join(whereMembers, ", "))
				}
			}
		}
	}
	// Each member is decoded from its part of the text, read once above
	// (a second decode of the whole query cost as much again in wasm as
	// this one, on every new text).
	for _, p := range []struct {
		name string
		into any
	}{{"where", &raw.Where}, {"sort", &raw.Sort}, {"window", &raw.Window}, {"columns", &raw.Columns}, {"countBy", &raw.CountBy}} {
		if m, ok := members[p.name]; ok {
			if err := json.Unmarshal(m, p.into); err != nil {
				return Spec{}, fmt.Errorf("%w: not a JSON object of the expected shape (%s: %v)", ErrQuery, p.name, err)
			}
		}
	}
	s := Spec{Columns: raw.Columns, CountBy: raw.CountBy}
	if raw.Where != nil {
		s.Where.LabelSelector, s.Where.Text = raw.Where.LabelSelector, raw.Where.Text
		if t := bytes.TrimSpace(raw.Where.TextIn); len(t) > 0 && string(t) != "null" {
			if err := json.Unmarshal(t, &s.Where.TextIn); err != nil {
				return Spec{}, fmt.Errorf("%w: where.textIn must be an array of column names or expressions", ErrQuery)
			}
		}
		for path, v := range raw.Where.Fields {
			vals, err := fieldValues(v)
			if err != nil {
				return Spec{}, fmt.Errorf("%w: where.fields[%q] %v", ErrQuery, path, err)
			}
			if s.Where.Fields == nil {
				s.Where.Fields = map[string][]string{}
			}
			s.Where.Fields[path] = vals
		}
	}
	sort, err := sortKeys(raw.Sort)
	if err != nil {
		return Spec{}, err
	}
	s.Sort = sort
	s.Window.Limit = DefaultLimit
	if w := raw.Window; w != nil {
		if s.Window.Offset, err = count("window.offset", w.Offset); err != nil {
			return Spec{}, err
		}
		if w.Limit != nil {
			if s.Window.Limit, err = count("window.limit", w.Limit); err != nil {
				return Spec{}, err
			}
		}
	}
	if _, err := compile(s); err != nil {
		return Spec{}, err
	}
	return s, nil
}

// fieldValues reads a string or an array of strings.
func fieldValues(v json.RawMessage) ([]string, error) {
	var one string
	if err := json.Unmarshal(v, &one); err == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(v, &many); err != nil {
		return nil, errors.New("must be a string or an array of strings")
	}
	return many, nil
}

// sortKeys reads sort: one {by, desc} or an array of them.
func sortKeys(v json.RawMessage) ([]SortKey, error) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return nil, nil
	}
	type key struct {
		By   string `json:"by"`
		Desc bool   `json:"desc"`
	}
	var keys []key
	if v[0] == '{' {
		var k key
		if err := json.Unmarshal(v, &k); err != nil {
			return nil, fmt.Errorf("%w: sort must be {by, desc} or an array of them", ErrQuery)
		}
		keys = []key{k}
	} else if err := json.Unmarshal(v, &keys); err != nil {
		return nil, fmt.Errorf("%w: sort must be {by, desc} or an array of them", ErrQuery)
	}
	out := make([]SortKey, len(keys))
	for i, k := range keys {
		if k.By == "" {
			return nil, fmt.Errorf("%w: sort[%d].by is empty", ErrQuery, i)
		}
		out[i] = SortKey(k)
	}
	return out, nil
}

func count(name string, f *float64) (int, error) {
	if f == nil {
		return 0, nil
	}
	if *f < 0 || *f != float64(int(*f)) {
		return 0, fmt.Errorf("%w: %s must be a whole number, 0 or more", ErrQuery, name)
	}
	if name == "window.limit" && *f > MaxLimit {
		return 0, fmt.Errorf("%w: window.limit must be at most %d", ErrQuery, MaxLimit)
	}
	return int(*f), nil
}

// compiled is a Spec turned into expressions over one Extractor. Every
// expression a row needs (columns, sort keys, fields, countBy) is one entry
// of exprs; a row stores one value per entry.
type compiled struct {
	spec     Spec
	exprs    []expr
	paths    []wire.Path // the Extractor's paths, in exprs' order of use
	x        *wire.Extractor
	columns  []string // column names, sorted; columns[i] is exprs[i]
	sort     []sortRef
	fields   []fieldRef
	countBy  int // index into exprs; -1 for none
	selector selector
	text     string // lowercased Where.Text
	textIn   []int  // indexes into exprs of Where.TextIn, in its order
	// bare: the spec reads nothing of an object (no expression, label
	// selector or text), so its records are made without reading the
	// object's JSON (a count, such as a sidebar's).
	bare bool
}

// sortRef is one sort key: an expression index, or a built-in row field.
type sortRef struct {
	expr    int // -1 for a built-in
	builtin string
	desc    bool
}

// fieldRef is one where.fields condition.
type fieldRef struct {
	expr   int
	values map[string]bool
}

func compile(s Spec) (*compiled, error) {
	c := &compiled{spec: s, countBy: -1}
	for name := range s.Columns {
		if slices.Contains(reserved, name) {
			return nil, fmt.Errorf("%w: column %q is a name every row already has (uid, cluster, namespace, name)", ErrQuery, name)
		}
		if name == "" {
			return nil, fmt.Errorf("%w: a column has an empty name", ErrQuery)
		}
		c.columns = append(c.columns, name)
	}
	slices.Sort(c.columns)
	for _, name := range c.columns {
		if _, err := c.add(s.Columns[name], "column "+name); err != nil {
			return nil, err
		}
	}
	for i, k := range s.Sort {
		ref := sortRef{desc: k.Desc, expr: -1}
		if j := slices.Index(c.columns, k.By); j >= 0 {
			ref.expr = j
		} else if slices.Contains(reserved, k.By) {
			ref.builtin = k.By
		} else {
			e, err := c.add(k.By, fmt.Sprintf("sort[%d].by", i))
			if err != nil {
				return nil, err
			}
			ref.expr = e
		}
		c.sort = append(c.sort, ref)
	}
	fieldPaths := make([]string, 0, len(s.Where.Fields))
	for p := range s.Where.Fields {
		fieldPaths = append(fieldPaths, p)
	}
	slices.Sort(fieldPaths)
	for _, p := range fieldPaths {
		e, err := c.add(p, fmt.Sprintf("where.fields[%q]", p))
		if err != nil {
			return nil, err
		}
		ref := fieldRef{expr: e, values: map[string]bool{}}
		for _, v := range s.Where.Fields[p] {
			ref.values[v] = true
		}
		c.fields = append(c.fields, ref)
	}
	if s.CountBy != "" {
		if j := slices.Index(c.columns, s.CountBy); j >= 0 {
			c.countBy = j
		} else {
			e, err := c.add(s.CountBy, "countBy")
			if err != nil {
				return nil, err
			}
			c.countBy = e
		}
	}
	for i, in := range s.Where.TextIn {
		if j := slices.Index(c.columns, in); j >= 0 {
			c.textIn = append(c.textIn, j)
			continue
		}
		if in == "" {
			return nil, fmt.Errorf("%w: where.textIn[%d] is empty", ErrQuery, i)
		}
		e, err := c.add(in, fmt.Sprintf("where.textIn[%d]", i))
		if err != nil {
			return nil, err
		}
		c.textIn = append(c.textIn, e)
	}
	sel, err := parseSelector(s.Where.LabelSelector)
	if err != nil {
		return nil, fmt.Errorf("%w: where.labelSelector %q is not a label selector: %v", ErrQuery, s.Where.LabelSelector, err)
	}
	c.selector = sel
	c.text = strings.ToLower(strings.ReplaceAll(s.Where.Text, "\x00", ""))
	c.x = wire.NewExtractor(c.paths, true)
	c.bare = len(c.exprs) == 0 && sel.empty() && c.text == ""
	return c, nil
}

// add parses one expression and returns its index in exprs.
func (c *compiled) add(text, what string) (int, error) {
	e, err := parseExpr(text, &c.paths)
	if err != nil {
		return 0, fmt.Errorf("%w: %s: %v", ErrQuery, what, err)
	}
	c.exprs = append(c.exprs, e)
	return len(c.exprs) - 1, nil
}

// sameExprs reports whether c and o compute the same expressions in the
// same order and search the same ones as text, and read the objects at all,
// so the records made for one (values, labels and haystacks) serve the
// other.
func (c *compiled) sameExprs(o *compiled) bool {
	return slices.EqualFunc(c.exprs, o.exprs, func(a, b expr) bool { return a.text == b.text }) && slices.Equal(c.textIn, o.textIn) && c.bare == o.bare
}
