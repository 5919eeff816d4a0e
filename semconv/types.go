package semconv

// Instrument is the kind of OpenTelemetry instrument a metric is defined as.
type Instrument string

// Instruments used by the registry.
const (
	InstrumentGauge         Instrument = "gauge"
	InstrumentCounter       Instrument = "counter"
	InstrumentUpdowncounter Instrument = "updowncounter"
	InstrumentHistogram     Instrument = "histogram"
)

// Level is an attribute's requirement level on a metric.
type Level string

// Requirement levels, as in the OpenTelemetry semantic conventions.
const (
	LevelRequired              Level = "required"
	LevelConditionallyRequired Level = "conditionally_required"
	LevelRecommended           Level = "recommended"
	LevelOptIn                 Level = "opt_in"
)

// MetricDef describes one metric of the registry.
type MetricDef struct {
	Name       string
	Instrument Instrument
	Unit       string
	// Prometheus is the series name the prometheus exporter produces by default.
	Prometheus string
	Attributes []AttributeReq
}

// AttributeReq is an attribute a metric carries and how strongly.
type AttributeReq struct {
	Key   string
	Level Level
}

// AttributeDef describes one attribute of the registry.
type AttributeDef struct {
	Key  string
	Type string
	// Values lists the allowed values of an enum attribute; nil otherwise.
	Values []string
}
