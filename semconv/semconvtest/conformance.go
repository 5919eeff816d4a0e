// Package semconvtest checks that what a component emits, or declares in its
// metadata.yaml, conforms to ecotel's semantic-convention registry. Component
// tests call it on their outputs so a renamed metric, a wrong unit or a missing
// join attribute fails the component's own tests, not a dashboard weeks later.
package semconvtest

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.yaml.in/yaml/v3"

	"github.com/ecotel/ecotel/semconv"
)

// CheckMetrics returns every way md departs from the registry: unknown metric
// names, wrong units or instruments, required attributes missing (from both the
// resource and the datapoint), eco.* attributes a metric does not declare, and
// enum attributes with values outside their enum. Non-eco resource attributes
// (service.name, …) are allowed; so are metrics outside the registry whose
// names are listed in allowForeign (e.g. passed-through inputs).
func CheckMetrics(md pmetric.Metrics, allowForeign ...string) error {
	var errs []error
	rms := md.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		rm := rms.At(i)
		res := rm.Resource().Attributes()
		sms := rm.ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			ms := sms.At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				m := ms.At(k)
				def, ok := semconv.Metrics[m.Name()]
				if !ok {
					if !slices.Contains(allowForeign, m.Name()) {
						errs = append(errs, fmt.Errorf("metric %q is not in the semconv registry", m.Name()))
					}
					continue
				}
				errs = append(errs, checkMetric(def, m, res)...)
			}
		}
	}
	return errors.Join(dedupe(errs)...)
}

func checkMetric(def semconv.MetricDef, m pmetric.Metric, res pcommon.Map) []error {
	var errs []error
	if m.Unit() != def.Unit {
		errs = append(errs, fmt.Errorf("metric %q: unit %q, registry says %q", def.Name, m.Unit(), def.Unit))
	}
	var points []pcommon.Map
	switch def.Instrument {
	case semconv.InstrumentGauge:
		if m.Type() != pmetric.MetricTypeGauge {
			errs = append(errs, fmt.Errorf("metric %q: type %s, registry says gauge", def.Name, m.Type()))
			return errs
		}
		dps := m.Gauge().DataPoints()
		for i := 0; i < dps.Len(); i++ {
			points = append(points, dps.At(i).Attributes())
		}
	case semconv.InstrumentCounter, semconv.InstrumentUpdowncounter:
		if m.Type() != pmetric.MetricTypeSum {
			errs = append(errs, fmt.Errorf("metric %q: type %s, registry says %s (a Sum)", def.Name, m.Type(), def.Instrument))
			return errs
		}
		if mono := def.Instrument == semconv.InstrumentCounter; m.Sum().IsMonotonic() != mono {
			errs = append(errs, fmt.Errorf("metric %q: monotonic=%v, registry says %s", def.Name, m.Sum().IsMonotonic(), def.Instrument))
		}
		dps := m.Sum().DataPoints()
		for i := 0; i < dps.Len(); i++ {
			points = append(points, dps.At(i).Attributes())
		}
	case semconv.InstrumentHistogram:
		if m.Type() != pmetric.MetricTypeHistogram {
			errs = append(errs, fmt.Errorf("metric %q: type %s, registry says histogram", def.Name, m.Type()))
			return errs
		}
		dps := m.Histogram().DataPoints()
		for i := 0; i < dps.Len(); i++ {
			points = append(points, dps.At(i).Attributes())
		}
	}
	declared := map[string]bool{}
	for _, a := range def.Attributes {
		declared[a.Key] = true
	}
	for _, attrs := range points {
		for _, a := range def.Attributes {
			if a.Level != semconv.LevelRequired {
				continue
			}
			if _, ok := attrs.Get(a.Key); ok {
				continue
			}
			if _, ok := res.Get(a.Key); !ok {
				errs = append(errs, fmt.Errorf("metric %q: required attribute %q missing from datapoint and resource", def.Name, a.Key))
			}
		}
		attrs.Range(func(k string, v pcommon.Value) bool {
			if !declared[k] {
				errs = append(errs, fmt.Errorf("metric %q: datapoint attribute %q is not declared for it in the registry", def.Name, k))
			}
			errs = append(errs, checkValue(def.Name, k, v)...)
			return true
		})
	}
	// Resource attributes describe the entity (node, pod, zone) and are shared
	// by all its metrics, so they need only be known, not declared per metric.
	res.Range(func(k string, v pcommon.Value) bool {
		if _, known := semconv.Attributes[k]; !known && strings.HasPrefix(k, "eco.") {
			errs = append(errs, fmt.Errorf("metric %q: resource attribute %q is not in the semconv registry", def.Name, k))
		}
		errs = append(errs, checkValue(def.Name, k, v)...)
		return true
	})
	return errs
}

