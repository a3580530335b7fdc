package view

import (
	"cmp"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/kubelive/kubelive/internal/wire"
)

// expr is one expression: alternatives separated by "??", the first that
// yields a value (not absent, not null) wins. Each alternative is a path, a
// literal ("text" or a number), a template ("{kind}/{name}", absent when
// one of its parts is) or each(path, expr) (expr evaluated on every value
// at path), optionally followed by "|reducer". The grammar:
//
//	expr     = alt { "??" alt }
//	alt      = term [ "|" reducer ]
//	term     = path | number | string | "each(" path "," expr ")"
//	reducer  = "first" | "sum" | "count" | "join" [ "(" string ")" ] | "lower"
//
// A string holding a brace is a template: each {expr} in it is replaced by the
// text of that expression ("{{" and "}}" stand for braces).
type expr struct {
	text string
	alts []alt
}

type alt struct {
	path   int // index into compiled.paths; -1 when the term is not a path
	reduce reducer
	sep    string      // join's separator
	lit    *wire.Value // a literal
	tmpl   []piece     // a template
	each   *each
}

// piece is one part of a template: literal text, or an expression.
type piece struct {
	text string
	e    *expr
}

// each evaluates inner on every value its path (compiled.paths[path], in
// Raw form) yields, each value being an object read by its own Extractor.
type each struct {
	path  int
	inner expr
	x     *wire.Extractor
}

type reducer byte

const (
	reduceNone  reducer = iota
	reduceFirst         // the first value that is not null
	reduceSum           // the sum of the numbers
	reduceCount         // how many values are truthy (not false, null, 0, "")
	reduceJoin          // the values' text, joined by "," or the given separator
	reduceLower         // the text of the first value, in lower case
)

var reducers = map[string]reducer{"first": reduceFirst, "sum": reduceSum, "count": reduceCount, "join": reduceJoin, "lower": reduceLower}

// parseExpr parses text, appending its paths to paths.
func parseExpr(text string, paths *[]wire.Path) (expr, error) {
	p := exprParser{s: text, paths: paths}
	e, err := p.expr()
	if err != nil {
		return expr{}, err
	}
	if p.ws(); p.i < len(p.s) {
		return expr{}, fmt.Errorf("%q: unexpected %q at offset %d", text, p.s[p.i:], p.i)
	}
	return e, nil
}

// exprParser reads one expression from s; paths receives the paths met.
type exprParser struct {
	s     string
	i     int
	paths *[]wire.Path
}

func (p *exprParser) ws() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n') {
		p.i++
	}
}

func (p *exprParser) expr() (expr, error) {
	start := p.i
	var e expr
	for {
		a, err := p.alt()
		if err != nil {
			return expr{}, err
		}
		e.alts = append(e.alts, a)
		if p.ws(); !strings.HasPrefix(p.s[p.i:], "??") {
			break
		}
		p.i += 2
	}
	e.text = strings.TrimSpace(p.s[start:p.i])
	return e, nil
}

func (p *exprParser) alt() (alt, error) {
	p.ws()
	start := p.i
	a, err := p.term()
	if err != nil {
		return alt{}, err
	}
	many := a.each != nil || (a.path >= 0 && (*p.paths)[a.path].Many())
	if p.ws(); p.i < len(p.s) && p.s[p.i] == '|' {
		p.i++
		p.ws()
		n := p.i
		for n < len(p.s) && 'a' <= p.s[n] && p.s[n] <= 'z' {
			n++
		}
		name := p.s[p.i:n]
		r, ok := reducers[name]
		if !ok {
			return alt{}, fmt.Errorf("%q: unknown reducer %q (sum, count, join, first, lower)", strings.TrimSpace(p.s[start:]), name)
		}
		p.i, a.reduce, a.sep = n, r, ","
		if r == reduceJoin && strings.HasPrefix(p.s[p.i:], "(") {
			p.i++
			if a.sep, err = p.str(); err != nil {
				return alt{}, fmt.Errorf("join(...) takes a JSON string, the separator: %w", err)
			}
			if !strings.HasPrefix(p.s[p.i:], ")") {
				return alt{}, errors.New(`join(...) takes one JSON string, the separator: join(", ")`)
			}
			p.i++
		}
		if p.ws(); p.i < len(p.s) && p.s[p.i] == '|' {
			return alt{}, fmt.Errorf("%q has more than one reducer", strings.TrimSpace(p.s[start:]))
		}
	} else if many {
		return alt{}, fmt.Errorf("%q yields several values: give a reducer (|sum, |count, |join or |first)", strings.TrimSpace(p.s[start:p.i]))
	}
	return a, nil
}

