package sci

import (
	"encoding/binary"
	"math"
	"testing"
)

// FuzzCounter feeds a counter arbitrary sample sequences (resets, jumps,
// duplicates, out-of-order, NaN-free but wild values) and checks that no
// window ever has a negative or non-finite delta and nothing panics.
func FuzzCounter(f *testing.F) {
	f.Add([]byte{1, 0, 0, 0, 10, 2, 0, 0, 0, 20, 3, 0, 0, 0, 5})
	f.Add([]byte{5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5})
	f.Fuzz(func(t *testing.T, data []byte) {
		var c Counter
		var ts int64
		for len(data) >= 5 {
			step := int64(int8(data[0]))
			v := float64(binary.LittleEndian.Uint32(data[1:5]))
			data = data[5:]
			ts += step * sec
			start := int64(0)
			if step%7 == 0 {
				start = ts - sec
			}
			c.Add(start, ts, v, 3*sec)
		}
		for from := int64(-300); from < 300; from += 17 {
			for _, allow := range []bool{false, true} {
				w, r := c.Delta(from*sec, (from+60)*sec, 20*sec, allow)
				if r == OK && (w.Delta < 0 || math.IsNaN(w.Delta) || math.IsInf(w.Delta, 0)) {
					t.Fatalf("window [%d,%d]: delta %v", from, from+60, w.Delta)
				}
			}
		}
	})
}
