// Package signal keeps the carbon signals the scheduler plugins rank and
// defer by — gCO2e per vCPU-hour per node, grid carbon intensity per bidding
// zone — in a cache that a background loop refreshes from Prometheus or from
// Node annotations written by ecotel. The scheduling cycle only ever reads an
// immutable Snapshot of that cache, so a slow or unreachable metrics backend
// can make the data stale but can never make scheduling slower.
//
// The package knows nothing about the scheduling framework; the plugins in
// pkg/sciscore and pkg/carbondeferral decide what stale or missing data means
// for a pod.
package signal
