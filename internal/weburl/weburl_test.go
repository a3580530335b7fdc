package weburl

import (
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// samples holds the bytes each escaping rule treats apart: every
// sub-delimiter, '%' escapes good and bad, '+', spaces, non-ASCII.
var samples = []string{
	"", "a", "a b", "a+b", "a/b", "arn:aws:eks/x y", "100%", "%zz", "%4", "%41%42", "%2F",
	"é", "\x00\x7f\xff", "!$&'()*+,;=:@?#[]", "-_.~", "a=b&c=d", "a;b", "+%20+", " ",
	"k=v&k=w&j", "=x", "x=", "&&", "a=%", "a=1;b=2", "%25",
}

func TestEscapesAreNetURLs(t *testing.T) {
	t.Parallel()
	for _, s := range samples {
		assert.Equal(t, url.PathEscape(s), PathEscape(s), "PathEscape(%q)", s)
		assert.Equal(t, url.QueryEscape(s), QueryEscape(s), "QueryEscape(%q)", s)
		checkUnescape(t, s)
		checkParseQuery(t, s)
	}
}

func checkUnescape(t *testing.T, s string) {
	t.Helper()
	for _, f := range []struct {
		name         string
		mine, oracle func(string) (string, error)
	}{{"PathUnescape", PathUnescape, url.PathUnescape}, {"QueryUnescape", QueryUnescape, url.QueryUnescape}} {
		got, err := f.mine(s)
		want, werr := f.oracle(s)
		if werr != nil {
			require.Error(t, err, "%s(%q)", f.name, s)
			assert.Equal(t, werr.Error(), err.Error(), "%s(%q)", f.name, s)
			continue
		}
		require.NoError(t, err, "%s(%q)", f.name, s)
		assert.Equal(t, want, got, "%s(%q)", f.name, s)
	}
}

func checkParseQuery(t *testing.T, s string) {
	t.Helper()
	got, err := ParseQuery(s)
	want, werr := url.ParseQuery(s)
	assert.Equal(t, werr == nil, err == nil, "ParseQuery(%q) error: %v against %v", s, err, werr)
	if werr != nil && err != nil {
		assert.Equal(t, werr.Error(), err.Error(), "ParseQuery(%q)", s)
	}
	assert.Equal(t, map[string][]string(want), map[string][]string(got), "ParseQuery(%q)", s)
	assert.Equal(t, want.Encode(), got.Encode(), "Encode of ParseQuery(%q)", s)
}

func TestParseQueryRefusesTooManyParams(t *testing.T) {
	t.Parallel()
	for _, n := range []int{MaxParams, MaxParams + 1} {
		q := strings.Repeat("a=1&", n-1) + "a=1"
		_, err := ParseQuery(q)
		_, werr := url.ParseQuery(q)
		assert.Equal(t, werr == nil, err == nil, "%d parameters", n)
	}
}

func TestValuesEncodeIsNetURLs(t *testing.T) {
	t.Parallel()
	v, w := Values{}, url.Values{}
	for i, s := range samples {
		name := samples[(i*7)%len(samples)]
		v.Add(name, s)
		w.Add(name, s)
		if i%5 == 0 {
			v.Set(s, name)
			w.Set(s, name)
		}
	}
	assert.Equal(t, w.Encode(), v.Encode())
	assert.Empty(t, Values{}.Encode())
}

func TestParseBase(t *testing.T) {
	t.Parallel()
	good := []string{
		"http://127.0.0.1:8080", "HTTPS://Host.example/prefix/", "ws://h", "wss://[::1]:8443/a%20b",
		"http://h/a:b@c/$&+=!'()*,;", "http://my_host:80/p", "http://h:", "http://h/", "https://[fe80::1]",
	}
	for _, s := range good {
		b, q, f, err := ParseBase(s)
		require.NoError(t, err, s)
		u, uerr := url.Parse(s)
		require.NoError(t, uerr, s)
		assert.Equal(t, u.Scheme, b.Scheme, s)
		assert.Equal(t, u.Host, b.Host, s)
		assert.Equal(t, u.String(), b.String(), s)
		assert.Empty(t, q+f, s)
	}
	bad := map[string]string{
		"ftp//h":             "not an absolute URL",
		"::":                 "not an absolute URL",
		"1http://h":          "not an absolute URL",
		"http://u:p@h":       "user information",
		"http://h/a b":       "must be escaped",
		"http://h/%zz":       "malformed escape",
		"http://h é/":        "the host holds",
		"http://h:8x":        "the port holds",
		"http://[::1/":       "no ']'",
		"http://[::1]x":      "after its ']'",
		"http://[::g]":       "not an IPv6 address",
		"http://[1:2]":       "not an IPv6 address",
		"http://[1.2.3.4]":   "not an IPv6 address",
		"http://[]":          "not an IPv6 address",
		"http://a:b:c":       "the host holds",
		"http://":            "has no host",
		"http:///p":          "has no host",
		"http://h/?q\b":      "control character",
		"http://h/#\x7f":     "control character",
		"http://h/#%zz":      "malformed escape in the fragment",
		"http://h/\"quote\"": "must be escaped",
	}
	for s, want := range bad {
		_, _, _, err := ParseBase(s)
		require.Error(t, err, s)
		assert.Contains(t, err.Error(), want, s)
	}
	_, q, f, err := ParseBase("http://h/p?a=1#frag")
	require.NoError(t, err)
	assert.Equal(t, "a=1", q)
	assert.Equal(t, "frag", f)
}

// FuzzAgainstNetURL: every escape, unescape and query read agrees with
// net/url; a base ParseBase accepts, url.Parse accepts with the same
// scheme, host and form.
func FuzzAgainstNetURL(f *testing.F) {
	for _, s := range samples {
		f.Add(s)
	}
	f.Add("http://h:1/p%41?x#y")
	f.Fuzz(func(t *testing.T, s string) {
		if PathEscape(s) != url.PathEscape(s) || QueryEscape(s) != url.QueryEscape(s) {
			t.Fatalf("escape of %q: %q %q, net/url %q %q", s, PathEscape(s), QueryEscape(s), url.PathEscape(s), url.QueryEscape(s))
		}
		checkUnescape(t, s)
		checkParseQuery(t, s)
		b, q, fr, err := ParseBase(s)
		if err != nil {
			return
		}
		u, uerr := url.Parse(s)
		if uerr != nil {
			t.Fatalf("ParseBase(%q) accepted what url.Parse refuses: %v", s, uerr)
		}
		if u.Scheme != b.Scheme || u.Host != b.Host || u.RawQuery != q || (u.Fragment == "") != (fr == "") {
			t.Fatalf("ParseBase(%q) = %+v %q %q; url.Parse %q %q %q %q", s, b, q, fr, u.Scheme, u.Host, u.RawQuery, u.Fragment)
		}
		u.RawQuery, u.Fragment, u.RawFragment, u.ForceQuery = "", "", "", false
		if u.String() != b.String() {
			t.Fatalf("ParseBase(%q).String() = %q; url.Parse %q", s, b.String(), u.String())
		}
	})
}

// FuzzIPv6AgainstNetip: validIPv6 accepts exactly the zone-less IPv6
// addresses netip.ParseAddr reads.
func FuzzIPv6AgainstNetip(f *testing.F) {
	for _, s := range []string{"::1", "::", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::ffff:1.2.3.4", "fe80::1.2.3.4",
		"1:2", "1.2.3.4", "", ":", ":::", "1::2::3", "::01.2.3.4", "1:2:3:4:5:6:1.2.3.4", "12345::", "::1.2.3.4:5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.ContainsRune(s, '%') {
			return // zones are refused before (no '%' reaches validIPv6 from a host)
		}
		a, err := netip.ParseAddr(s)
		want := err == nil && a.Is6()
		if got := validIPv6(s); got != want {
			t.Fatalf("validIPv6(%q) = %v, netip.ParseAddr: %v %v", s, got, a, err)
		}
	})
}

func TestIPv6Seeds(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{"::1": true, "::": true, "1:2:3:4:5:6:7:8": true, "1:2:3:4:5:6:7::": true,
		"::ffff:1.2.3.4": true, "1:2": false, "1.2.3.4": false, "": false, "1::2::3": false, "::01.2.3.4": false,
		"1:2:3:4:5:6:7:8:9": false, "1:2:3:4:5:6:7:8::": false} {
		assert.Equal(t, want, validIPv6(s), s)
	}
}
