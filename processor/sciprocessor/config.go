package sciprocessor

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/ecotel/ecotel/semconv"
)

// Functional-unit kinds (functional_unit.type).
const (
	FunctionalUnitTime     = "time"
	FunctionalUnitRequests = "requests"
	FunctionalUnitConstant = "constant"
)

// Config is the sci processor's configuration. Every default is set in
// createDefaultConfig; README.md documents each field.
type Config struct {
	// Window is the length of the sliding window each SCI value covers.
	Window time.Duration `mapstructure:"window"`
	// Interval is how often windows are evaluated (the slide). 0 means once
	// per window. The cumulative carbon counters add up the carbon of each
	// interval, so they count every second exactly once whatever the window.
	Interval time.Duration `mapstructure:"interval"`
	// Delay is how far behind now a window ends, so that samples still in
	// flight (agents batch every few seconds) arrive before it is evaluated.
	Delay time.Duration `mapstructure:"delay"`
	// MaxGap is the largest distance between the two samples around a
	// window boundary that may be interpolated; wider gaps give no SCI.
	MaxGap time.Duration `mapstructure:"max_gap"`

	// CarbonIntensityMethod selects I: "lifecycle" (default) or "direct".
	CarbonIntensityMethod string `mapstructure:"carbon_intensity_method"`
	// GridMaxAge is the oldest grid intensity interval used: its age is the
	// entsoe receiver's eco.grid.data.age plus the time since it arrived.
	GridMaxAge time.Duration `mapstructure:"grid_max_age"`
	// HardwareMaxAge is how long a node's hardware values and a pod's
	// requests stay usable after they last arrived.
	HardwareMaxAge time.Duration `mapstructure:"hardware_max_age"`

	// Split is how a node's unattributed energy is shared among its pods:
	// "requests" (default), "usage" or "none".
	Split string `mapstructure:"split"`

	FunctionalUnit FunctionalUnitConfig `mapstructure:"functional_unit"`
	Ranking        RankingConfig        `mapstructure:"ranking"`
	Headroom       HeadroomConfig       `mapstructure:"headroom"`

	// RollUps enables deployment and namespace roll-ups of pod SCI.
	RollUps bool `mapstructure:"roll_ups"`
	// DropInputs removes the energy, grid, hardware and inventory metrics the
	// processor joins from the data it passes on (only its outputs remain).
	DropInputs bool `mapstructure:"drop_inputs"`

	Limits LimitsConfig `mapstructure:"limits"`

	Output OutputConfig `mapstructure:"output"`

	// NodesWithoutEnergy is what becomes of nodes known from the hardware
	// catalog that sent this processor no energy within limits.series_ttl:
	// "report" (default: ranking signal from the profile's power, windows
	// counted unavailable with no_energy) or "skip" (nothing), for gateways
	// that each receive a shard of the nodes' energy but the whole inventory.
	NodesWithoutEnergy string `mapstructure:"nodes_without_energy"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// FunctionalUnitConfig chooses R.
type FunctionalUnitConfig struct {
	// Type is "time" (R = window / per; default), "requests" (R = increase
	// of the application metric Metric over the window) or "constant" (R = Value).
	Type string `mapstructure:"type"`
	// Name is the eco.sci.functional_unit label. Defaults: "hour" (time, per
	// 1h), "minute", "day"; "request" for requests.
	Name string `mapstructure:"name"`
	// Per is the time unit of time-based R (default 1h).
	Per time.Duration `mapstructure:"per"`
	// Metric is the cumulative application metric counting functional units
	// (a Sum, or a Histogram whose count is used), matched to pods by
	// k8s.pod.uid (or k8s.namespace.name + k8s.pod.name) and to deployments
	// by k8s.namespace.name + k8s.deployment.name.
	Metric string `mapstructure:"metric"`
	// Value is R for the constant type.
	Value float64 `mapstructure:"value"`
}

// RankingConfig configures the node ranking signal eco.node.carbon_per_vcpu.
type RankingConfig struct {
	// AssumedUtilization is the CPU utilization at which a node's power is
	// interpolated between its profile's idle and max power when it reports
	// no measured energy.
	AssumedUtilization float64 `mapstructure:"assumed_utilization"`
}

// HeadroomConfig configures the scaling signals eco.grid.green_headroom and
// eco.grid.price_headroom.
type HeadroomConfig struct {
	// Trailing is the span over which the lowest and highest values are taken.
	Trailing time.Duration `mapstructure:"trailing"`
}

// Per-pod output levels (output.pods).
const (
	// PodOutputFull emits a pod's SCI with every component and its
	// cumulative carbon counters, like every other scope.
	PodOutputFull = "full"
	// PodOutputScore emits eco.sci.score alone per pod.
	PodOutputScore = "score"
	// PodOutputNone emits nothing per pod; pods still make up the
	// deployment and namespace roll-ups and their node's split.
	PodOutputNone = "none"
)

// nodes_without_energy values.
const (
	NodesWithoutEnergyReport = "report"
	NodesWithoutEnergySkip   = "skip"
)

// OutputConfig bounds what the processor emits, for large clusters: a pod
// in full costs ten series on the Prometheus endpoint.
type OutputConfig struct {
	// Pods is PodOutputFull (default), PodOutputScore or PodOutputNone.
	Pods string `mapstructure:"pods"`
}

// podGauges is how many of sciGauges are emitted per pod.
func (o OutputConfig) podGauges() int {
	switch o.Pods {
	case PodOutputScore:
		return 1 // eco.sci.score comes first
	case PodOutputNone:
		return 0
	}
	return len(sciGauges)
}

// LimitsConfig bounds the processor's memory.
type LimitsConfig struct {
	// SeriesTTL: a zone, node, pod or functional-unit series that received
	// nothing for this long is forgotten.
	SeriesTTL               time.Duration `mapstructure:"series_ttl"`
	MaxZones                int           `mapstructure:"max_zones"`
	MaxNodes                int           `mapstructure:"max_nodes"`
	MaxPods                 int           `mapstructure:"max_pods"`
	MaxFunctionalUnitSeries int           `mapstructure:"max_functional_unit_series"`
}

// Validate checks the configuration and says how to fix what is wrong.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if c.Window < time.Second {
		bad("window: %s is too short (use at least 1s; default 60s)", c.Window)
	}
	if c.Interval < 0 {
		bad("interval: %s is negative (use 0 for once per window, or a positive duration)", c.Interval)
	} else if c.Interval > 0 && c.Interval < 100*time.Millisecond {
		bad("interval: %s is too short (use at least 100ms, or 0 for once per window)", c.Interval)
	}
	if c.Delay < 0 {
		bad("delay: %s is negative (use 0s or more; default 10s)", c.Delay)
	}
	if c.MaxGap <= 0 {
		bad("max_gap: must be positive (default 30s; a little more than the agents' reporting interval)")
	}
	switch c.CarbonIntensityMethod {
	case semconv.AttrCarbonIntensityMethodLifecycle, semconv.AttrCarbonIntensityMethodDirect:
	default:
		bad("carbon_intensity_method: %q is not %q or %q", c.CarbonIntensityMethod,
			semconv.AttrCarbonIntensityMethodLifecycle, semconv.AttrCarbonIntensityMethodDirect)
	}
	if c.GridMaxAge <= 0 {
		bad("grid_max_age: must be positive (default 3h; ENTSO-E publishes actual generation about an hour late)")
	}
	if c.HardwareMaxAge <= 0 {
		bad("hardware_max_age: must be positive (default 10m; a few hardwarecatalog collection intervals)")
	}
	if _, err := parseSplit(c.Split); err != nil {
		bad("split: %v", err)
	}
	errs = append(errs, c.FunctionalUnit.validate()...)
	if u := c.Ranking.AssumedUtilization; !(u >= 0 && u <= 1) {
		bad("ranking.assumed_utilization: %v is outside [0,1] (default 0.5)", u)
	}
	if c.Headroom.Trailing < time.Hour {
		bad("headroom.trailing: %s is too short (use at least 1h; default 24h)", c.Headroom.Trailing)
	}
	switch c.Output.Pods {
	case PodOutputFull, PodOutputScore, PodOutputNone:
	default:
		bad("output.pods: %q is not %q, %q or %q (default %q; use %q or %q to bound the series of large clusters)",
			c.Output.Pods, PodOutputFull, PodOutputScore, PodOutputNone, PodOutputFull, PodOutputScore, PodOutputNone)
	}
	switch c.NodesWithoutEnergy {
	case NodesWithoutEnergyReport, NodesWithoutEnergySkip:
	default:
		bad("nodes_without_energy: %q is not %q or %q (default %q; %q on gateways behind the node_shard exporter)",
			c.NodesWithoutEnergy, NodesWithoutEnergyReport, NodesWithoutEnergySkip, NodesWithoutEnergyReport, NodesWithoutEnergySkip)
	}
	l := c.Limits
	if l.SeriesTTL < 2*c.interval() {
		bad("limits.series_ttl: %s is shorter than two evaluation intervals (%s); a stopped series would vanish before being reported (default 5m)", l.SeriesTTL, 2*c.interval())
	}
	for name, v := range map[string]int{"max_zones": l.MaxZones, "max_nodes": l.MaxNodes, "max_pods": l.MaxPods, "max_functional_unit_series": l.MaxFunctionalUnitSeries} {
		if v <= 0 {
			bad("limits.%s: must be positive", name)
		}
	}
	return errors.Join(errs...)
}

func (f FunctionalUnitConfig) validate() []error {
	var errs []error
	switch f.Type {
	case FunctionalUnitTime:
		if f.Per <= 0 {
			errs = append(errs, errors.New("functional_unit.per: must be positive for type time (default 1h)"))
		} else if f.Name == "" && timeUnitName(f.Per) == "" {
			errs = append(errs, fmt.Errorf("functional_unit.name: required for per %s (names are implied only for 1m, 1h, 24h)", f.Per))
		}
	case FunctionalUnitRequests:
		if f.Metric == "" {
			errs = append(errs, errors.New("functional_unit.metric: required for type requests (e.g. http.server.request.duration)"))
		}
	case FunctionalUnitConstant:
		if !(f.Value > 0) || math.IsInf(f.Value, 0) {
			errs = append(errs, fmt.Errorf("functional_unit.value: %v must be a positive number for type constant", f.Value))
		}
		if f.Name == "" {
			errs = append(errs, errors.New("functional_unit.name: required for type constant (what one unit is, e.g. user)"))
		}
	default:
		errs = append(errs, fmt.Errorf("functional_unit.type: %q is not time, requests or constant", f.Type))
	}
	return errs
}

// label is the eco.sci.functional_unit value.
func (f FunctionalUnitConfig) label() string {
	if f.Name != "" {
		return f.Name
	}
	switch f.Type {
	case FunctionalUnitTime:
		return timeUnitName(f.Per)
	case FunctionalUnitRequests:
		return "request"
	}
	return ""
}

func timeUnitName(d time.Duration) string {
	switch d {
	case time.Minute:
		return "minute"
	case time.Hour:
		return "hour"
	case 24 * time.Hour:
		return "day"
	}
	return ""
}

// interval is the evaluation period.
func (c *Config) interval() time.Duration {
	if c.Interval > 0 {
		return c.Interval
	}
	return c.Window
}
