package ratelog

import (
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func TestWarnOncePerKindAndPeriod(t *testing.T) {
	core, logs := observer.New(zapcore.WarnLevel)
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	l := New(zap.New(core), time.Minute).WithClock(func() time.Time { return now })

	l.Warn("a", "first a")
	l.Warn("a", "second a") // suppressed
	l.Warn("b", "first b")  // another kind: logged
	now = now.Add(59 * time.Second)
	l.Warn("a", "third a") // still within the period
	now = now.Add(time.Second)
	l.Warn("a", "fourth a") // a period after the first: logged with the count

	got := logs.AllUntimed()
	if len(got) != 3 {
		t.Fatalf("logged %d warnings, want 3: %v", len(got), got)
	}
	if got[0].Message != "first a" || got[1].Message != "first b" || got[2].Message != "fourth a" {
		t.Fatalf("messages = %q, %q, %q", got[0].Message, got[1].Message, got[2].Message)
	}
	if n, ok := got[2].ContextMap()["suppressed_since_last"]; !ok || n != int64(2) {
		t.Fatalf("suppressed_since_last = %v (present %v), want 2", n, ok)
	}
	if _, ok := got[0].ContextMap()["suppressed_since_last"]; ok {
		t.Fatal("first warning must not carry a suppressed count")
	}
}

func TestWarnConcurrent(t *testing.T) {
	core, logs := observer.New(zapcore.WarnLevel)
	l := New(zap.New(core), time.Hour)
	done := make(chan struct{})
	for range 8 {
		go func() {
			for range 1000 {
				l.Warn("k", "flood")
			}
			done <- struct{}{}
		}()
	}
	for range 8 {
		<-done
	}
	if n := logs.Len(); n != 1 {
		t.Fatalf("logged %d warnings under a flood, want 1", n)
	}
}
