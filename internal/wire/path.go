package wire

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrPath: a path given to ParsePath is not in the path syntax.
var ErrPath = errors.New("invalid path")

// Path is a parsed JSON path: object keys and [*] steps (every element of
// an array). Its zero value is the whole object.
type Path struct {
	steps []step
	text  string
}

// step is one key, or every element of an array when all is set.
type step struct {
	key string
	all bool
}

// String returns the path as it was written.
func (p Path) String() string { return p.text }

// Many reports whether the path can yield more than one value (it holds [*]).
func (p Path) Many() bool {
	for _, s := range p.steps {
		if s.all {
			return true
		}
	}
	return false
}

// ParsePath parses a path such as status.phase, spec.containers[*].name or
// metadata.labels["app.kubernetes.io/name"]: keys separated by dots, [*]
// for every element of an array, and ["..."] (a JSON string) for a key that
// holds dots or brackets.
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
		case strings.HasPrefix(text[i:], `["`):
			end := closingQuote(text, i+2)
			if end < 0 || end+1 >= len(text) || text[end+1] != ']' {
				return fail(`a ["key"] is not closed`)
			}
			key, err := strconv.Unquote(text[i+1 : end+1])
			if err != nil {
				return fail(`a ["key"] is not a valid string`)
			}
			p.steps = append(p.steps, step{key: key})
			i = end + 2
		case text[i] == '[':
			return fail("only [*] and [\"key\"] may follow a key in brackets")
		case text[i] == '.':
			if i == 0 || i+1 >= len(text) || text[i+1] == '.' || text[i+1] == '[' {
				return fail("a dot must sit between two keys")
			}
			i++
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
type Value struct {
	Kind ValueKind
	Str  string
	Num  float64
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
// every member no path names. It is immutable and safe for concurrent use.
type Extractor struct {
	root   *pathNode
	paths  int
	labels bool
}

// pathNode is one step of the compiled trie. ends lists the indexes of the
// paths that end here; keys and all lead further.
type pathNode struct {
	ends   []int
	keys   map[string]*pathNode
	all    *pathNode
	labels bool // metadata.labels: every string member is a label
}

// NewExtractor compiles paths into one trie. With labels, Extract also
// returns metadata.labels.
func NewExtractor(paths []Path, labels bool) *Extractor {
	x := &Extractor{root: &pathNode{}, paths: len(paths), labels: labels}
	for i, p := range paths {
		n := x.root
		for _, s := range p.steps {
			n = n.child(s)
		}
		n.ends = append(n.ends, i)
	}
	if labels {
		x.root.child(step{key: "metadata"}).child(step{key: "labels"}).labels = true
	}
	return x
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
// i in document order (one at most for a path without [*]), Labels the
// object's labels (nil when it has none or none were asked for). A caller
// may reuse one Extracted across objects; the strings it holds are copies
// and stay valid.
type Extracted struct {
	Values [][]Value
	Labels map[string]string
}

// Extract fills out from the object raw (a JSON object, as Item.Raw holds).
// A duplicated key yields the values of each occurrence.
func (x *Extractor) Extract(raw []byte, out *Extracted) error {
	if cap(out.Values) < x.paths {
		out.Values = make([][]Value, x.paths)
	}
	out.Values = out.Values[:x.paths]
	for i := range out.Values {
		out.Values[i] = out.Values[i][:0]
	}
	out.Labels = nil
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

// walk reads one value at depth d for trie node n.
func (s *scanner) walk(d int, n *pathNode, out *Extracted) error {
	if len(n.ends) == 0 && n.keys == nil && n.all == nil && !n.labels {
		_, err := s.value(d)
		return err
	}
	c := s.peek()
	switch {
	case c == '{' && (n.keys != nil || n.labels):
		if err := s.walkObject(d, n, out); err != nil {
			return err
		}
		n.record(Value{Kind: Object}, out)
		return nil
	case c == '[' && n.all != nil:
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
			if err := s.walk(d+1, n.all, out); err != nil {
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
		next := n.keys[string(key)]
		switch {
		case n.labels && s.peek() == '"':
			var v val
			if v, err = s.str(); err == nil {
				if out.Labels == nil {
					out.Labels = map[string]string{}
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
		out.Values[i] = append(out.Values[i], v)
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
