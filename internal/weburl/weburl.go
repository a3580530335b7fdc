// Package weburl escapes URL paths and query strings exactly as net/url does
// and reads a backend's base URL, for the code compiled to WebAssembly:
// net/url brings its host parser, net/netip and unique into the module (about
// 70 KB of code), and the client needs only these few functions of it.
//
// Invariants: PathEscape, QueryEscape, PathUnescape, QueryUnescape,
// ParseQuery and Values.Encode return what their net/url namesakes return
// for every input (the tests compare them on fuzzed input); Base accepts a
// subset of what url.Parse accepts and, for what it accepts, gives
// url.Parse's scheme and re-serialised form.
package weburl

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Values maps a query parameter's name to its values, like url.Values.
type Values map[string][]string

// Add appends value to name's values.
func (v Values) Add(name, value string) { v[name] = append(v[name], value) }

// Set makes value name's only value.
func (v Values) Set(name, value string) { v[name] = []string{value} }

// Encode returns the values as "a=1&b=2&b=3", sorted by name, each name's
// values in their order, every part query-escaped; "" for none.
func (v Values) Encode() string {
	if len(v) == 0 {
		return ""
	}
	names := make([]string, 0, len(v))
	for k := range v {
		names = append(names, k)
	}
	slices.Sort(names)
	var b strings.Builder
	for _, k := range names {
		ek := QueryEscape(k)
		for _, val := range v[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(ek)
			b.WriteByte('=')
			b.WriteString(QueryEscape(val))
		}
	}
	return b.String()
}

// ErrSemicolon is ParseQuery's error for a parameter holding a ';', which
// net/url no longer takes for a separator.
var ErrSemicolon = errors.New("invalid semicolon separator in query")

// EscapeError is a malformed %-escape: the text from its '%', at most three
// bytes.
type EscapeError string

func (e EscapeError) Error() string { return fmt.Sprintf("invalid URL escape %q", string(e)) }

// MaxParams is the most parameters ParseQuery reads, net/url's default.
const MaxParams = 10000

// ErrTooManyParams is ParseQuery's error for a query of more than MaxParams
// parameters.
var ErrTooManyParams = errors.New("number of URL query parameters exceeded limit")

// ParseQuery reads "a=1&b=2" into Values. Like url.ParseQuery it keeps every
// parameter it can read, skipping those with an error, and returns an error
// when any had one: the last ';' met, else the first malformed escape. A
// query of more than MaxParams parameters is refused whole.
func ParseQuery(query string) (Values, error) {
	m := Values{}
	if strings.Count(query, "&")+1 > MaxParams {
		return m, ErrTooManyParams
	}
	var first error
	for query != "" {
		var key string
		key, query, _ = strings.Cut(query, "&")
		if strings.Contains(key, ";") {
			first = ErrSemicolon
			continue
		}
		if key == "" {
			continue
		}
		key, value, _ := strings.Cut(key, "=")
		key, err := QueryUnescape(key)
		if err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		value, err = QueryUnescape(value)
		if err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		m[key] = append(m[key], value)
	}
	return m, first
}

// mode is what a string is escaped for.
type mode uint8

const (
	pathSegment mode = iota
	queryComponent
)

// keep reports whether c stands for itself in m (RFC 3986's unreserved
// bytes, and in a path segment also '$', '&', '+', ':', '=' and '@').
func keep(c byte, m mode) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '-', '_', '.', '~':
		return true
	case '$', '&', '+', ':', '=', '@':
		return m == pathSegment
	}
	return false
}

const upperhex = "0123456789ABCDEF"

func escape(s string, m mode) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !keep(s[i], m) && !(m == queryComponent && s[i] == ' ') {
			n++
		}
	}
	if n == 0 && (m != queryComponent || !strings.Contains(s, " ")) {
		return s
	}
	t := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case m == queryComponent && c == ' ':
			t = append(t, '+')
		case keep(c, m):
			t = append(t, c)
		default:
			t = append(t, '%', upperhex[c>>4], upperhex[c&15])
		}
	}
	return string(t)
}

// PathEscape escapes s to be one path segment (a '/' becomes %2F).
func PathEscape(s string) string { return escape(s, pathSegment) }

// QueryEscape escapes s to be a query parameter's name or value (a space
// becomes '+').
func QueryEscape(s string) string { return escape(s, queryComponent) }

// PathUnescape undoes PathEscape ('+' stays '+').
func PathUnescape(s string) (string, error) { return unescape(s, pathSegment) }

// QueryUnescape undoes QueryEscape ('+' becomes a space).
func QueryUnescape(s string) (string, error) { return unescape(s, queryComponent) }

func unescape(s string, m mode) (string, error) {
	n := 0
	plus := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '%':
			if i+2 >= len(s) || !ishex(s[i+1]) || !ishex(s[i+2]) {
				e := s[i:]
				if len(e) > 3 {
					e = e[:3]
				}
				return "", EscapeError(e)
			}
			n++
			i += 2
		case '+':
			plus = m == queryComponent
		}
	}
	if n == 0 && !plus {
		return s, nil
	}
	t := make([]byte, 0, len(s)-2*n)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '%':
			t = append(t, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		case c == '+' && m == queryComponent:
			t = append(t, ' ')
		default:
			t = append(t, c)
		}
	}
	return string(t), nil
}

