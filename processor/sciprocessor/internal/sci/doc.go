// Package sci holds the Software Carbon Intensity arithmetic of the sci
// processor (GSF SCI v1.1 = ISO/IEC 21031:2024) and nothing else: the formulas
// for E, O, M and the score, the split of a node's energy over its pods, the
// node ranking signal, trailing-range headroom, and windowed deltas of
// cumulative counters. It has no pdata and no collector types, so every
// formula is checked by plain unit tests against the specification's own
// worked numbers.
package sci