func (p *exprParser) term() (alt, error) {
	a := alt{path: -1}
	switch {
	case p.i >= len(p.s):
		return alt{}, errors.New("the expression is empty")
	case p.s[p.i] == '"':
		text, err := p.str()
		if err != nil {
			return alt{}, err
		}
		if !strings.ContainsAny(text, "{}") {
			a.lit = &wire.Value{Kind: wire.String, Str: text}
			return a, nil
		}
		if a.tmpl, err = parseTemplate(text, p.paths); err != nil {
			return alt{}, err
		}
		return a, nil
	case p.s[p.i] == '-' || isDigit(p.s[p.i]):
		n := p.i + 1
		for n < len(p.s) && strings.IndexByte("0123456789.eE+-", p.s[n]) >= 0 {
			n++
		}
		f, err := strconv.ParseFloat(p.s[p.i:n], 64)
		if err != nil {
			return alt{}, fmt.Errorf("%q is not a number", p.s[p.i:n])
		}
		p.i = n
		a.lit = &wire.Value{Kind: wire.Number, Num: f}
		return a, nil
	case strings.HasPrefix(p.s[p.i:], "each("):
		p.i += len("each(")
		p.ws()
		path, err := p.path()
		if err != nil {
			return alt{}, err
		}
		if p.ws(); !strings.HasPrefix(p.s[p.i:], ",") {
			return alt{}, errors.New("each(path, expr) needs a comma after the path")
		}
		p.i++
		var inner []wire.Path
		sub := exprParser{s: p.s, i: p.i, paths: &inner}
		e, err := sub.expr()
		if err != nil {
			return alt{}, fmt.Errorf("in each(): %w", err)
		}
		if p.i = sub.i; !strings.HasPrefix(p.s[p.i:], ")") {
			return alt{}, errors.New("each(path, expr) is not closed by a )")
		}
		p.i++
		*p.paths = append(*p.paths, path.Raw())
		a.each = &each{path: len(*p.paths) - 1, inner: e, x: wire.NewExtractor(inner, false)}
		return a, nil
	}
	path, err := p.path()
	if err != nil {
		return alt{}, err
	}
	*p.paths = append(*p.paths, path)
	a.path = len(*p.paths) - 1
	return a, nil
}

// path reads a path: up to a space, "|", "??", "," or an unmatched ")",
// outside brackets and strings.
func (p *exprParser) path() (wire.Path, error) {
	start, depth := p.i, 0
loop:
	for ; p.i < len(p.s); p.i++ {
		switch c := p.s[p.i]; {
		case c == '"':
			q, err := strconv.QuotedPrefix(p.s[p.i:])
			if err != nil {
				break loop
			}
			p.i += len(q) - 1
		case c == '[' || c == '(':
			depth++
		case c == ']' || c == ')':
			if depth == 0 {
				break loop
			}
			depth--
		case depth > 0:
		case c == ' ' || c == '\t' || c == '\n' || c == '|' || c == ',' || strings.HasPrefix(p.s[p.i:], "??"):
			break loop
		}
	}
	return wire.ParsePath(p.s[start:p.i])
}

// str reads a JSON string.
func (p *exprParser) str() (string, error) {
	q, err := strconv.QuotedPrefix(p.s[p.i:])
	if err != nil || q[0] != '"' {
		return "", fmt.Errorf("%q: a string is not closed or not a valid JSON string", p.s[p.i:])
	}
	text, _ := strconv.Unquote(q) // a quoted prefix unquotes
	p.i += len(q)
	return text, nil
}

// parseTemplate splits a template's text into literal text and {expr} parts.
func parseTemplate(text string, paths *[]wire.Path) ([]piece, error) {
	var out []piece
	var lit strings.Builder
	for i := 0; i < len(text); i++ {
		switch {
		case strings.HasPrefix(text[i:], "{{") || strings.HasPrefix(text[i:], "}}"):
			lit.WriteByte(text[i])
			i++
		case text[i] == '}':
			return nil, fmt.Errorf("template %q: a } without its {", text)
		case text[i] == '{':
			end := strings.IndexByte(text[i:], '}')
			if end < 0 {
				return nil, fmt.Errorf("template %q: a { is not closed", text)
			}
			e, err := parseExpr(text[i+1:i+end], paths)
			if err != nil {
				return nil, fmt.Errorf("template %q: %w", text, err)
			}
			if lit.Len() > 0 {
				out = append(out, piece{text: lit.String()})
				lit.Reset()
			}
			out = append(out, piece{e: &e})
			i += end
		default:
			lit.WriteByte(text[i])
		}
	}
	if lit.Len() > 0 {
		out = append(out, piece{text: lit.String()})
	}
	return out, nil
}

