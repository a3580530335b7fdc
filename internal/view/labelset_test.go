package view

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestLabelSetIsTheMap: get answers every key as the map it was made from
// does (present, absent, empty values, keys that prefix one another, bytes
// a separator-based form would trip on, lengths past one varint byte), and
// each visits every value once.
func TestLabelSetIsTheMap(t *testing.T) {
	long := strings.Repeat("k", 300)
	cases := []map[string]string{
		nil,
		{},
		{"app": "web"},
		{"": ""},
		{"a": "", "": "b"},
		{"app": "web", "app.kubernetes.io/name": "web", "ap": "x", "tier": "frontend"},
		{"nul\x00key": "v\x00al", "k": "\x80\xff", "=": ","},
		{long: long + "v", "short": strings.Repeat("v", 200)},
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 50 {
		m := map[string]string{}
		for j := range r.IntN(20) {
			m[fmt.Sprintf("key-%d/%s", j, strings.Repeat("x", r.IntN(150)))] = strings.Repeat("v", r.IntN(140))
		}
		cases = append(cases, m)
	}
	for i, m := range cases {
		l := makeLabelSet(m)
		probes := []string{"", "a", "ap", "app", "apps", "missing", long, long + "v", "nul", "nul\x00key"}
		for k := range m {
			probes = append(probes, k, k+"x")
			if len(k) > 0 {
				probes = append(probes, k[:len(k)-1])
			}
		}
		for _, k := range probes {
			want, wantOK := m[k]
			got, ok := l.get(k)
			assert.Equal(t, wantOK, ok, "case %d: has %q", i, k)
			assert.Equal(t, want, got, "case %d: value of %q", i, k)
		}
		seen := map[string]int{}
		l.each(func(v string) { seen[v]++ })
		want := map[string]int{}
		for _, v := range m {
			want[v]++
		}
		assert.Equal(t, want, seen, "case %d: each", i)
	}
}

// TestLabelSetRefusesATruncatedSet: a set cut anywhere (not one
// makeLabelSet made) answers absent rather than reading past its end.
func TestLabelSetRefusesATruncatedSet(t *testing.T) {
	l := makeLabelSet(map[string]string{strings.Repeat("k", 200): strings.Repeat("v", 200)})
	for n := range len(l) {
		_, ok := labelSet(l[:n]).get(strings.Repeat("k", 200))
		assert.False(t, ok, "cut at %d", n)
	}
}

// TestAppendLowerIsToLower: the haystack's lowercasing is strings.ToLower's,
// for ASCII (the fast path) and for text that is not.
func TestAppendLowerIsToLower(t *testing.T) {
	for _, s := range []string{"", "web-7D9C", "ABCXYZ@[`{", "Ünïcödé-POD", "İSTANBUL", "ẞ", "\xff\xfeA", "a\x00B"} {
		assert.Equal(t, "x"+strings.ToLower(s), string(appendLower([]byte("x"), s)), "%q", s)
	}
}
