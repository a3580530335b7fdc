package view

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// selector is a Kubernetes label selector (app=web,tier!=db,env in (a,b),
// !legacy, replicas>2), parsed and matched as k8s.io/apimachinery's
// labels.Parse and Selector.Matches do: the same grammar, the same key and
// value checks, the same quirks (in () holds the empty value). It is ours
// rather than that package because the package brings klog, regexp and net
// into the wasm module (+360 KB gzipped); selector_test.go checks the two
// agree on every input it is given. The zero value selects everything.
type selector struct {
	reqs []requirement
}

type operator byte

const (
	opIn    operator = iota // also = and ==
	opNotIn                 // also !=
	opExists
	opNotExists
	opGreater
	opLess
)

// requirement is one comma-separated part. Invariant: values are sorted and
// unique; for opGreater and opLess, num is values[0] as an integer.
type requirement struct {
	key    string
	op     operator
	values []string
	num    int64
}

// empty reports whether s selects everything.
func (s selector) empty() bool { return len(s.reqs) == 0 }

// matches reports whether labels satisfy every requirement.
func (s selector) matches(labels labelSet) bool {
	for _, r := range s.reqs {
		if !r.matches(labels) {
			return false
		}
	}
	return true
}

func (r requirement) matches(labels labelSet) bool {
	v, ok := labels.get(r.key)
	switch r.op {
	case opIn:
		return ok && slices.Contains(r.values, v)
	case opNotIn:
		return !ok || !slices.Contains(r.values, v)
	case opExists:
		return ok
	case opNotExists:
		return !ok
	}
	if !ok {
		return false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return false
	}
	return r.op == opGreater && n > r.num || r.op == opLess && n < r.num
}

// token kinds of the selector lexer.
type tokKind byte

const (
	tEnd tokKind = iota
	tIdent
	tIn
	tNotIn
	tComma
	tOpen
	tClose
	tNot  // !
	tEq   // =
	tEqEq // ==
	tNe   // !=
	tGt   // >
	tLt   // <
)

type token struct {
	kind tokKind
	text string
}

var symbols = map[string]tokKind{",": tComma, "(": tOpen, ")": tClose, "!": tNot, "=": tEq, "==": tEqEq, "!=": tNe, ">": tGt, "<": tLt}

