// Package alumetbridgereceiver receives Alumet's energy measurements and
// emits them as cumulative joule counters in ecotel's data model.
//
// Inputs, most faithful first: a relay server speaking Alumet's own relay
// protocol (a drop-in for alumet-relay-server in Alumet's Helm chart), an
// OTLP/gRPC endpoint for Alumet's opentelemetry output (v0.9.5+), a scraper
// for Alumet's Prometheus exporter (lossy), and a CSV importer for Alumet's
// csv output. See README.md.
//
//go:generate ../../bin/mdatagen metadata.yaml
package alumetbridgereceiver
