// Package state is the sci processor's memory of what flowed through it: the
// latest grid values per bidding zone, the hardware characterization per
// node, the windowed energy counters per node and per pod, the pods' CPU
// requests, and the counters of the application metric used as functional
// unit. It does the join's bookkeeping — keys, freshness, expiry, limits —
// and no SCI arithmetic (package sci) and no pdata (the processor).
//
// A Store is not safe for concurrent use by itself: the processor holds its
// lock once per incoming batch and once per evaluation, never per datapoint.
package state
