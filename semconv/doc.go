// Package semconv holds ecotel's harmonized data model as Go constants: the
// metric names, units and attribute keys every component emits, generated
// from the semantic-convention registry in ./model. Components use these
// constants, never string literals, so that the join between grid, hardware
// and energy data cannot drift.
//
// The registry follows the OpenTelemetry semantic-conventions YAML format.
// Names under eco.* are ecotel's own; the rest are reused from upstream.
package semconv

//go:generate go run ./internal/gen -model model -go generated_semconv.go -md ../docs/semantic-conventions.md
