package sci

import (
	"testing"
	"time"
)

func TestTrailingRangeAndHeadroom(t *testing.T) {
	r := NewTrailingRange(int64(24 * time.Hour))
	base := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	hour := int64(time.Hour)
	if _, _, ok := r.Range(); ok {
		t.Fatal("empty range reported")
	}
	r.Add(base, 300)
	lo, hi, _ := r.Range()
	if _, ok := Headroom(300, lo, hi); ok {
		t.Error("headroom from a single value")
	}
	r.Add(base+hour, 100)
	r.Add(base+2*hour, 500)
	lo, hi, _ = r.Range()
	if lo != 100 || hi != 500 {
		t.Fatalf("range %v..%v", lo, hi)
	}
	h, ok := Headroom(200, lo, hi)
	if !ok {
		t.Fatal("no headroom")
	}
	assertRel(t, "headroom at 200 in [100,500]", h, 0.75, 1e-15)
	if h, _ := Headroom(100, lo, hi); h != 1 {
		t.Errorf("cleanest → %v, want 1", h)
	}
	if h, _ := Headroom(500, lo, hi); h != 0 {
		t.Errorf("dirtiest → %v, want 0", h)
	}
	// 25 h later the first values have left the trailing day.
	r.Add(base+26*hour+1, 400)
	r.Add(base+27*hour, 450)
	lo, hi, _ = r.Range()
	if lo != 400 || hi != 450 {
		t.Errorf("range after a day %v..%v, want 400..450", lo, hi)
	}
	// Values older than the span are ignored.
	r.Add(base, 1)
	if lo, _, _ = r.Range(); lo != 400 {
		t.Errorf("old value entered the range: lo %v", lo)
	}
}
