package wire

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrPath: a path given to ParsePath is not in the path syntax.
var ErrPath = errors.New("invalid path")

// Path is a parsed JSON path: object keys, [*] steps (every element of an
// array), filter steps ([type=Ready]: the elements of an array, or an
// object itself, whose members hold the given values) and a final keys()
// step (the keys of an object). Its zero value is the whole object.
type Path struct {
	steps []step
	text  string
	raw   bool // the values carry their JSON text (see Raw)
}

// step is one key; every element of an array when all is set; a filter
// when where is set; the keys of an object, with prefix cut off, when keys
// is set (always the last step).
type step struct {
	key    string
	all    bool
	where  []cond
	keys   bool
	prefix string
}

// cond is one test of a filter step: the member key is present and, with
// hasValue, its value's text is value; without, its value is truthy.
type cond struct {
	key      string
	value    string
	hasValue bool
}

// Raw returns p whose values also carry their JSON text in Str (an object
// or array included), for evaluating an expression per element.
func (p Path) Raw() Path {
	p.raw = true
	return p
}

// String returns the path as it was written.
func (p Path) String() string { return p.text }

// Many reports whether the path can yield more than one value (it holds
// [*], a filter or keys()).
func (p Path) Many() bool {
	for _, s := range p.steps {
		if s.all || s.where != nil || s.keys {
			return true
		}
	}
	return false
}

// ParsePath parses a path such as status.phase, spec.containers[*].name,
// metadata.labels["app.kubernetes.io/name"], status.conditions[type=Ready].status
// or metadata.labels.keys("node-role.kubernetes.io/"): keys separated by
// dots; [*] for every element of an array; ["..."] (a JSON string) for a key
// that holds dots or brackets; [k=v,k2=v2] for the elements of an array (or
// an object itself) whose member k has the text v and k2 the text v2 (keys
// and values bare or JSON strings), [k] for those whose member k is truthy;
// and, last, keys() or keys("prefix") for the keys of an object (those
// starting with prefix, prefix cut off).
func ParsePath(text string) (Path, error) {
	p := Path{text: text}
	fail := func(why string) (Path, error) {
		return Path{}, fmt.Errorf("%w %q: %s", ErrPath, text, why)
	}
	if strings.TrimSpace(text) == "" {
		return fail("it is empty")
	}
	for i := 0; i < len(text); {
		switch {
		case strings.HasPrefix(text[i:], "[*]"):
			p.steps = append(p.steps, step{all: true})
			i += 3
		case strings.HasPrefix(text[i:], `["`) && quotedKey(text, i):
			end := closingQuote(text, i+2)
			key, err := strconv.Unquote(text[i+1 : end+1])
			if err != nil {
				return fail(`a ["key"] is not a valid string`)
			}
			p.steps = append(p.steps, step{key: key})
			i = end + 2
		case text[i] == '[':
			end := closingBracket(text, i+1)
			if end < 0 {
				return fail("a [filter] is not closed")
			}
			where, why := parseWhere(text[i+1 : end])
			if why != "" {
				return fail(why)
			}
			p.steps = append(p.steps, step{where: where})
			i = end + 1
		case text[i] == '.':
			if i == 0 || i+1 >= len(text) || text[i+1] == '.' || text[i+1] == '[' {
				return fail("a dot must sit between two keys")
			}
			i++
		case strings.HasPrefix(text[i:], "keys(") && (i == 0 || text[i-1] == '.'):
			prefix, n, why := parseKeys(text[i:])
			if why != "" {
				return fail(why)
			}
			p.steps = append(p.steps, step{keys: true, prefix: prefix})
			i += n
			if i < len(text) {
				return fail("keys() must be the last step")
			}
		default:
			if i > 0 && text[i-1] != '.' {
				return fail("a key must follow a dot")
			}
			end := i
			for end < len(text) && text[end] != '.' && text[end] != '[' {
				end++
			}
			p.steps = append(p.steps, step{key: text[i:end]})
			i = end
		}
	}
	return p, nil
}

// quotedKey reports whether a ["key"] starts at i (not a filter ["k"=v]).
func quotedKey(s string, i int) bool {
	end := closingQuote(s, i+2)
	return end >= 0 && end+1 < len(s) && s[end+1] == ']'
}

// closingBracket returns the index of the ']' closing a bracket whose
// contents start at i, skipping JSON strings, or -1.
func closingBracket(s string, i int) int {
	for ; i < len(s); i++ {
		switch s[i] {
		case '"':
			if i = closingQuote(s, i+1); i < 0 {
				return -1
			}
		case ']':
			return i
		}
	}
	return -1
}

