// Package integration runs the ecotel kube-scheduler (the binary built by
// `make kube-scheduler`) against a real kube-apiserver with embedded etcd,
// both in the test process, and a real Prometheus (Debian package) scraping a
// small exporter the tests control. No Docker, no kubelet: nodes are API
// objects, and a pod counts as scheduled once it is bound.
//
// The tests carry the build tag `integration`; `make test` runs them. In-process
// apiservers share global state (feature gates, service resolver), so the
// tests never run in parallel.
package integration
