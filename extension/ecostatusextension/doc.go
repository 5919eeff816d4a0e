// Package ecostatusextension serves a read-only status page and JSON API in
// the spirit of zpages: the grid state of every bidding zone, nodes ranked by
// their carbon ranking signal, and the pods with the highest SCI, with the
// components that explain each number. Components that hold that state (the
// entsoe receiver, the hardwarecatalog receiver, the sci processor) register
// with it through the narrow interface in internal/ecostatus; the page merges
// what they report on each request. It uses no external resources, so it
// works in air-gapped clusters.
package ecostatusextension

//go:generate ../../bin/mdatagen metadata.yaml
