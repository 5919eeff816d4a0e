package carbonsource

import (
	"fmt"
	"net/url"
	"time"

	"github.com/prometheus/otlptranslator"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/ecotel/ecotel/semconv"
)

// Source kinds.
const (
	SourcePrometheus = "prometheus"
	SourceAnnotation = "annotation"
)

// Defaults.
const (
	DefaultAnnotationPrefix = "ecotel.io"
	DefaultRefreshInterval  = 15 * time.Second
	// DefaultStalenessLimit is generous because ENTSO-E publishes actual
	// generation up to about an hour after the interval ends, so grid data
	// is routinely one to two hours old when it is freshest.
	DefaultStalenessLimit    = 3 * time.Hour
	DefaultPrometheusTimeout = 5 * time.Second
)

// Args says where the carbon signals come from. Both plugins embed it; two
// plugin instances with equal Args share one cache.
type Args struct {
	// Source is "prometheus" (default) or "annotation".
	Source string `json:"source,omitempty"`
	// Prometheus is read when Source is "prometheus".
	Prometheus PrometheusArgs `json:"prometheus,omitempty"`
	// AnnotationPrefix is the prefix of the Node and Pod annotation keys
	// (default "ecotel.io": ecotel.io/carbon-per-vcpu, ecotel.io/defer-until…).
	AnnotationPrefix string `json:"annotationPrefix,omitempty"`
	// RefreshInterval is how often the background cache re-reads the source
	// (default 15s).
	RefreshInterval metav1.Duration `json:"refreshInterval,omitempty"`
	// StalenessLimit is the age past which a value is ignored (default 3h).
	StalenessLimit metav1.Duration `json:"stalenessLimit,omitempty"`
}

// PrometheusArgs configure the Prometheus source. The query defaults read the
// series ecotel's collector exports (names from the data model).
type PrometheusArgs struct {
	// Address of the Prometheus HTTP API, e.g. http://prometheus.monitoring:9090. Required.
	Address string `json:"address,omitempty"`
	// NodeQuery returns the ranking signal (gCO2e per vCPU-hour), one sample per node.
	NodeQuery string `json:"nodeQuery,omitempty"`
	// NodeLabel is the label holding the node name (default k8s_node_name).
	NodeLabel string `json:"nodeLabel,omitempty"`
	// ZoneLabel is the label holding the bidding zone (default eco_grid_zone_code).
	ZoneLabel string `json:"zoneLabel,omitempty"`
	// ZoneIntensityQuery returns the grid carbon intensity (g/kWh), one sample per zone.
	ZoneIntensityQuery string `json:"zoneIntensityQuery,omitempty"`
	// DataAgeQuery returns the age in seconds of each zone's grid data; "-" disables it.
	DataAgeQuery string `json:"dataAgeQuery,omitempty"`
	// Timeout bounds one refresh (default 5s).
	Timeout metav1.Duration `json:"timeout,omitempty"`
	// BearerTokenFile is read at each refresh and sent as a bearer token.
	BearerTokenFile string `json:"bearerTokenFile,omitempty"`
	// TLS configures https addresses.
	TLS TLSArgs `json:"tls,omitempty"`
}

// TLSArgs configure the connection to an https Prometheus.
type TLSArgs struct {
	CAFile             string `json:"caFile,omitempty"`
	ServerName         string `json:"serverName,omitempty"`
	InsecureSkipVerify bool   `json:"insecureSkipVerify,omitempty"`
}

// disabledQuery switches an optional query off.
const disabledQuery = "-"

// PromLabel is the Prometheus label the collector's prometheus exporter
// makes of a data-model attribute key.
func PromLabel(attr string) string {
	var namer otlptranslator.LabelNamer
	l, err := namer.Build(attr)
	if err != nil {
		panic(fmt.Sprintf("attribute %q has no Prometheus label name: %v", attr, err))
	}
	return l
}

