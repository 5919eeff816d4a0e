package client

import (
	"math"
	"math/rand/v2"
	"time"
)

// Backoff is exponential backoff with jitter: the n-th consecutive failure
// (n ≥ 1) waits Initial·Multiplier^(n−1), capped at Max, spread by ±Jitter
// (a fraction) so that many collectors do not retry in step.
type Backoff struct {
	Initial    time.Duration
	Max        time.Duration
	Multiplier float64
	Jitter     float64
}

// Delay returns the wait after the n-th consecutive failure.
func (b Backoff) Delay(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	d := float64(b.Initial) * math.Pow(math.Max(b.Multiplier, 1), float64(n-1))
	if d > float64(b.Max) || math.IsInf(d, 0) {
		d = float64(b.Max)
	}
	if b.Jitter > 0 {
		d *= 1 + b.Jitter*(2*rand.Float64()-1)
	}
	return time.Duration(d)
}