// parseWhere parses the inside of a filter step: conditions k=v or k
// separated by commas. why is "" or the reason it is not valid.
func parseWhere(text string) (where []cond, why string) {
	if strings.TrimSpace(text) == "" || strings.Trim(text, "0123456789") == "" {
		return nil, "only [*], [\"key\"] and a [member=value] filter may stand in brackets (an index such as [0] is not supported: use [*] and |first)"
	}
	for i := 0; i <= len(text); i++ {
		var c cond
		var ok bool
		if c.key, i, ok = filterWord(text, i); !ok || c.key == "" {
			return nil, "a filter [member=value] needs a member"
		}
		if i < len(text) && text[i] == '=' {
			if c.value, i, ok = filterWord(text, i+1); !ok {
				return nil, "a filter value is not a valid string"
			}
			c.hasValue = true
		}
		if i < len(text) && text[i] != ',' {
			return nil, "a filter is member=value, several separated by commas"
		}
		where = append(where, c)
	}
	return where, ""
}

// filterWord reads a bare word (up to '=' or ',') or a JSON string at i,
// returning it and the index after it.
func filterWord(s string, i int) (string, int, bool) {
	if i < len(s) && s[i] == '"' {
		end := closingQuote(s, i+1)
		if end < 0 {
			return "", i, false
		}
		w, err := strconv.Unquote(s[i : end+1])
		return w, end + 1, err == nil
	}
	end := i
	for end < len(s) && s[end] != '=' && s[end] != ',' && s[end] != '"' {
		end++
	}
	return strings.TrimSpace(s[i:end]), end, true
}

// parseKeys parses keys() or keys("prefix") at the start of s, returning
// the prefix and the length read.
func parseKeys(s string) (prefix string, n int, why string) {
	const bad = `keys() takes nothing or one JSON string: keys("prefix")`
	i := len("keys(")
	if i < len(s) && s[i] == '"' {
		end := closingQuote(s, i+1)
		if end < 0 {
			return "", 0, bad
		}
		var err error
		if prefix, err = strconv.Unquote(s[i : end+1]); err != nil {
			return "", 0, bad
		}
		i = end + 1
	}
	if i >= len(s) || s[i] != ')' {
		return "", 0, bad
	}
	return prefix, i + 1, ""
}

