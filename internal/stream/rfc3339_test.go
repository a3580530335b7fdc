package stream

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// FuzzParseRFC3339MatchesTimeParse: parseRFC3339 accepts what
// time.Parse(time.RFC3339Nano) accepts and returns the same time, in the
// same zone.
func FuzzParseRFC3339MatchesTimeParse(f *testing.F) {
	for _, s := range []string{
		"2024-02-29T23:59:59.123456789Z", "2023-02-29T00:00:00Z", "2024-12-31T10:00:00,5+02:00", "2024-01-01T00:00:00.1234567891-00:30",
		"2024-01-01T24:00:00Z", "2024-01-01T00:00:60Z", "2024-01-01T00:00:00.Z", "2024-01-01T00:00:00+2:00", "0000-01-01T00:00:00Z",
		"2024-04-31T00:00:00Z", "2024-01-01t00:00:00z", "2024-01-01T00:00:00+00:00", "2024-01-01T00:00:00-23:59", " 2024-01-01T00:00:00Z",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, werr := time.Parse(time.RFC3339Nano, s)
		got, ok := parseRFC3339([]byte(s))
		require.Equal(t, werr == nil, ok, "%q: time.Parse says %v", s, werr)
		if ok {
			require.True(t, want.Equal(got), "%q: %v, want %v", s, got, want)
			wn, wo := want.Zone()
			gn, gotOff := got.Zone()
			require.Equal(t, [2]any{wn, wo}, [2]any{gn, gotOff}, "%q", s)
			require.Equal(t, want.Location() == time.Local, got.Location() == time.Local, "%q", s)
		}
	})
}
