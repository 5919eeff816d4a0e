// Package registry loads ecotel's semantic-convention registry (semconv/model)
// — the OpenTelemetry semantic-conventions YAML format restricted to the parts
// ecotel uses — validates it, and renders the generated Go constants and docs.
package registry

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Namespace is the prefix of every name ecotel defines. Names outside it are
// reused from upstream OpenTelemetry conventions.
const Namespace = "eco."

// File is one registry YAML file.
type File struct {
	Groups []Group `yaml:"groups"`
}

// Group is an attribute_group or a metric.
type Group struct {
	ID          string         `yaml:"id"`
	Type        string         `yaml:"type"`
	DisplayName string         `yaml:"display_name"`
	Brief       string         `yaml:"brief"`
	Note        string         `yaml:"note"`
	Stability   string         `yaml:"stability"`
	MetricName  string         `yaml:"metric_name"`
	Instrument  string         `yaml:"instrument"`
	Unit        *string        `yaml:"unit"`
	Attributes  []AttributeRef `yaml:"attributes"`

	// SourceFile is the file the group came from (not part of the YAML).
	SourceFile string `yaml:"-"`
}

// AttributeRef is an entry of a group's attributes: a definition (id) in an
// attribute_group, a reference (ref) with a requirement level in a metric.
type AttributeRef struct {
	ID        string        `yaml:"id"`
	Ref       string        `yaml:"ref"`
	Type      AttributeType `yaml:"type"`
	Stability string        `yaml:"stability"`
	Brief     string        `yaml:"brief"`
	Note      string        `yaml:"note"`
	Examples  any           `yaml:"examples"`

	Requirement Requirement `yaml:"requirement_level"`
}

// AttributeType is either a primitive type name or an enum with members.
type AttributeType struct {
	Primitive string
	Members   []EnumMember
}

// EnumMember is one allowed value of an enum attribute.
type EnumMember struct {
	ID    string `yaml:"id"`
	Value string `yaml:"value"`
	Brief string `yaml:"brief"`
}

// UnmarshalYAML accepts `type: string` and `type: {members: [...]}`.
func (t *AttributeType) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		return n.Decode(&t.Primitive)
	}
	var enum struct {
		Members []EnumMember `yaml:"members"`
	}
	if err := n.Decode(&enum); err != nil {
		return err
	}
	t.Primitive = "string"
	t.Members = enum.Members
	return nil
}

// Requirement is a requirement level, with the condition for
// conditionally_required.
type Requirement struct {
	Level     string
	Condition string
}

// Requirement levels of the OpenTelemetry semantic conventions.
const (
	Required              = "required"
	ConditionallyRequired = "conditionally_required"
	Recommended           = "recommended"
	OptIn                 = "opt_in"
)

// UnmarshalYAML accepts `required` and `{conditionally_required: "why"}`.
func (r *Requirement) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		return n.Decode(&r.Level)
	}
	var m map[string]string
	if err := n.Decode(&m); err != nil {
		return err
	}
	if len(m) != 1 {
		return fmt.Errorf("line %d: requirement_level map must have exactly one key", n.Line)
	}
	for k, v := range m {
		r.Level, r.Condition = k, v
	}
	return nil
}

// Attribute is a validated attribute definition.
type Attribute struct {
	Key       string
	Type      string
	Members   []EnumMember
	Stability string
	Brief     string
	Note      string
	Examples  []string
	Group     string
}

// Upstream reports whether the attribute is reused from OpenTelemetry.
func (a Attribute) Upstream() bool { return !strings.HasPrefix(a.Key, Namespace) }

// Metric is a validated metric definition.
type Metric struct {
	Name       string
	Instrument string
	Unit       string
	Stability  string
	Brief      string
	Note       string
	Attributes []MetricAttribute
	// PrometheusName is the name the collector's Prometheus exporter gives the
	// metric with its default settings (unit and type suffixes, no namespace).
	PrometheusName string
	Group          string
}

// Upstream reports whether the metric is reused from OpenTelemetry.
func (m Metric) Upstream() bool { return !strings.HasPrefix(m.Name, Namespace) }

// MetricAttribute is an attribute a metric carries, with its requirement.
type MetricAttribute struct {
	Key         string
	Requirement Requirement
}

// Registry is the whole validated model.
type Registry struct {
	Groups     []Group // in file order, files sorted by name
	Attributes map[string]Attribute
	Metrics    map[string]Metric
}

// Load reads every *.yaml file in dir and validates the result.
func Load(dir string) (*Registry, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no *.yaml files in %s", dir)
	}
	sort.Strings(paths)
	var groups []Group
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var f File
		dec := yaml.NewDecoder(strings.NewReader(string(data)))
		dec.KnownFields(true)
		if err := dec.Decode(&f); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		for i := range f.Groups {
			f.Groups[i].SourceFile = filepath.Base(p)
		}
		groups = append(groups, f.Groups...)
	}
	return build(groups)
}

var instruments = map[string]bool{"gauge": true, "counter": true, "updowncounter": true, "histogram": true}
var stabilities = map[string]bool{"development": true, "alpha": true, "beta": true, "release_candidate": true, "stable": true}
var levels = map[string]bool{Required: true, ConditionallyRequired: true, Recommended: true, OptIn: true}
var primitives = map[string]bool{"string": true, "int": true, "double": true, "boolean": true}

