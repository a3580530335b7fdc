// Package backoff is kubelive's one retry policy: exponential delays with full
// jitter, as used by every reconnecting socket, watch and stream.
package backoff

import (
	"math/rand/v2"
	"time"
)

// Policy describes the delays. The zero value is not useful; use Default.
type Policy struct {
	Initial time.Duration // ceiling of the first delay
	Factor  float64       // growth of the ceiling per attempt
	Max     time.Duration // cap of the ceiling
	// ResetAfter: a connection that stayed healthy this long before it failed
	// starts again from Initial.
	ResetAfter time.Duration
}

// Default is 800 ms x2, capped at 30 s, reset after 2 minutes healthy.
var Default = Policy{Initial: 800 * time.Millisecond, Factor: 2, Max: 30 * time.Second, ResetAfter: 2 * time.Minute}

// Backoff counts attempts under a Policy. It is not safe for concurrent use.
type Backoff struct {
	policy  Policy
	rand    func() float64 // in [0, 1)
	attempt int
}

// New returns a Backoff. rnd returns values in [0, 1); nil means math/rand/v2.
func New(p Policy, rnd func() float64) *Backoff {
	if rnd == nil {
		rnd = defaultRand
	}
	return &Backoff{policy: p, rand: rnd}
}

// Ceiling returns the upper bound of the delay of attempt n (0-based):
// min(Max, Initial*Factor^n).
func (p Policy) Ceiling(n int) time.Duration {
	c := float64(p.Initial)
	for i := 0; i < n && c < float64(p.Max); i++ {
		c *= p.Factor
	}
	return time.Duration(min(c, float64(p.Max)))
}

// Next returns the delay before the next attempt, drawn uniformly from
// [0, Ceiling(attempt)] (full jitter), and counts the attempt.
func (b *Backoff) Next() time.Duration {
	d := time.Duration(b.rand() * float64(b.policy.Ceiling(b.attempt)))
	b.attempt++
	return d
}

// Attempts returns how many delays Next has handed out since the last Reset.
func (b *Backoff) Attempts() int { return b.attempt }

// Reset starts again from the first attempt.
func (b *Backoff) Reset() { b.attempt = 0 }

// Healthy tells the Backoff that a connection stayed up for d; if that is at
// least ResetAfter, the next delay starts again from Initial.
func (b *Backoff) Healthy(d time.Duration) {
	if d >= b.policy.ResetAfter {
		b.attempt = 0
	}
}

// defaultRand is the jitter source when none is injected.
func defaultRand() float64 { return rand.Float64() }
