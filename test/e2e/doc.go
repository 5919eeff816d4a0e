// Package e2e holds cross-component end-to-end tests: the built otelcol-eco
// with the shipped configurations, scraped by a real Prometheus. They carry
// the e2e build tag; run them with `make test` (or `make e2e`).
package e2e