func build(groups []Group) (*Registry, error) {
	r := &Registry{Groups: groups, Attributes: map[string]Attribute{}, Metrics: map[string]Metric{}}
	var errs []error
	fail := func(g Group, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: group %q: %s", g.SourceFile, g.ID, fmt.Sprintf(format, args...)))
	}
	ids := map[string]bool{}
	for _, g := range groups {
		if g.ID == "" {
			fail(g, "missing id")
		}
		if ids[g.ID] {
			fail(g, "duplicate group id")
		}
		ids[g.ID] = true
		if strings.TrimSpace(g.Brief) == "" {
			fail(g, "missing brief")
		}
		if g.Type != "attribute_group" {
			continue
		}
		for _, a := range g.Attributes {
			switch {
			case a.ID == "":
				fail(g, "attribute without id (attribute groups define attributes; only metrics use ref)")
				continue
			case !primitives[a.Type.Primitive]:
				fail(g, "attribute %q: type %q is not one of string, int, double, boolean or an enum", a.ID, a.Type.Primitive)
			case !stabilities[a.Stability]:
				fail(g, "attribute %q: stability %q is not a known level", a.ID, a.Stability)
			case strings.TrimSpace(a.Brief) == "":
				fail(g, "attribute %q: missing brief", a.ID)
			}
			if _, dup := r.Attributes[a.ID]; dup {
				fail(g, "attribute %q defined twice", a.ID)
			}
			if strings.HasPrefix(a.ID, Namespace) != strings.HasPrefix(g.ID, "registry.eco.") {
				fail(g, "attribute %q: eco.* names belong in registry.eco.* groups, upstream names in registry.upstream.* groups", a.ID)
			}
			r.Attributes[a.ID] = Attribute{
				Key: a.ID, Type: a.Type.Primitive, Members: a.Type.Members, Stability: a.Stability,
				Brief: oneLine(a.Brief), Note: oneLine(a.Note), Examples: examples(a.Examples), Group: g.ID,
			}
		}
	}
	for _, g := range groups {
		switch g.Type {
		case "attribute_group":
		case "metric":
			m := Metric{Name: g.MetricName, Instrument: g.Instrument, Stability: g.Stability,
				Brief: oneLine(g.Brief), Note: oneLine(g.Note), Group: g.ID}
			if g.Unit == nil {
				fail(g, "metric needs a unit (use \"1\" for dimensionless, {thing} for counts)")
			} else {
				m.Unit = *g.Unit
			}
			switch {
			case m.Name == "":
				fail(g, "metric without metric_name")
			case g.ID != "metric."+m.Name:
				fail(g, "metric group id must be %q", "metric."+m.Name)
			case !instruments[m.Instrument]:
				fail(g, "instrument %q is not gauge, counter, updowncounter or histogram", m.Instrument)
			case !stabilities[m.Stability]:
				fail(g, "stability %q is not a known level", m.Stability)
			}
			seen := map[string]bool{}
			for _, a := range g.Attributes {
				if a.Ref == "" {
					fail(g, "metric attributes must be refs to attribute_group definitions")
					continue
				}
				if _, ok := r.Attributes[a.Ref]; !ok {
					fail(g, "attribute ref %q is not defined in any attribute_group", a.Ref)
				}
				if !levels[a.Requirement.Level] {
					fail(g, "attribute %q: requirement_level %q is not one of required, conditionally_required, recommended, opt_in", a.Ref, a.Requirement.Level)
				}
				if seen[a.Ref] {
					fail(g, "attribute %q listed twice", a.Ref)
				}
				seen[a.Ref] = true
				m.Attributes = append(m.Attributes, MetricAttribute{Key: a.Ref, Requirement: a.Requirement})
			}
			if _, dup := r.Metrics[m.Name]; dup {
				fail(g, "metric %q defined twice", m.Name)
			}
			m.PrometheusName = PrometheusName(m)
			r.Metrics[m.Name] = m
		default:
			fail(g, "type %q is not attribute_group or metric", g.Type)
		}
	}
	errs = append(errs, checkNamespaces(r)...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return r, nil
}

// checkNamespaces enforces the semantic-conventions rule that a name is never
// also the namespace of another name (`eco.sci` and `eco.sci.energy` cannot
// both be metrics), for metrics and attributes alike.
func checkNamespaces(r *Registry) []error {
	var errs []error
	check := func(kind string, names []string) {
		set := map[string]bool{}
		for _, n := range names {
			set[n] = true
		}
		for _, n := range names {
			for i := strings.IndexByte(n, '.'); i >= 0; {
				if set[n[:i]] {
					errs = append(errs, fmt.Errorf("%s %q is also used as the namespace of %q", kind, n[:i], n))
				}
				j := strings.IndexByte(n[i+1:], '.')
				if j < 0 {
					break
				}
				i += j + 1
			}
		}
	}
	check("metric", keys(r.Metrics))
	check("attribute", keys(r.Attributes))
	return errs
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func examples(v any) []string {
	list, ok := v.([]any)
	if !ok {
		if v == nil {
			return nil
		}
		list = []any{v}
	}
	out := make([]string, 0, len(list))
	for _, e := range list {
		out = append(out, fmt.Sprint(e))
	}
	return out
}