// Default query parts, derived from the data-model constants.
var (
	DefaultNodeLabel = PromLabel(semconv.AttrK8sNodeName)
	DefaultZoneLabel = PromLabel(semconv.AttrGridZoneCode)
	DefaultNodeQuery = semconv.MetricNodeCarbonPerVCPUPrometheus
	// Every gateway of a sharded installation fetches every zone, so one
	// zone has a series per gateway: aggregate them to one.
	DefaultZoneIntensityQuery = fmt.Sprintf(`max by (%s) (%s{%s=%q})`, DefaultZoneLabel, semconv.MetricGridCarbonIntensityPrometheus,
		PromLabel(semconv.AttrCarbonIntensityMethod), semconv.AttrCarbonIntensityMethodLifecycle)
	DefaultDataAgeQuery = fmt.Sprintf(`max by (%s) (%s{%s=%q})`, DefaultZoneLabel, semconv.MetricGridDataAgePrometheus,
		PromLabel(semconv.AttrGridDocument), semconv.AttrGridDocumentGeneration)
)

// SetDefaults fills every unset field.
func SetDefaults(a *Args) {
	if a.Source == "" {
		a.Source = SourcePrometheus
	}
	if a.AnnotationPrefix == "" {
		a.AnnotationPrefix = DefaultAnnotationPrefix
	}
	if a.RefreshInterval.Duration == 0 {
		a.RefreshInterval.Duration = DefaultRefreshInterval
	}
	if a.StalenessLimit.Duration == 0 {
		a.StalenessLimit.Duration = DefaultStalenessLimit
	}
	p := &a.Prometheus
	if p.NodeQuery == "" {
		p.NodeQuery = DefaultNodeQuery
	}
	if p.NodeLabel == "" {
		p.NodeLabel = DefaultNodeLabel
	}
	if p.ZoneLabel == "" {
		p.ZoneLabel = DefaultZoneLabel
	}
	if p.ZoneIntensityQuery == "" {
		p.ZoneIntensityQuery = DefaultZoneIntensityQuery
	}
	if p.DataAgeQuery == "" {
		p.DataAgeQuery = DefaultDataAgeQuery
	}
	if p.Timeout.Duration == 0 {
		p.Timeout.Duration = DefaultPrometheusTimeout
	}
}

// Validate checks defaulted Args; path is where they sit in the plugin args.
func Validate(a *Args, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch a.Source {
	case SourcePrometheus:
		errs = append(errs, validatePrometheus(&a.Prometheus, a.RefreshInterval.Duration, path.Child("prometheus"))...)
	case SourceAnnotation:
	default:
		errs = append(errs, field.NotSupported(path.Child("source"), a.Source, []string{SourcePrometheus, SourceAnnotation}))
	}
	if msgs := validatePrefix(a.AnnotationPrefix); msgs != "" {
		errs = append(errs, field.Invalid(path.Child("annotationPrefix"), a.AnnotationPrefix, msgs))
	}
	if d := a.RefreshInterval.Duration; d < time.Second {
		errs = append(errs, field.Invalid(path.Child("refreshInterval"), d.String(), "must be at least 1s"))
	}
	if d := a.StalenessLimit.Duration; d < a.RefreshInterval.Duration {
		errs = append(errs, field.Invalid(path.Child("stalenessLimit"), d.String(),
			"must be at least refreshInterval, or every value would be stale before the next refresh"))
	}
	return errs
}

func validatePrometheus(p *PrometheusArgs, refresh time.Duration, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if p.Address == "" {
		errs = append(errs, field.Required(path.Child("address"), "the Prometheus HTTP API URL, e.g. http://prometheus.monitoring:9090 (or set source: annotation)"))
	} else if u, err := url.Parse(p.Address); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, field.Invalid(path.Child("address"), p.Address, "must be an http:// or https:// URL with a host"))
	}
	if p.NodeLabel == "" {
		errs = append(errs, field.Required(path.Child("nodeLabel"), "the label holding the node name"))
	}
	if p.ZoneLabel == "" {
		errs = append(errs, field.Required(path.Child("zoneLabel"), "the label holding the bidding zone"))
	}
	if d := p.Timeout.Duration; d <= 0 || d > refresh {
		errs = append(errs, field.Invalid(path.Child("timeout"), d.String(), "must be positive and at most refreshInterval"))
	}
	return errs
}

// validatePrefix checks the annotation prefix is a DNS subdomain, as the
// prefix part of a Kubernetes annotation key must be.
func validatePrefix(prefix string) string {
	errs := utilvalidation.IsDNS1123Subdomain(prefix)
	if len(errs) == 0 {
		return ""
	}
	return fmt.Sprintf("must be a DNS subdomain such as ecotel.io: %v", errs)
}
