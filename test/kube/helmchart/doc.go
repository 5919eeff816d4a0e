// Package helmchart tests ecotel's Helm chart (distribution/helm/ecotel) with
// the pinned helm v4, the built otelcol-eco and a real kube-apiserver:
//
//   - helm lint --strict, and helm template with the default values and with
//     each of the chart's ci/*-values.yaml (every optional feature on);
//   - every rendered collector configuration passes `otelcol-eco validate`,
//     with the files the pods mount (the site catalog) in place;
//   - every pod is hardened (non-root, read-only root, no capabilities),
//     has requests and a memory limit, and probes its health endpoint, and
//     every port the pods declare is one the configuration listens on;
//   - every rendered object is applied with a server-side dry run (schema,
//     strict field validation, defaulting, admission) — the
//     monitoring.coreos.com and keda.sh kinds against their real upstream
//     CRDs;
//   - every pod passes the restricted Pod Security Standard (PodSecurity
//     admission on a dry-run Pod per workload);
//   - the RBAC, created for real, gives each component's ServiceAccount what
//     it needs and nothing more (SubjectAccessReviews against the RBAC
//     authorizer);
//   - the rendered ecotel scheduler runs (bin/kube-scheduler, its
//     ServiceAccount's token) and places pods on the greenest node.
//
// The tests carry the e2e build tag; `make kube-e2e` (part of `make test`)
// builds what they run and runs them.
package helmchart
