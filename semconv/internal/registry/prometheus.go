package registry

import "github.com/prometheus/otlptranslator"

// PrometheusName returns the series name the contrib prometheus exporter
// produces for m with its default translation strategy (underscore escaping,
// unit and type suffixes) and no namespace. It uses the same translator
// library as the exporter, so the documented names cannot drift from what
// Prometheus actually scrapes (the e2e tests check the pairing too).
func PrometheusName(m Metric) string {
	namer := otlptranslator.NewMetricNamer("", otlptranslator.UnderscoreEscapingWithSuffixes)
	typ := otlptranslator.MetricType(otlptranslator.MetricTypeGauge)
	switch m.Instrument {
	case "counter":
		typ = otlptranslator.MetricTypeMonotonicCounter
	case "updowncounter":
		typ = otlptranslator.MetricTypeNonMonotonicCounter
	case "histogram":
		typ = otlptranslator.MetricTypeHistogram
	}
	name, err := namer.Build(otlptranslator.Metric{Name: m.Name, Unit: m.Unit, Type: typ})
	if err != nil {
		return ""
	}
	return name
}
