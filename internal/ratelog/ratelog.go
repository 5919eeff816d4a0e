// Package ratelog logs warnings that can repeat at line rate (one per bad
// frame, per failed write, per refused batch) at most once per period and
// kind, and says how many were suppressed in between, so that a flood of bad
// input cannot flood the log while the first occurrence and its fix are
// still shown. The counts that matter for alerting live in each component's
// own telemetry; this only keeps the log readable.
package ratelog // import "github.com/ecotel/ecotel/internal/ratelog"

import (
	"sync"
	"time"

	"go.uber.org/zap"
)

// Logger rate-limits warnings per kind. The zero value is not usable; use New.
type Logger struct {
	logger *zap.Logger
	period time.Duration
	now    func() time.Time

	mu         sync.Mutex
	last       map[string]time.Time
	suppressed map[string]int
}

// New returns a Logger that writes at most one warning per kind and period.
func New(logger *zap.Logger, period time.Duration) *Logger {
	return &Logger{logger: logger, period: period, now: time.Now,
		last: map[string]time.Time{}, suppressed: map[string]int{}}
}

// WithClock replaces the clock (tests).
func (l *Logger) WithClock(now func() time.Time) *Logger {
	l.now = now
	return l
}

// Warn logs msg unless a warning of the same kind was logged less than a
// period ago; the next one that is logged carries the field
// suppressed_since_last with the number left out.
func (l *Logger) Warn(kind, msg string, fields ...zap.Field) {
	l.mu.Lock()
	now := l.now()
	if t, ok := l.last[kind]; ok && now.Sub(t) < l.period {
		l.suppressed[kind]++
		l.mu.Unlock()
		return
	}
	n := l.suppressed[kind]
	l.last[kind], l.suppressed[kind] = now, 0
	l.mu.Unlock()
	if n > 0 {
		fields = append(fields, zap.Int("suppressed_since_last", n))
	}
	l.logger.Warn(msg, fields...)
}