// eval computes e from the values extracted from one object.
func (e *expr) eval(x *wire.Extracted) wire.Value {
	var v wire.Value
	for i := range e.alts {
		v = e.alts[i].eval(x)
		if !missing(v) {
			return v
		}
	}
	return v
}

func (a *alt) eval(x *wire.Extracted) wire.Value {
	switch {
	case a.lit != nil:
		return a.reduce.apply([]wire.Value{*a.lit}, a.sep)
	case a.tmpl != nil:
		var b strings.Builder
		for _, p := range a.tmpl {
			if p.e == nil {
				b.WriteString(p.text)
				continue
			}
			v := p.e.eval(x)
			if missing(v) {
				return wire.Value{}
			}
			b.WriteString(v.Text())
		}
		return a.reduce.apply([]wire.Value{{Kind: wire.String, Str: b.String()}}, a.sep)
	case a.each != nil:
		var vals []wire.Value
		var inner wire.Extracted
		for _, raw := range x.Values[a.each.path] {
			if raw.Kind != wire.Object || a.each.x.Extract([]byte(raw.Str), &inner) != nil {
				continue
			}
			if v := a.each.inner.eval(&inner); !missing(v) {
				vals = append(vals, v)
			}
		}
		return a.reduce.apply(vals, a.sep)
	}
	return a.reduce.apply(x.Values[a.path], a.sep)
}

func (r reducer) apply(vals []wire.Value, sep string) wire.Value {
	switch r {
	case reduceFirst:
		for _, v := range vals {
			if v.Kind != wire.Null {
				return v
			}
		}
		return wire.Value{}
	case reduceSum:
		sum := 0.0
		for _, v := range vals {
			if v.Kind == wire.Number {
				sum += v.Num
			}
		}
		return wire.Value{Kind: wire.Number, Num: sum}
	case reduceCount:
		n := 0
		for _, v := range vals {
			if v.Truthy() {
				n++
			}
		}
		return wire.Value{Kind: wire.Number, Num: float64(n)}
	case reduceJoin:
		var b strings.Builder
		for _, v := range vals {
			if t := v.Text(); t != "" {
				if b.Len() > 0 {
					b.WriteString(sep)
				}
				b.WriteString(t)
			}
		}
		return wire.Value{Kind: wire.String, Str: b.String()}
	case reduceLower:
		for _, v := range vals {
			if !missing(v) {
				return wire.Value{Kind: wire.String, Str: strings.ToLower(v.Text())}
			}
		}
		return wire.Value{}
	}
	if len(vals) == 0 {
		return wire.Value{}
	}
	return vals[len(vals)-1] // a duplicated key: the last wins, as in encoding/json
}

// kindRank orders values of different kinds: numbers, strings, bools,
// objects, arrays; null and absent are "missing".
var kindRank = [...]int{wire.Number: 0, wire.String: 1, wire.Bool: 2, wire.Object: 3, wire.Array: 4, wire.Null: 5, wire.Absent: 5}

func missing(v wire.Value) bool { return v.Kind == wire.Absent || v.Kind == wire.Null }

// compareValues orders two present values.
func compareValues(a, b wire.Value) int {
	if c := cmp.Compare(kindRank[a.Kind], kindRank[b.Kind]); c != 0 {
		return c
	}
	switch a.Kind {
	case wire.Number:
		return cmp.Compare(a.Num, b.Num)
	case wire.String:
		return natural(a.Str, b.Str)
	case wire.Bool:
		switch {
		case a.Bool == b.Bool:
			return 0
		case b.Bool:
			return -1
		}
		return 1
	}
	return 0
}

// natural orders text as people read it: runs of digits by their value
// (pod-9 before pod-10), letters without regard to ASCII case; texts equal
// that way fall back to plain byte order, so the order is total.
func natural(a, b string) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		ca, cb := a[i], b[j]
		if isDigit(ca) && isDigit(cb) {
			si, sj := i, j
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			for j < len(b) && isDigit(b[j]) {
				j++
			}
			na, nb := strings.TrimLeft(a[si:i], "0"), strings.TrimLeft(b[sj:j], "0")
			if c := cmp.Or(cmp.Compare(len(na), len(nb)), strings.Compare(na, nb)); c != 0 {
				return c
			}
			continue
		}
		if c := cmp.Compare(lower(ca), lower(cb)); c != 0 {
			return c
		}
		i, j = i+1, j+1
	}
	return cmp.Or(cmp.Compare(len(a)-i, len(b)-j), strings.Compare(a, b))
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
