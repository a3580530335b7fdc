// Package view maintains live views of a cache entry: the objects that pass
// a filter, in a sort order, with a few columns extracted from each object's
// raw JSON, and the window of rows a table shows. A view is fed the cache's
// Deltas and updates its sorted index in O(log n) per changed object; only
// the window's rows are handed on, so a table of 100,000 pods costs the page
// the 50 rows it shows.
package view

import (
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
// are ignored) and checks it. A member given twice counts by its last
// occurrence (the text comes from JSON.stringify, which never repeats one).
func ParseSpec(text string) (Spec, error) {
	root, err := wire.Parse([]byte(text))
	if err == nil {
		err = root.CheckKind("the query", wire.Object, "an object")
	}
	if err != nil {
		return Spec{}, fmt.Errorf("%w: not a JSON object (%v)", ErrQuery, err)
	}
	for _, m := range root.Members {
		if !slices.Contains(queryMembers, m.Key) {
			return Spec{}, fmt.Errorf("%w: unknown member %q (a view query has %s)", ErrQuery, m.Key, strings.Join(queryMembers, ", "))
		}
	}
	where := root.Get("where")
	for _, m := range where.Members {
		if !slices.Contains(whereMembers, m.Key) {
			return Spec{}, fmt.Errorf("%w: unknown member where.%s (where has %s)", ErrQuery, m.Key, strings.Join(whereMembers, ", "))
		}
	}
	// Each member is decoded from the tree read once above, in this order,
	// the first of the wrong shape named in the error.
	var s Spec
	var fields []wire.Member
	var textIn wire.Node
	var window struct{ offset, limit *float64 }
	for _, p := range []struct {
		name   string
		decode func(wire.Node) error
	}{
		{"where", func(n wire.Node) (err error) {
			if err = n.CheckKind("where", wire.Object, "an object"); err != nil {
				return err
			}
			if s.Where.LabelSelector, err = n.Field("labelSelector").Text("where.labelSelector"); err != nil {
				return err
			}
			f := n.Field("fields")
			if err = f.CheckKind("where.fields", wire.Object, "an object"); err != nil {
				return err
			}
			fields, textIn = f.Members, n.Field("textIn")
			s.Where.Text, err = n.Field("text").Text("where.text")
			return err
		}},
		{"window", func(n wire.Node) error {
			if err := n.CheckKind("window", wire.Object, "an object"); err != nil {
				return err
			}
			for _, f := range []struct {
				name string
				into **float64
			}{{"offset", &window.offset}, {"limit", &window.limit}} {
				if v := n.Field(f.name); !v.Missing() {
					x, err := v.Float("window." + f.name)
					if err != nil {
						return err
					}
					*f.into = &x
				}
			}
			return nil
		}},
		{"columns", func(n wire.Node) error {
			if err := n.CheckKind("columns", wire.Object, "an object"); err != nil {
				return err
			}
			if n.Kind == wire.Object {
				s.Columns = map[string]string{} // {} is no columns, as null is, but an empty map as encoding/json makes it
			}
			for _, m := range n.Members {
				c, err := m.Value.Text("columns." + m.Key)
				if err != nil {
					return err
				}
				s.Columns[m.Key] = c
			}
			return nil
		}},
		{"countBy", func(n wire.Node) (err error) {
			s.CountBy, err = n.Text("countBy")
			return err
		}},
	} {
		if err := p.decode(root.Get(p.name)); err != nil {
			return Spec{}, fmt.Errorf("%w: not a JSON object of the expected shape (%s: %v)", ErrQuery, p.name, err)
		}
	}
	if !textIn.Missing() {
		if s.Where.TextIn, err = textIn.Texts("where.textIn"); err != nil {
			return Spec{}, fmt.Errorf("%w: where.textIn must be an array of column names or expressions", ErrQuery)
		}
	}
	for i, m := range fields {
		if lastMember(fields, m.Key) != i {
			continue // a later duplicate counts
		}
		vals, err := fieldValues(m.Value)
		if err != nil {
			return Spec{}, fmt.Errorf("%w: where.fields[%q] %v", ErrQuery, m.Key, err)
		}
		if s.Where.Fields == nil {
			s.Where.Fields = map[string][]string{}
		}
		s.Where.Fields[m.Key] = vals
	}
	sort, err := sortKeys(root.Get("sort"))
	if err != nil {
		return Spec{}, err
	}
	s.Sort = sort
	s.Window.Limit = DefaultLimit
	if s.Window.Offset, err = count("window.offset", window.offset); err != nil {
		return Spec{}, err
	}
	if window.limit != nil {
		if s.Window.Limit, err = count("window.limit", window.limit); err != nil {
			return Spec{}, err
		}
	}
	if _, err := compile(s); err != nil {
		return Spec{}, err
	}
	return s, nil
}

// lastMember returns the index of the last member of ms named key.
func lastMember(ms []wire.Member, key string) int {
	i := len(ms) - 1
	for i >= 0 && ms[i].Key != key {
		i--
	}
	return i
}

// fieldValues reads a string or an array of strings (null reads as "").
func fieldValues(v wire.Node) ([]string, error) {
	if v.Kind == wire.Array {
		if many, err := v.Texts(""); err == nil {
			return many, nil
		}
	} else if one, err := v.Text(""); err == nil {
		return []string{one}, nil
	}
	return nil, errors.New("must be a string or an array of strings")
}

// sortKeys reads sort: one {by, desc} or an array of them.
func sortKeys(v wire.Node) ([]SortKey, error) {
	if v.Missing() {
		return nil, nil
	}
	one := func(n wire.Node) (k SortKey, err error) {
		if err = n.CheckKind("sort", wire.Object, "an object"); err == nil {
			if k.By, err = n.Field("by").Text("by"); err == nil {
				k.Desc, err = n.Field("desc").Flag("desc")
			}
		}
		return k, err
	}
	var keys []SortKey
	switch v.Kind {
	case wire.Object:
		k, err := one(v)
		if err != nil {
			return nil, fmt.Errorf("%w: sort must be {by, desc} or an array of them", ErrQuery)
		}
		keys = []SortKey{k}
	case wire.Array:
		keys = make([]SortKey, len(v.Elems))
		for i, e := range v.Elems {
			k, err := one(e)
			if err != nil {
				return nil, fmt.Errorf("%w: sort must be {by, desc} or an array of them", ErrQuery)
			}
			keys[i] = k
		}
	default:
		return nil, fmt.Errorf("%w: sort must be {by, desc} or an array of them", ErrQuery)
	}
	for i, k := range keys {
		if k.By == "" {
			return nil, fmt.Errorf("%w: sort[%d].by is empty", ErrQuery, i)
		}
	}
	return keys, nil
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
