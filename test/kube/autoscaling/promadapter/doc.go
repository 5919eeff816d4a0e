// Package promadapter is a test fixture standing in for prometheus-adapter
// (kubernetes-sigs/prometheus-adapter), which cannot be obtained here: the Go
// module proxy refuses every path of it and Debian does not package it, and
// the project cannot build it from source either. It serves the
// external rules of distribution/autoscaling/prometheus-adapter/values.yaml on
// external.metrics.k8s.io/v1beta1 the way prometheus-adapter v0.12 does, so
// that the rules are tested as written:
//
//   - it is built on sigs.k8s.io/custom-metrics-apiserver, the library
//     prometheus-adapter itself serves the API with (same request parsing,
//     selector handling, errors and aggregation behaviour);
//   - it discovers metrics like the adapter's periodic lister: every
//     seriesQuery is sent to Prometheus' /api/v1/series over the last relist
//     interval, series are filtered by seriesFilters and name.matches and
//     named by name.as;
//   - it expands metricsQuery with the adapter's template arguments and
//     matcher rules (see compiledRule.ExternalQuery), including the
//     namespace injection that `resources: {namespaced: false}` turns off;
//   - it converts results to milli-quantities, truncating, as the adapter's
//     metric converter does.
//
// What it leaves out: custom (non-external) rules, resource rules, and
// labelValueReplacements (refused when present). The expansion is unit-tested
// against strings derived by hand from the adapter's source
// (pkg/naming/metrics_query.go, pkg/client/helpers.go).
package promadapter
