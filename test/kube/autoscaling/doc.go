// Package autoscaling tests ecotel's autoscaling recipes
// (distribution/autoscaling, docs/autoscaling.md) end to end, with real
// parts wherever one can run here:
//
//   - otelcol-eco as built by `make build`, its entsoe receiver in live mode;
//   - Prometheus (Debian package) loaded with the shipped recording rules;
//   - an in-process kube-apiserver with embedded etcd (package kubetest);
//   - kube-controller-manager v1.37.2 as built by `make
//     kube-controller-manager`, running the HPA, deployment and replicaset
//     controllers;
//   - eco-hpa-capper as built by `make eco-hpa-capper`.
//
// Two parts are fakes, because the real ones cannot be had here: the ENTSO-E
// Transparency Platform (an httptest server answering in the platform's
// document format, whose grid the tests change) and prometheus-adapter
// (package promadapter, a stand-in on sigs.k8s.io/custom-metrics-apiserver
// that expands the shipped rules as prometheus-adapter does). No kubelet
// runs, so Pods stay Pending and the HPAs use AverageValue targets only.
//
// The tests carry the build tag `integration`; `make test` builds the
// binaries and runs them (paths in ECOTEL_KUBE_CONTROLLER_MANAGER,
// ECOTEL_HPA_CAPPER, OTELCOL_ECO and ALUMET_SIM). In-process API servers
// share process-global state, so the tests never run in parallel.
package autoscaling
