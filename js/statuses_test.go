// Package js holds the npm package's sources; its only Go is this test, which
// keeps the TypeScript declarations in step with the Go runtime: every status
// union of src/*.d.ts names exactly the strings the wasm module sends to JS.
package js

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/reflector"
	"github.com/kubelive/kubelive/internal/registry"
	"github.com/kubelive/kubelive/internal/stream"
)

// sent lists the distinct String() values of an enum's first 64 values, less
// the "Type(n)" fallback of values no constant names: the statuses the bridge
// can hand to JS (it sends String() of these types as they are).
func sent[T ~int](str func(T) string) []string {
	fallback := regexp.MustCompile(`^\w+\(-?\d+\)$`)
	var out []string
	for i := range 64 {
		s := str(T(i))
		if !fallback.MatchString(s) && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// union reads `export type NAME = 'a' | 'b' ...;` from a declaration file and
// returns its string members, sorted.
func union(t *testing.T, file, name string) []string {
	t.Helper()
	src, err := os.ReadFile(file)
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^export type ` + name + ` =([^;]*);`).FindSubmatch(src)
	require.NotNil(t, m, "%s declares no type %s", file, name)
	var out []string
	for _, member := range strings.Split(string(m[1]), "|") {
		lit := regexp.MustCompile(`^'([^']*)'$`).FindStringSubmatch(strings.TrimSpace(member))
		require.NotNil(t, lit, "%s: member %q of %s is not a string literal", file, member, name)
		out = append(out, lit[1])
	}
	slices.Sort(out)
	return out
}

func TestStatusUnionsAreWhatTheRuntimeSends(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		union string
		sent  []string
		by    string
	}{
		{union: "SocketState", sent: sent(registry.State.String), by: "registry.State: SocketStatus.state of subscribe() and the socket hooks"},
		{union: "ListPhase", sent: sent(reflector.Phase.String), by: "reflector.Phase: ListSnapshot.status, ListState.status, ConnectionState.state"},
		{union: "StreamState", sent: sent(stream.State.String), by: "stream.State: LogOptions.onStatus and useLogs().status"},
	} {
		t.Run(tc.union, func(t *testing.T) {
			t.Parallel()
			require.NotEmpty(t, tc.sent)
			assert.Equal(t, tc.sent, union(t, "src/index.d.ts", tc.union), "%s sends these (%s)", tc.by, fmt.Sprint(tc.sent))
		})
	}
}
