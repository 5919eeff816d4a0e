package e2e

import (
	"fmt"

	"github.com/ecotel/ecotel/semconv"
)

// SCIRecomputeQuery returns PromQL giving, for every exported SCI series,
// |SCI − (E × I + M) / R| / SCI from its component series with identical
// labels: the check that every SCI can be reproduced from Prometheus alone.
func SCIRecomputeQuery() string {
	m := func(name string) string { return semconv.Metrics[name].Prometheus }
	score := m(semconv.MetricSCIScore)
	return fmt.Sprintf(`abs(%s - (%s * %s + %s) / %s) / %s`,
		score, m(semconv.MetricSCIEnergy), m(semconv.MetricSCICarbonIntensity), m(semconv.MetricSCIEmbodied),
		m(semconv.MetricSCIFunctionalUnits), score)
}