func special(c byte) bool { return strings.IndexByte("=!(),><", c) >= 0 }
func space(c byte) bool   { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// lex splits s into tokens: runs of special characters make the longest
// symbols they can, any other run is an identifier (or in, notin). As in
// labels.Parse's lexer, a NUL byte where a token would start ends the
// input, and one right after a token is skipped.
func lex(s string) []token {
	var out []token
	skipNUL := func(i int) int {
		if i < len(s) && s[i] == 0 {
			return i + 1
		}
		return i
	}
	for i := 0; ; {
		for i < len(s) && space(s[i]) {
			i++
		}
		if i >= len(s) || s[i] == 0 {
			return append(out, token{kind: tEnd})
		}
		start := i
		if special(s[i]) {
			kind := tEnd
			end := i
			for j := i + 1; j <= len(s) && special(s[j-1]); j++ {
				k, ok := symbols[s[i:j]]
				if !ok {
					break
				}
				kind, end = k, j
			}
			out = append(out, token{kind: kind, text: s[start:end]})
			i = skipNUL(end)
			continue
		}
		for i < len(s) && !special(s[i]) && !space(s[i]) && s[i] != 0 {
			i++
		}
		kind := tIdent
		switch s[start:i] {
		case "in":
			kind = tIn
		case "notin":
			kind = tNotIn
		}
		out = append(out, token{kind: kind, text: s[start:i]})
		i = skipNUL(i)
	}
}

// parseSelector parses s; "" selects everything.
func parseSelector(s string) (selector, error) {
	p := selParser{toks: lex(s)}
	var sel selector
	for {
		switch p.peek().kind {
		case tEnd:
			return sel, nil
		case tIdent, tIn, tNotIn, tNot:
			r, err := p.requirement()
			if err != nil {
				return selector{}, err
			}
			sel.reqs = append(sel.reqs, r)
			switch t := p.next(); t.kind {
			case tEnd:
				return sel, nil
			case tComma:
				if k := p.peek().kind; k != tIdent && k != tIn && k != tNotIn && k != tNot {
					return selector{}, fmt.Errorf("found %q, expected a key after ','", p.peek().text)
				}
			default:
				return selector{}, fmt.Errorf("found %q, expected ',' or the end", t.text)
			}
		default:
			return selector{}, fmt.Errorf("found %q, expected '!', a key or the end", p.peek().text)
		}
	}
}

type selParser struct {
	toks []token
	i    int
}

func (p *selParser) peek() token { return p.toks[p.i] }

func (p *selParser) next() token {
	t := p.toks[p.i]
	if t.kind != tEnd {
		p.i++
	}
	return t
}

// ident reports whether t is an identifier where values are read (in and
// notin are plain words there).
func ident(t token) bool { return t.kind == tIdent || t.kind == tIn || t.kind == tNotIn }

func (p *selParser) requirement() (requirement, error) {
	r := requirement{}
	t := p.next()
	not := t.kind == tNot
	if not {
		t = p.next()
	}
	if !ident(t) {
		return r, fmt.Errorf("found %q, expected a key", t.text)
	}
	if err := checkKey(t.text); err != nil {
		return r, err
	}
	r.key = t.text
	if k := p.peek().kind; k == tEnd || k == tComma {
		r.op = opExists
		if not {
			r.op = opNotExists
		}
		return r, nil
	}
	if not {
		// labels.Parse reads the operator after !key, then refuses the pair.
		if _, err := p.operator(); err != nil {
			return r, err
		}
		return r, errors.New("'!' takes a key alone")
	}
	op, err := p.operator()
	if err != nil {
		return r, err
	}
	var values []string
	switch op {
	case tIn, tNotIn:
		values, err = p.set()
	default:
		values, err = p.exact()
	}
	if err != nil {
		return r, err
	}
	slices.Sort(values)
	r.values = slices.Compact(values)
	switch op {
	case tIn, tEq, tEqEq:
		r.op = opIn
	case tNotIn, tNe:
		r.op = opNotIn
	case tGt, tLt:
		r.op = opGreater
		if op == tLt {
			r.op = opLess
		}
		n, err := strconv.ParseInt(r.values[0], 10, 64)
		if err != nil {
			return r, fmt.Errorf("%q: '>' and '<' need an integer", r.values[0])
		}
		r.num = n
	}
	for _, v := range r.values {
		if err := checkValue(v); err != nil {
			return r, err
		}
	}
	return r, nil
}

func (p *selParser) operator() (tokKind, error) {
	t := p.next()
	switch t.kind {
	case tIn, tNotIn, tEq, tEqEq, tNe, tGt, tLt:
		return t.kind, nil
	}
	return 0, fmt.Errorf("found %q, expected an operator (=, ==, !=, in, notin, >, <)", t.text)
}

// set reads (a,b,...); empty items are the empty value, "()" holds it.
func (p *selParser) set() ([]string, error) {
	if t := p.next(); t.kind != tOpen {
		return nil, fmt.Errorf("found %q, expected '('", t.text)
	}
	switch t := p.peek(); {
	case t.kind == tClose:
		p.next()
		return []string{""}, nil
	case !ident(t) && t.kind != tComma:
		return nil, fmt.Errorf("found %q, expected ',', ')' or a value", t.text)
	}
	var out []string
	for {
		t := p.next()
		switch {
		case ident(t):
			out = append(out, t.text)
			switch n := p.next(); n.kind {
			case tComma:
				if p.peek().kind == tClose {
					p.next()
					return append(out, ""), nil
				}
				continue
			case tClose:
				return out, nil
			default:
				return nil, fmt.Errorf("found %q, expected ',' or ')'", n.text)
			}
		case t.kind == tComma:
			out = append(out, "")
			if p.peek().kind == tClose {
				p.next()
				return out, nil
			}
		default:
			return nil, fmt.Errorf("found %q, expected ',' or a value", t.text)
		}
	}
}

// exact reads the one value of =, ==, !=, > or < (none: the empty value).
func (p *selParser) exact() ([]string, error) {
	if k := p.peek().kind; k == tEnd || k == tComma {
		return []string{""}, nil
	}
	t := p.next()
	if !ident(t) {
		return nil, fmt.Errorf("found %q, expected a value", t.text)
	}
	return []string{t.text}, nil
}

// checkKey: an optional DNS subdomain prefix and '/', then a name of 1 to
// 63 characters, alphanumeric at both ends, '-', '_' or '.' inside.
func checkKey(k string) error {
	prefix, name, slash := strings.Cut(k, "/")
	if !slash {
		prefix, name = "", k
	}
	switch {
	case strings.Contains(name, "/"):
		return fmt.Errorf("%q is not a label key: one '/' at most", k)
	case slash && !dnsSubdomain(prefix):
		return fmt.Errorf("%q is not a label key: its prefix must be a DNS subdomain (example.com)", k)
	case name == "" || len(name) > 63 || !labelName(name):
		return fmt.Errorf("%q is not a label key: the name must be 1-63 letters, digits, '-', '_' or '.', a letter or digit at each end", k)
	}
	return nil
}

// checkValue: empty, or what a key's name may be.
func checkValue(v string) error {
	if v != "" && (len(v) > 63 || !labelName(v)) {
		return fmt.Errorf("%q is not a label value: up to 63 letters, digits, '-', '_' or '.', a letter or digit at each end", v)
	}
	return nil
}

func alnum(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' }

func labelName(s string) bool {
	if s == "" || !alnum(s[0]) || !alnum(s[len(s)-1]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !alnum(c) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

// dnsSubdomain: at most 253 characters, dot-separated labels of lowercase
// letters, digits and '-', a letter or digit at each end.
func dnsSubdomain(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, l := range strings.Split(s, ".") {
		if l == "" || !lowerAlnum(l[0]) || !lowerAlnum(l[len(l)-1]) {
			return false
		}
		for i := 0; i < len(l); i++ {
			if c := l[i]; !lowerAlnum(c) && c != '-' {
				return false
			}
		}
	}
	return true
}

func lowerAlnum(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }
