package promadapter

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"text/template"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

// Rule is one prometheus-adapter discovery rule, in the shape of its config
// file's `externalRules` entries (the Helm chart's `rules.external`).
type Rule struct {
	SeriesQuery   string          `json:"seriesQuery"`
	SeriesFilters []RegexFilter   `json:"seriesFilters,omitempty"`
	Resources     ResourceMapping `json:"resources"`
	Name          NameMapping     `json:"name"`
	MetricsQuery  string          `json:"metricsQuery"`
}

// RegexFilter keeps (Is) or drops (IsNot) series whose name matches.
type RegexFilter struct {
	Is    string `json:"is,omitempty"`
	IsNot string `json:"isNot,omitempty"`
}

// ResourceMapping maps Prometheus labels to Kubernetes resources. For
// external rules only the namespace matters: when Namespaced is unset or
// true, the requesting HPA's namespace is added to the label matchers under
// the label that maps to namespaces.
type ResourceMapping struct {
	Template   string                   `json:"template,omitempty"`
	Overrides  map[string]GroupResource `json:"overrides,omitempty"`
	Namespaced *bool                    `json:"namespaced,omitempty"`
}

// GroupResource names a Kubernetes resource.
type GroupResource struct {
	Group    string `json:"group,omitempty"`
	Resource string `json:"resource"`
}

// NameMapping turns a series name into the metric name served by the API.
type NameMapping struct {
	Matches string `json:"matches,omitempty"`
	As      string `json:"as,omitempty"`
}

// LoadHelmValues reads the external rules from a prometheus-adapter Helm
// values file (chart prometheus-community/prometheus-adapter, key
// rules.external, which the chart writes to the adapter's externalRules).
// Fields the real adapter knows but this stand-in does not implement are
// refused rather than ignored.
func LoadHelmValues(path string) ([]Rule, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var values struct {
		Rules struct {
			External []any `json:"external"`
		} `json:"rules"`
	}
	if err := yaml.Unmarshal(raw, &values); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	// Re-decode the rules strictly, so a misspelt field fails the test.
	rulesYAML, err := yaml.Marshal(values.Rules.External)
	if err != nil {
		return nil, err
	}
	var rules []Rule
	if err := yaml.UnmarshalStrict(rulesYAML, &rules); err != nil {
		return nil, fmt.Errorf("%s: rules.external: %w", path, err)
	}
	if len(rules) == 0 {
		return nil, fmt.Errorf("%s: no rules.external", path)
	}
	return rules, nil
}

// namespacesResource is what prometheus-adapter calls NsGroupResource.
var namespacesResource = schema.GroupResource{Resource: "namespaces"}

// compiledRule is a Rule ready to name series and build queries, as
// prometheus-adapter's naming.NamersFromConfig prepares it.
type compiledRule struct {
	Rule
	seriesFilters []regexFilter
	nameMatches   *regexp.Regexp
	nameAs        string
	query         *template.Template
	namespaced    bool
	// namespaceLabel is the label the HPA's namespace is matched on, or ""
	// when the rule maps no label to namespaces (then a namespaced query
	// fails, as in the adapter).
	namespaceLabel string
}

type regexFilter struct {
	re       *regexp.Regexp
	positive bool
}

func compileRules(rules []Rule, mapper apimeta.RESTMapper) ([]*compiledRule, error) {
	out := make([]*compiledRule, 0, len(rules))
	for i, r := range rules {
		c, err := compileRule(r, mapper)
		if err != nil {
			return nil, fmt.Errorf("rule %d (seriesQuery %q): %w", i, r.SeriesQuery, err)
		}
		out = append(out, c)
	}
	return out, nil
}

func compileRule(r Rule, mapper apimeta.RESTMapper) (*compiledRule, error) {
	c := &compiledRule{Rule: r, namespaced: true}
	if r.Resources.Namespaced != nil {
		c.namespaced = *r.Resources.Namespaced
	}
	tmpl, err := template.New("metrics-query").Delims("<<", ">>").Parse(r.MetricsQuery)
	if err != nil {
		return nil, fmt.Errorf("unable to parse metrics query template %q: %w", r.MetricsQuery, err)
	}
	c.query = tmpl
	for _, f := range r.SeriesFilters {
		rf, err := newRegexFilter(f)
		if err != nil {
			return nil, err
		}
		c.seriesFilters = append(c.seriesFilters, rf)
	}
	c.nameMatches = regexp.MustCompile(".*")
	if r.Name.Matches != "" {
		if c.nameMatches, err = regexp.Compile(r.Name.Matches); err != nil {
			return nil, fmt.Errorf("unable to compile series name match expression %q: %w", r.Name.Matches, err)
		}
		// The adapter also keeps only series whose name matches.
		c.seriesFilters = append(c.seriesFilters, regexFilter{re: c.nameMatches, positive: true})
	}
	c.nameAs = r.Name.As
	if c.nameAs == "" {
		switch len(c.nameMatches.SubexpNames()) {
		case 1:
			c.nameAs = "$0"
		case 2:
			c.nameAs = "$1"
		default:
			return nil, fmt.Errorf("must specify an 'as' value for name matcher %q", r.Name.Matches)
		}
	}
	if c.namespaceLabel, err = namespaceLabel(r.Resources, mapper); err != nil {
		return nil, err
	}
	return c, nil
}

func newRegexFilter(f RegexFilter) (regexFilter, error) {
	switch {
	case f.Is != "" && f.IsNot != "":
		return regexFilter{}, fmt.Errorf("cannot have both an `is` (%q) and `isNot` (%q) expression in a single filter", f.Is, f.IsNot)
	case f.Is == "" && f.IsNot == "":
		return regexFilter{}, fmt.Errorf("must have either an `is` or `isNot` expression in a filter")
	}
	expr, positive := f.Is, true
	if expr == "" {
		expr, positive = f.IsNot, false
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return regexFilter{}, fmt.Errorf("unable to compile series filter %q: %w", expr, err)
	}
	return regexFilter{re: re, positive: positive}, nil
}

// namespaceLabel finds the label mapped to namespaces: an override whose
// resource normalizes (through the API server's discovery, as in the
// adapter) to core/namespaces, else the template rendered for namespaces.
func namespaceLabel(m ResourceMapping, mapper apimeta.RESTMapper) (string, error) {
	for label, gr := range m.Overrides {
		gvr, err := mapper.ResourceFor(schema.GroupVersionResource{Group: gr.Group, Resource: gr.Resource})
		if err != nil {
			return "", fmt.Errorf("unable to normalize group-resource %v: %w", gr, err)
		}
		if gvr.GroupResource() == namespacesResource {
			return label, nil
		}
	}
	if m.Template == "" {
		return "", nil
	}
	tmpl, err := template.New("resource-label").Delims("<<", ">>").Parse(m.Template)
	if err != nil {
		return "", fmt.Errorf("unable to parse label template %q: %w", m.Template, err)
	}
	singular, err := mapper.ResourceSingularizer(namespacesResource.Resource)
	if err != nil {
		return "", err
	}
	var label strings.Builder
	if err := tmpl.Execute(&label, schema.GroupResource{Group: "", Resource: singular}); err != nil {
		return "", err
	}
	return label.String(), nil
}

// keeps reports whether the rule's filters keep a series of this name.
func (c *compiledRule) keeps(seriesName string) bool {
	for _, f := range c.seriesFilters {
		if f.re.MatchString(seriesName) != f.positive {
			return false
		}
	}
	return true
}

// metricName is the API name of a series.
func (c *compiledRule) metricName(seriesName string) (string, error) {
	m := c.nameMatches.FindStringSubmatchIndex(seriesName)
	if m == nil {
		return "", fmt.Errorf("series name %q did not match expected pattern %q", seriesName, c.nameMatches)
	}
	return string(c.nameMatches.ExpandString(nil, c.nameAs, seriesName, m)), nil
}
