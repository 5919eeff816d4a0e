// Package fnv1a is the 64-bit FNV-1a hash over strings without allocating
// (hash/fnv takes a []byte): the sci processor's series identities and the
// node_shard exporter's gateway weights, which every agent must compute
// alike.
package fnv1a

// FNV-1a 64-bit parameters.
const (
	Offset = 14695981039346656037
	Prime  = 1099511628211
)

// String continues the hash h over the bytes of s; start with Offset.
func String(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= Prime
	}
	return h
}
