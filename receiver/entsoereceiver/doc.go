//go:generate ../../bin/mdatagen metadata.yaml

// Package entsoereceiver implements the `entsoe` receiver: it pulls actual
// generation per production type (A75), day-ahead prices (A44) and,
// optionally, total load (A65) and the wind/solar forecast (A69) per bidding
// zone from the ENTSO-E Transparency Platform — or from recorded responses in
// replay mode — and emits, per zone, the carbon intensity (lifecycle and
// direct), generation by fuel, renewable and low-carbon shares, price and the
// age of the data.
package entsoereceiver // import "github.com/ecotel/ecotel/receiver/entsoereceiver"