func checkValue(metric, key string, v pcommon.Value) []error {
	def, ok := semconv.Attributes[key]
	if !ok || len(def.Values) == 0 {
		return nil
	}
	if !slices.Contains(def.Values, v.AsString()) {
		return []error{fmt.Errorf("metric %q: attribute %q=%q is not one of %v", metric, key, v.AsString(), def.Values)}
	}
	return nil
}

func dedupe(errs []error) []error {
	seen := map[string]bool{}
	out := errs[:0]
	for _, e := range errs {
		if e == nil || seen[e.Error()] {
			continue
		}
		seen[e.Error()] = true
		out = append(out, e)
	}
	return out
}

// metadataFile is the part of an mdatagen metadata.yaml that names metrics.
type metadataFile struct {
	Attributes map[string]struct {
		NameOverride string `yaml:"name_override"`
	} `yaml:"attributes"`
	ResourceAttributes map[string]any `yaml:"resource_attributes"`
	Metrics            map[string]struct {
		Unit  string    `yaml:"unit"`
		Gauge *struct{} `yaml:"gauge"`
		Sum   *struct {
			Monotonic bool `yaml:"monotonic"`
		} `yaml:"sum"`
		Attributes []string `yaml:"attributes"`
	} `yaml:"metrics"`
}

// CheckMetadataFile checks that every metric a component's metadata.yaml
// declares is in the registry with the same unit, instrument and attributes
// (after name_override), and that its resource attributes are known.
func CheckMetadataFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var f metadataFile
	if err := yaml.Unmarshal(data, &f); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	var errs []error
	for name, m := range f.Metrics {
		def, ok := semconv.Metrics[name]
		if !ok {
			errs = append(errs, fmt.Errorf("%s: metric %q is not in the semconv registry", path, name))
			continue
		}
		if m.Unit != def.Unit {
			errs = append(errs, fmt.Errorf("%s: metric %q: unit %q, registry says %q", path, name, m.Unit, def.Unit))
		}
		switch {
		case def.Instrument == semconv.InstrumentGauge && m.Gauge == nil,
			def.Instrument == semconv.InstrumentCounter && (m.Sum == nil || !m.Sum.Monotonic),
			def.Instrument == semconv.InstrumentUpdowncounter && (m.Sum == nil || m.Sum.Monotonic):
			errs = append(errs, fmt.Errorf("%s: metric %q: instrument differs from registry's %s", path, name, def.Instrument))
		}
		for _, a := range m.Attributes {
			key := a
			if o := f.Attributes[a].NameOverride; o != "" {
				key = o
			}
			if !slices.ContainsFunc(def.Attributes, func(r semconv.AttributeReq) bool { return r.Key == key }) {
				errs = append(errs, fmt.Errorf("%s: metric %q: attribute %q is not declared for it in the registry", path, name, key))
			}
		}
	}
	for key := range f.ResourceAttributes {
		if _, ok := semconv.Attributes[key]; !ok {
			errs = append(errs, fmt.Errorf("%s: resource attribute %q is not in the semconv registry", path, key))
		}
	}
	return errors.Join(errs...)
}
