// Stand-in for contrib's pkg/semconvtest, which no module proxy version serves.
// Only k8sattributesprocessor's integration tests import it, but ocb's
// `go mod tidy` resolves test imports of dependencies too, so it must exist.
module github.com/open-telemetry/opentelemetry-collector-contrib/pkg/semconvtest

go 1.26.0
