package wire

import (
	"fmt"
	"strconv"
	"strings"
)

// Node is one JSON value read whole by Parse: what a small document (a
// query, a Status, a handoff) decodes to where a reflection-based decoder
// would be too large for the wasm module. Invariants: Raw is the value's
// text in the input (a subslice, valid as long as the input is); Str is set
// for a String (decoded as encoding/json decodes it); Elems for an Array;
// Members for an Object, in document order, duplicates kept. A Node of
// Kind Absent is what a lookup of a missing member returns.
type Node struct {
	Kind    ValueKind
	Str     string
	Raw     []byte
	Elems   []Node
	Members []Member
}

// Member is one member of an object Node.
type Member struct {
	Key   string
	Value Node
}

// Parse reads b, one JSON value followed by whitespace only, accepting
// exactly what json.Valid accepts. Its error, wrapping ErrSyntax, names an
// offset and never the content.
func Parse(b []byte) (Node, error) {
	s := scanner{b: b}
	n, err := s.node(1)
	if err == nil {
		err = s.end()
	}
	if err != nil {
		s.err.What, s.err.Len = "value", len(b)
		return Node{}, s.err
	}
	return n, nil
}

// node reads one value at depth d into a Node.
func (s *scanner) node(d int) (Node, error) {
	start := s.i
	switch s.peek() {
	case '"':
		v, err := s.strDecode()
		if err != nil {
			return Node{}, err
		}
		return Node{Kind: String, Str: string(v), Raw: s.b[start:s.i]}, nil
	case '{':
		start = s.i
		if err := s.open(d); err != nil {
			return Node{}, err
		}
		n := Node{Kind: Object, Members: []Member{}}
		for i := 0; ; i++ {
			k, done, err := s.objectNext(i)
			if err != nil {
				return Node{}, err
			}
			if done {
				break
			}
			v, err := s.node(d + 1)
			if err != nil {
				return Node{}, err
			}
			n.Members = append(n.Members, Member{Key: string(s.key(k)), Value: v})
		}
		n.Raw = s.b[start:s.i]
		return n, nil
	case '[':
		start = s.i
		if err := s.open(d); err != nil {
			return Node{}, err
		}
		n := Node{Kind: Array, Elems: []Node{}}
		for i := 0; ; i++ {
			done, err := s.arrayNext(i)
			if err != nil {
				return Node{}, err
			}
			if done {
				break
			}
			v, err := s.node(d + 1)
			if err != nil {
				return Node{}, err
			}
			n.Elems = append(n.Elems, v)
		}
		n.Raw = s.b[start:s.i]
		return n, nil
	}
	v, err := s.value(d)
	if err != nil {
		return Node{}, err
	}
	k := Number
	switch v.kind {
	case kNull:
		k = Null
	case kBool:
		k = Bool
	}
	return Node{Kind: k, Raw: s.b[v.start:v.end]}, nil
}

// Get returns the last member of an object named key, exactly (as a
// map[string]T decode keeps the last duplicate), or an Absent Node.
func (n Node) Get(key string) Node {
	for i := len(n.Members) - 1; i >= 0; i-- {
		if n.Members[i].Key == key {
			return n.Members[i].Value
		}
	}
	return Node{}
}

// Field returns the member that a struct field called name is decoded from
// by encoding/json: the last whose key equals name ignoring case, or an
// Absent Node.
func (n Node) Field(name string) Node {
	for i := len(n.Members) - 1; i >= 0; i-- {
		if strings.EqualFold(n.Members[i].Key, name) {
			return n.Members[i].Value
		}
	}
	return Node{}
}

// Missing reports whether n is absent or null: what a decode into a Go
// value leaves at its zero value.
func (n Node) Missing() bool { return n.Kind == Absent || n.Kind == Null }

// TypeError is a value of the wrong JSON type: the sentence names the place
// (a path such as "window.offset"), what it is and what it must be.
type TypeError struct {
	Path string
	Got  ValueKind
	Want string // "a string", "a number", ...
}