func ishex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// Base is a backend's base URL read by ParseBase: scheme://host[:port][/path].
type Base struct {
	Scheme string // lower case, as written otherwise
	Host   string // host[:port], "[v6]" or "[v6]:port"; never ""
	Path   string // "" or from its '/', escapes kept as written
}

// ParseBase reads s as scheme://host[:port][/path][?query][#fragment], the
// form of a backend's address. It refuses, with an error naming what is
// wrong, what a base URL need not have: a control character anywhere, user
// information (a credential in a URL), a host or path byte that url.Parse
// would escape or refuse, a malformed escape. Query and fragment are returned so the caller can say
// it does not want them.
func ParseBase(s string) (b Base, query, fragment string, err error) {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return Base{}, "", "", fmt.Errorf("%q holds a control character", s)
		}
	}
	rest, fragment, _ := strings.Cut(s, "#")
	if _, err := unescape(fragment, pathSegment); err != nil {
		return Base{}, "", "", fmt.Errorf("%q: malformed escape in the fragment", s)
	}
	rest, query, _ = strings.Cut(rest, "?")
	scheme, rest, ok := strings.Cut(rest, "://")
	if !ok || !validScheme(scheme) {
		return Base{}, "", "", fmt.Errorf("%q is not an absolute URL (scheme://host)", s)
	}
	host, path := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		host, path = rest[:i], rest[i:]
	}
	if host == "" {
		return Base{}, "", "", fmt.Errorf("%q has no host", s)
	}
	if strings.Contains(host, "@") {
		return Base{}, "", "", fmt.Errorf("%q: user information in a URL is not accepted", s)
	}
	if err := validHost(host); err != nil {
		return Base{}, "", "", fmt.Errorf("%q: %w", s, err)
	}
	for i := 0; i < len(path); i++ {
		c := path[i]
		if c == '%' {
			if i+2 >= len(path) || !ishex(path[i+1]) || !ishex(path[i+2]) {
				return Base{}, "", "", fmt.Errorf("%q: malformed escape in the path", s)
			}
			i += 2
			continue
		}
		if !keep(c, pathSegment) && !strings.ContainsRune("/!'()*,;", rune(c)) {
			return Base{}, "", "", fmt.Errorf("%q: the path holds %q, which must be escaped", s, c)
		}
	}
	return Base{Scheme: strings.ToLower(scheme), Host: host, Path: path}, query, fragment, nil
}

// String is scheme://host/path.
func (b Base) String() string { return b.Scheme + "://" + b.Host + b.Path }

func validScheme(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

// validHost accepts a name or IPv4 address of letters, digits, '-', '.'
// and '_', or a bracketed IPv6 address of hex digits, ':' and '.', each
// with an optional ":port" of digits.
func validHost(h string) error {
	name, port := h, ""
	if strings.HasPrefix(h, "[") {
		end := strings.IndexByte(h, ']')
		if end < 0 {
			return errors.New("the host's '[' has no ']'")
		}
		if !validIPv6(h[1:end]) {
			return fmt.Errorf("the host %q is not an IPv6 address", h[:end+1])
		}
		name, port = "", h[end+1:]
		if port != "" && port[0] != ':' {
			return errors.New("the host has bytes after its ']'")
		}
	} else if i := strings.LastIndexByte(h, ':'); i >= 0 {
		name, port = h[:i], h[i:]
	}
	for _, c := range []byte(name) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_') {
			return fmt.Errorf("the host holds %q", c)
		}
	}
	for _, c := range []byte(strings.TrimPrefix(port, ":")) {
		if c < '0' || c > '9' {
			return fmt.Errorf("the port holds %q", c)
		}
	}
	return nil
}

// validIPv6 reports whether s is an IPv6 address in text form without a
// zone, as netip.ParseAddr reads one: eight groups of one to four hex
// digits, or fewer with one "::" standing for at least one group, the last
// two groups possibly written as a dotted IPv4 address.
func validIPv6(s string) bool {
	head, tail, elided := strings.Cut(s, "::")
	if elided && strings.Contains(tail, "::") {
		return false
	}
	count := func(part string, last bool) (int, bool) {
		if part == "" {
			return 0, true
		}
		groups := strings.Split(part, ":")
		n := 0
		for i, g := range groups {
			if last && i == len(groups)-1 && strings.Contains(g, ".") {
				if !validIPv4(g) {
					return 0, false
				}
				n += 2
				continue
			}
			if len(g) < 1 || len(g) > 4 {
				return 0, false
			}
			for j := 0; j < len(g); j++ {
				if !ishex(g[j]) {
					return 0, false
				}
			}
			n++
		}
		return n, true
	}
	if !elided {
		n, ok := count(s, true)
		return ok && n == 8
	}
	a, ok := count(head, false)
	if !ok {
		return false
	}
	b, ok := count(tail, true)
	return ok && a+b < 8
}

// validIPv4 reports whether s is four decimal octets without leading zeros.
func validIPv4(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if len(p) < 1 || len(p) > 3 || len(p) > 1 && p[0] == '0' {
			return false
		}
		v := 0
		for j := 0; j < len(p); j++ {
			if p[j] < '0' || p[j] > '9' {
				return false
			}
			v = v*10 + int(p[j]-'0')
		}
		if v > 255 {
			return false
		}
	}
	return true
}
