package view

import (
	"cmp"
	"errors"
	"fmt"
	"strings"

	"github.com/kubelive/kubelive/internal/wire"
)

// expr is one expression: alternatives separated by "??", the first that
// yields a value (not absent, not null) wins. Each alternative is a path,
// optionally followed by "|reducer".
type expr struct {
	text string
	alts []alt
}

type alt struct {
	path   int // index into compiled.paths
	reduce reducer
}

type reducer byte

const (
	reduceNone  reducer = iota
	reduceFirst         // the first value that is not null
	reduceSum           // the sum of the numbers
	reduceCount         // how many values are truthy (not false, null, 0, "")
	reduceJoin          // the values' text, joined by ","
)

var reducers = map[string]reducer{"first": reduceFirst, "sum": reduceSum, "count": reduceCount, "join": reduceJoin}

// parseExpr parses text, appending its paths to paths.
func parseExpr(text string, paths *[]wire.Path) (expr, error) {
	e := expr{text: text}
	for _, part := range splitOutside(text, "??") {
		part = strings.TrimSpace(part)
		red := reduceNone
		if bar := splitOutside(part, "|"); len(bar) > 1 {
			if len(bar) > 2 {
				return expr{}, fmt.Errorf("%q has more than one reducer", part)
			}
			name := strings.TrimSpace(bar[1])
			r, ok := reducers[name]
			if !ok {
				return expr{}, fmt.Errorf("%q: unknown reducer %q (sum, count, join, first)", part, name)
			}
			part, red = strings.TrimSpace(bar[0]), r
		}
		p, err := wire.ParsePath(part)
		if err != nil {
			return expr{}, err
		}
		if p.Many() && red == reduceNone {
			return expr{}, fmt.Errorf("path %q has [*]: give a reducer (|sum, |count, |join or |first)", part)
		}
		*paths = append(*paths, p)
		e.alts = append(e.alts, alt{path: len(*paths) - 1, reduce: red})
	}
	if len(e.alts) == 0 {
		return expr{}, errors.New("the expression is empty")
	}
	return e, nil
}

// splitOutside splits s at sep, except inside a quoted ["key"].
func splitOutside(s, sep string) []string {
	var out []string
	start, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch {
		case quoted && s[i] == '\\':
			i++
		case s[i] == '"':
			quoted = !quoted
		case !quoted && strings.HasPrefix(s[i:], sep):
			out = append(out, s[start:i])
			i += len(sep) - 1
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// eval computes e from the values extracted from one object.
func (e *expr) eval(x *wire.Extracted) wire.Value {
	var v wire.Value
	for _, a := range e.alts {
		v = a.reduce.apply(x.Values[a.path])
		if v.Kind != wire.Absent && v.Kind != wire.Null {
			return v
		}
	}
	return v
}

func (r reducer) apply(vals []wire.Value) wire.Value {
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
					b.WriteByte(',')
				}
				b.WriteString(t)
			}
		}
		return wire.Value{Kind: wire.String, Str: b.String()}
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
