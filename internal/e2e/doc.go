// Package e2e is the end-to-end test harness: it runs the real otelcol-eco
// binary (built by `make build`) on a given configuration with free loopback
// ports, runs a real Prometheus server (Debian package `prometheus`) scraping
// it every second, and answers PromQL queries. Tests that use it carry the
// `e2e` build tag; `make test` builds the binary, installs Prometheus when it
// is missing and runs them.
package e2e