// closingQuote returns the index of the quote ending a string whose contents
// start at i, or -1.
func closingQuote(s string, i int) int {
	for ; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

// ValueKind is the JSON type of an extracted Value.
type ValueKind byte

// The kinds of Value; Absent is the zero value (the path matched nothing).
const (
	Absent ValueKind = iota
	Null
	Bool
	Number
	String
	Object
	Array
)

// Value is one scalar found at a path: a string (decoded), a number, a bool,
// null, or the mere presence of an object or array (their contents are not
// kept).
// Its fields are ordered for size (32 bytes): a view holds one per column per object.
type Value struct {
	Str  string
	Num  float64
	Kind ValueKind
	Bool bool
}

// Truthy reports whether v counts as present and set: not absent, null,
// false, 0 or "".
func (v Value) Truthy() bool {
	switch v.Kind {
	case Absent, Null:
		return false
	case Bool:
		return v.Bool
	case Number:
		return v.Num != 0
	case String:
		return v.Str != ""
	}
	return true
}

// Text returns v as text: a string as is, a number in its shortest form,
// true/false, and "" for anything else.
func (v Value) Text() string {
	switch v.Kind {
	case String:
		return v.Str
	case Number:
		return strconv.FormatFloat(v.Num, 'f', -1, 64)
	case Bool:
		return strconv.FormatBool(v.Bool)
	}
	return ""
}

// Extractor reads the values of a fixed set of paths, and optionally the
// labels, from one object in a single pass over its raw JSON, skipping
// every member no path names (a filter step walks its elements once more
// per further filter at the same place). It is immutable and safe for
// concurrent use.
type Extractor struct {
	root   *pathNode
	paths  int
	slots  int // paths, then one hidden slot per filter condition
	labels bool
}

// pathNode is one step of the compiled trie. ends lists the indexes of the
// paths that end here (raws those that want the JSON text too); keys, all
// and filters lead further; keyEnds are keys() steps ending here.
type pathNode struct {
	ends    []int
	raws    []int
	keys    map[string]*pathNode
	all     *pathNode
	filters []*filterNode
	keyEnds []keyEnd
	labels  bool // metadata.labels: every string member is a label
}

// filterNode is a filter step: node walks each element (or the object),
// whose values are kept only if every condition holds; slots[i] is the
// hidden slot receiving the member of where[i].
type filterNode struct {
	sig   string
	where []cond
	slots []int
	node  *pathNode
}

// keyEnd is a keys() step: the keys starting with prefix go to path.
type keyEnd struct {
	prefix string
	path   int
}

// NewExtractor compiles paths into one trie. With labels, Extract also
// returns metadata.labels.
func NewExtractor(paths []Path, labels bool) *Extractor {
	x := &Extractor{root: &pathNode{}, paths: len(paths), slots: len(paths), labels: labels}
	for i, p := range paths {
		n := x.root
		for _, s := range p.steps {
			switch {
			case s.keys:
				n.keyEnds = append(n.keyEnds, keyEnd{prefix: s.prefix, path: i})
			case s.where != nil:
				n = x.filter(n, s.where)
			default:
				n = n.child(s)
			}
		}
		switch {
		case len(p.steps) > 0 && p.steps[len(p.steps)-1].keys:
		case p.raw:
			n.raws = append(n.raws, i)
		default:
			n.ends = append(n.ends, i)
		}
	}
	if labels {
		x.root.child(step{key: "metadata"}).child(step{key: "labels"}).labels = true
	}
	return x
}

// filter returns the node under n's filter for where, made on first use.
func (x *Extractor) filter(n *pathNode, where []cond) *pathNode {
	sig := fmt.Sprint(where)
	for _, f := range n.filters {
		if f.sig == sig {
			return f.node
		}
	}
	f := &filterNode{sig: sig, where: where, node: &pathNode{}}
	for _, c := range where {
		f.node.child(step{key: c.key}).ends = append(f.node.child(step{key: c.key}).ends, x.slots)
		f.slots = append(f.slots, x.slots)
		x.slots++
	}
	n.filters = append(n.filters, f)
	return f.node
}

func (n *pathNode) child(s step) *pathNode {
	if s.all {
		if n.all == nil {
			n.all = &pathNode{}
		}
		return n.all
	}
	if n.keys == nil {
		n.keys = map[string]*pathNode{}
	}
	c := n.keys[s.key]
	if c == nil {
		c = &pathNode{}
		n.keys[s.key] = c
	}
	return c
}

// Extracted holds what one Extract found: Values[i] are the values of path
// i in document order (one at most for a path without [*], a filter or
// keys()), Labels the object's labels (nil when it has none or none were
// asked for). A caller may reuse one Extracted across objects; the strings
// it holds are copies and stay valid, but Labels is one map reused by every
// Extract into the same Extracted (valid until the next one).
type Extracted struct {
	Values [][]Value
	Labels map[string]string
	labels map[string]string // Labels' map, kept for the next Extract
	slots  [][]Value         // Values, then the hidden slots of filter conditions
	marks  []int             // a stack of slot lengths, restored when a filter fails
}

// Extract fills out from the object raw (a JSON object, as Item.Raw holds).
// A duplicated key yields the values of each occurrence.
func (x *Extractor) Extract(raw []byte, out *Extracted) error {
	if cap(out.slots) < x.slots {
		out.slots = make([][]Value, x.slots)
	}
	out.slots = out.slots[:x.slots]
	for i := range out.slots {
		out.slots[i] = out.slots[i][:0]
	}
	out.Values = out.slots[:x.paths]
	out.Labels = nil
	out.marks = out.marks[:0]
	s := scanner{b: raw}
	if e := s.begin(); e != nil {
		e.What, e.Len = "object", len(raw)
		return e
	}
	if s.walk(1, x.root, out) != nil || s.end() != nil {
		s.err.What, s.err.Len = "object", len(raw)
		return s.err
	}
	return nil
}

// walk reads one value at depth d for trie node n; the paths in n.raws
// receive its JSON text.
func (s *scanner) walk(d int, n *pathNode, out *Extracted) error {
	if len(n.raws) == 0 {
		return s.walkValue(d, n, out)
	}
	c := s.peek()
	start := s.i
	if err := s.walkValue(d, n, out); err != nil {
		return err
	}
	v := Value{Kind: rawKind(c), Str: string(s.b[start:s.i])}
	for _, i := range n.raws {
		out.slots[i] = append(out.slots[i], v)
	}
	return nil
}

// rawKind is the kind of the JSON value starting with c.
func rawKind(c byte) ValueKind {
	switch c {
	case '{':
		return Object
	case '[':
		return Array
	case '"':
		return String
	case 't', 'f':
		return Bool
	case 'n':
		return Null
	}
	return Number
}

func (s *scanner) walkValue(d int, n *pathNode, out *Extracted) error {
	if len(n.ends) == 0 && n.keys == nil && n.all == nil && !n.labels && n.filters == nil && n.keyEnds == nil {
		_, err := s.value(d)
		return err
	}
	c := s.peek()
	switch {
	case c == '{' && (n.keys != nil || n.labels || n.keyEnds != nil || n.filters != nil):
		start := s.i
		if err := s.walkObject(d, n, out); err != nil {
			return err
		}
		if err := s.filtered(d, start, n.filters, out); err != nil {
			return err
		}
		n.record(Value{Kind: Object}, out)
		return nil
	case c == '[' && (n.all != nil || n.filters != nil):
		if err := s.open(d); err != nil {
			return err
		}
		for i := 0; ; i++ {
			done, err := s.arrayNext(i)
			if err != nil {
				return err
			}
			if done {
				break
			}
			start := s.i
			if n.all != nil {
				err = s.walk(d+1, n.all, out)
			} else {
				_, err = s.value(d + 1)
			}
			if err != nil {
				return err
			}
			if err := s.filtered(d+1, start, n.filters, out); err != nil {
				return err
			}
		}
		n.record(Value{Kind: Array}, out)
		return nil
	}
	v, err := s.value(d)
	if err != nil {
		return err
	}
	if len(n.ends) > 0 {
		n.record(s.scalar(v), out)
	}
	return nil
}

// filtered walks the value at start (already scanned, so well-formed) once
// per filter, keeping what a filter's paths found only when its conditions
// hold.
func (s *scanner) filtered(d, start int, filters []*filterNode, out *Extracted) error {
	for _, f := range filters {
		for _, slot := range f.slots {
			out.slots[slot] = out.slots[slot][:0]
		}
		mark := len(out.marks)
		for _, v := range out.slots {
			out.marks = append(out.marks, len(v))
		}
		sub := scanner{b: s.b, i: start}
		if err := sub.walk(d, f.node, out); err != nil {
			return err
		}
		if !f.holds(out) {
			for i := range out.slots {
				out.slots[i] = out.slots[i][:out.marks[mark+i]]
			}
		}
		out.marks = out.marks[:mark]
	}
	return nil
}

// holds reports whether the member values found meet every condition.
func (f *filterNode) holds(out *Extracted) bool {
	for i, c := range f.where {
		vals := out.slots[f.slots[i]]
		if len(vals) == 0 {
			return false
		}
		v := vals[len(vals)-1]
		if c.hasValue {
			if v.Kind == Object || v.Kind == Array || v.Kind == Null || v.Text() != c.value {
				return false
			}
		} else if !v.Truthy() {
			return false
		}
	}
	return true
}

func (s *scanner) walkObject(d int, n *pathNode, out *Extracted) error {
	if err := s.open(d); err != nil {
		return err
	}
	for i := 0; ; i++ {
		k, done, err := s.objectNext(i)
		if err != nil || done {
			return err
		}
		key := s.key(k)
		for _, ke := range n.keyEnds {
			if strings.HasPrefix(string(key), ke.prefix) {
				out.slots[ke.path] = append(out.slots[ke.path], Value{Kind: String, Str: string(key[len(ke.prefix):])})
			}
		}
		next := n.keys[string(key)]
		switch {
		case n.labels && s.peek() == '"':
			var v val
			if v, err = s.str(); err == nil {
				if out.Labels == nil {
					if out.labels == nil {
						out.labels = map[string]string{}
					}
					clear(out.labels)
					out.Labels = out.labels
				}
				sv := s.scalar(v)
				out.Labels[string(key)] = sv.Str
				if next != nil {
					next.record(sv, out)
				}
			}
		case next != nil:
			err = s.walk(d+1, next, out)
		default:
			_, err = s.value(d + 1)
		}
		if err != nil {
			return err
		}
	}
}

// record appends v to every path ending at n.
func (n *pathNode) record(v Value, out *Extracted) {
	for _, i := range n.ends {
		out.slots[i] = append(out.slots[i], v)
	}
}

// scalar converts a scanned value.
func (s *scanner) scalar(v val) Value {
	switch v.kind {
	case kString:
		return Value{Kind: String, Str: s.text(v)}
	case kNumber:
		f, err := strconv.ParseFloat(string(s.b[v.start:v.end]), 64)
		if err != nil {
			return Value{Kind: Null}
		}
		return Value{Kind: Number, Num: f}
	case kBool:
		return Value{Kind: Bool, Bool: s.b[v.start] == 't'}
	case kNull:
		return Value{Kind: Null}
	case kObject:
		return Value{Kind: Object}
	case kArray:
		return Value{Kind: Array}
	}
	return Value{}
}
