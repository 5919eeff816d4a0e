// Package nodeannotation tests the k8s_node_annotation exporter against a
// real kube-apiserver, inside the pipeline the Helm chart deploys: Alumet
// agents (alumet-sim) → one otelcol-eco agent per node (the chart's agent
// configuration) → the otelcol-eco gateway (the chart's gateway
// configuration: ENTSO-E, hardware catalog from the API, sci, Prometheus,
// node annotations) → the Nodes of the in-process cluster.
//
// Every process is the built binary, and every Kubernetes call is made with
// a token of the chart's own ServiceAccount under the chart's own RBAC, so
// the test also shows that the least-privilege roles are enough. What
// differs from a cluster, and why:
//   - the processes run on the test host, so listen addresses are free
//     loopback ports (chart values), and the in-cluster credentials are
//     replaced by a kubeconfig holding the ServiceAccount's token
//     (auth_type kubeConfig instead of serviceAccount);
//   - ENTSO-E is replayed from the demo's recordings
//     (gateway.entsoe.replayDirectory), with no token and no network;
//   - the sci windows and the exporter's write intervals are seconds instead
//     of minutes (chart values), so the test takes a minute, not an hour;
//   - the gateway also sends its output to the test (an extra otlp_http
//     exporter), which checks each annotation against the exact value the
//     sci processor emitted.
//
// The tests carry the e2e build tag; `make kube-e2e` (part of `make test`)
// builds what they run and runs them.
package nodeannotation