func (e *TypeError) Error() string {
	return fmt.Sprintf("%s is %s, not %s", e.Path, e.Got.article(), e.Want)
}

// article is the kind with its article, as a sentence names it.
func (k ValueKind) article() string {
	switch k {
	case Null:
		return "null"
	case Bool:
		return "a boolean"
	case Number:
		return "a number"
	case String:
		return "a string"
	case Object:
		return "an object"
	case Array:
		return "an array"
	}
	return "absent"
}

// Text returns a string's contents, "" for an absent or null value, and a
// TypeError naming path for any other value (a decode into a Go string).
func (n Node) Text(path string) (string, error) {
	switch n.Kind {
	case String:
		return n.Str, nil
	case Absent, Null:
		return "", nil
	}
	return "", &TypeError{Path: path, Got: n.Kind, Want: "a string"}
}

// Flag returns a boolean, false for an absent or null value, and a
// TypeError naming path for any other value.
func (n Node) Flag(path string) (bool, error) {
	switch n.Kind {
	case Bool:
		return n.Raw[0] == 't', nil
	case Absent, Null:
		return false, nil
	}
	return false, &TypeError{Path: path, Got: n.Kind, Want: "a boolean"}
}

// Float returns a number as a float64 (0 for an absent or null value); a
// TypeError naming path for a value that is no number, or a number out of
// a float64's range.
func (n Node) Float(path string) (float64, error) {
	switch n.Kind {
	case Number:
		f, err := strconv.ParseFloat(string(n.Raw), 64)
		if err != nil {
			return 0, &TypeError{Path: path, Got: Number, Want: "a number a float64 holds"}
		}
		return f, nil
	case Absent, Null:
		return 0, nil
	}
	return 0, &TypeError{Path: path, Got: n.Kind, Want: "a number"}
}

// Int returns a number as an int (0 for an absent or null value); a
// TypeError naming path for a value that is no integer an int holds.
func (n Node) Int(path string) (int, error) {
	switch n.Kind {
	case Number:
		i, err := strconv.ParseInt(string(n.Raw), 10, strconv.IntSize)
		if err != nil {
			return 0, &TypeError{Path: path, Got: Number, Want: "an integer an int holds"}
		}
		return int(i), nil
	case Absent, Null:
		return 0, nil
	}
	return 0, &TypeError{Path: path, Got: n.Kind, Want: "an integer"}
}

// Texts returns an array of strings (nil for an absent or null value), or
// a TypeError naming path (or path[i]) for any other value.
func (n Node) Texts(path string) ([]string, error) {
	switch n.Kind {
	case Absent, Null:
		return nil, nil
	case Array:
	default:
		return nil, &TypeError{Path: path, Got: n.Kind, Want: "an array of strings"}
	}
	out := make([]string, len(n.Elems))
	for i, e := range n.Elems {
		t, err := e.Text(path + "[" + strconv.Itoa(i) + "]")
		if err != nil {
			return nil, err
		}
		out[i] = t
	}
	return out, nil
}

// CheckKind returns a TypeError naming path unless n is absent, null or of
// kind k (want names k in the sentence).
func (n Node) CheckKind(path string, k ValueKind, want string) error {
	if n.Missing() || n.Kind == k {
		return nil
	}
	return &TypeError{Path: path, Got: n.Kind, Want: want}
}

// Any returns n as encoding/json decodes into an any: nil, bool, float64,
// string, []any and map[string]any (the last duplicate kept); a number out
// of a float64's range is a TypeError.
func (n Node) Any() (any, error) {
	switch n.Kind {
	case Null, Absent:
		return nil, nil
	case Bool:
		return n.Raw[0] == 't', nil
	case Number:
		return n.Float("value")
	case String:
		return n.Str, nil
	case Array:
		out := make([]any, len(n.Elems))
		for i, e := range n.Elems {
			v, err := e.Any()
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	out := make(map[string]any, len(n.Members))
	for _, m := range n.Members {
		v, err := m.Value.Any()
		if err != nil {
			return nil, err
		}
		out[m.Key] = v
	}
	return out, nil
}
