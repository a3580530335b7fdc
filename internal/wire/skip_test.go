package wire

import (
	"bytes"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
)

// checkSkipComposite holds skipComposite to its contract against the
// recursive path: where it says ok, skipObject/skipArray accept the value
// and end at the same offset; where they fail, it never says ok.
func checkSkipComposite(t *testing.T, b []byte) {
	t.Helper()
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' && b[i] != '[' {
		return
	}
	end, ok := skipComposite(b, i, 1)
	s := scanner{b: b, i: i}
	var err error
	if b[i] == '{' {
		err = s.skipObject(1)
	} else {
		err = s.skipArray(1)
	}
	if err != nil {
		assert.False(t, ok, "skipComposite accepted what the recursive path rejects (%v): %q", err, b)
		return
	}
	if ok {
		assert.Equal(t, s.i, end, "the end of %q", b)
	}
}

var skipCases = []string{
	`{}`, `[]`, `{ }`, "[ \t\n\r]", `{"a":1}`, `{"a":[1,2,{"b":null}],"c":{"d":true,"e":false}}`,
	`[1,-0,0.5,-1.5e+3,2E-2,1e9]`, `["\u00e9\"\\\/\b\f\n\r\t", "` + "\xff\xc3\xa9" + `"]`,
	`{"a":"0123456789abcdef0123456789abcdef"}`, `{"long key with \"quotes\" inside it":"v"}`,
	// invalid: each must fall back to the recursive path
	`{`, `[`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[,1]`, `{,}`, `{"a":1 "b":2}`, `{"a" 1}`, `{1:2}`,
	`[01]`, `[1.]`, `[.5]`, `[1e]`, `[-]`, `[+1]`, `[tru]`, `[nul]`, `[falsey]`, `["a]`, `["\x"]`,
	`["\u12G4"]`, `["\u12"]`, "[\"a\x01b\"]", "[\"0123456789\x1f\"]", `{"a":1]`, `[1}`, `[[[]]`, `{"a":{"b":1}`,
	"[\"abcdefgh\\", `["abcdefghijklmnop`,
}

func TestSkipCompositeIsTheRecursivePath(t *testing.T) {
	t.Parallel()
	for _, c := range skipCases {
		checkSkipComposite(t, []byte(c))
	}
	pod, err := os.ReadFile("testdata/pod.json")
	assert.NoError(t, err)
	end, ok := skipComposite(pod, 0, 1)
	assert.True(t, ok, "the fixture pod takes the fast path")
	assert.Equal(t, len(bytes.TrimRight(pod, "\n")), end)
	// every prefix of the pod (all invalid) and the pod with one byte turned
	// into each special byte
	for n := 0; n < len(pod); n += 7 {
		checkSkipComposite(t, pod[:n])
	}
	for n := 0; n < len(pod); n += 5 {
		for _, c := range []byte{'"', '\\', 0x1f, ',', '}', ']', ' '} {
			b := bytes.Clone(pod)
			b[n] = c
			checkSkipComposite(t, b)
		}
	}
}

// TestSkipCompositeDepth: beyond its own levels, or beyond maxDepth, it
// leaves the value to the recursive path.
func TestSkipCompositeDepth(t *testing.T) {
	t.Parallel()
	deep := func(n int) []byte {
		return append(bytes.Repeat([]byte("["), n), bytes.Repeat([]byte("]"), n)...)
	}
	_, ok := skipComposite(deep(fastLevels), 0, 1)
	assert.True(t, ok)
	_, ok = skipComposite(deep(fastLevels+1), 0, 1)
	assert.False(t, ok)
	_, ok = skipComposite(deep(2), 0, maxDepth)
	assert.False(t, ok, "the second level is deeper than maxDepth")
	_, ok = skipComposite(deep(1), 0, maxDepth)
	assert.True(t, ok)
}

func FuzzSkipComposite(f *testing.F) {
	for _, c := range skipCases {
		f.Add([]byte(c))
	}
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkSkipComposite(t, b) })
}
