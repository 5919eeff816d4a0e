package fnv1a

import (
	"hash/fnv"
	"testing"
)

func TestStringMatchesHashFNV(t *testing.T) {
	for _, s := range []string{"", "a", "sim-node-00042", "10.0.0.1:4317"} {
		want := fnv.New64a()
		_, _ = want.Write([]byte(s))
		if got := String(Offset, s); got != want.Sum64() {
			t.Errorf("String(%q) = %x, want %x", s, got, want.Sum64())
		}
	}
	if String(String(Offset, "ab"), "c") != String(Offset, "abc") {
		t.Error("String does not continue a hash")
	}
}
