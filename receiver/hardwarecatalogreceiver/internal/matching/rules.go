// Package matching decides which hardware profile describes a node: an
// explicit per-node annotation first, then ordered rules (label selectors,
// label-value globs, node-name globs) where the first match wins, then a
// fallback profile. It knows nothing about what a profile contains.
package matching

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/ecotel/ecotel/semconv"
)

// ProfileAnnotation names a node's hardware profile explicitly; it overrides
// every rule.
const ProfileAnnotation = "ecotel.io/hardware-profile"

// Rule selects nodes for a profile. All criteria that are set must match
// (logical AND); a rule must set at least one.
type Rule struct {
	// Profile is the hardware profile the matching nodes get.
	Profile string `mapstructure:"profile" yaml:"profile"`
	// NodeName is a glob on the node's name (path.Match syntax: *, ?, [a-z]).
	NodeName string `mapstructure:"node_name" yaml:"node_name,omitempty"`
	// Labels maps a label key to a glob on its value, e.g.
	// node.kubernetes.io/instance-type: "m5.*". The label must exist.
	Labels map[string]string `mapstructure:"labels" yaml:"labels,omitempty"`
	// Selector is a Kubernetes label selector
	// ("node.kubernetes.io/instance-type in (m5.large,m5.xlarge),!gpu").
	Selector string `mapstructure:"selector" yaml:"selector,omitempty"`
}

// Validate checks the rule's syntax. It does not check that the profile
// exists (the caller knows the catalog).
func (r Rule) Validate() error {
	var errs []error
	if r.Profile == "" {
		errs = append(errs, errors.New("profile is required (the name of a catalog profile)"))
	}
	if r.NodeName == "" && len(r.Labels) == 0 && r.Selector == "" {
		errs = append(errs, errors.New("set at least one of node_name, labels, selector (a rule matching every node is what fallback_profile is for)"))
	}
	if r.NodeName != "" {
		if _, err := path.Match(r.NodeName, ""); err != nil {
			errs = append(errs, fmt.Errorf("node_name: %q is not a valid glob (use *, ? and [a-z])", r.NodeName))
		}
	}
	for _, k := range sortedKeys(r.Labels) {
		if k == "" {
			errs = append(errs, errors.New("labels: empty label key"))
		}
		if _, err := path.Match(r.Labels[k], ""); err != nil {
			errs = append(errs, fmt.Errorf("labels[%s]: %q is not a valid glob (use *, ? and [a-z])", k, r.Labels[k]))
		}
	}
	if r.Selector != "" {
		if _, err := labels.Parse(r.Selector); err != nil {
			errs = append(errs, fmt.Errorf("selector: %w (Kubernetes label selector syntax, e.g. \"tier=gpu,zone in (a,b)\")", err))
		}
	}
	return errors.Join(errs...)
}

// String describes the rule for logs and errors.
func (r Rule) String() string {
	var parts []string
	if r.NodeName != "" {
		parts = append(parts, "node_name="+r.NodeName)
	}
	for _, k := range sortedKeys(r.Labels) {
		parts = append(parts, k+"="+r.Labels[k])
	}
	if r.Selector != "" {
		parts = append(parts, "selector="+r.Selector)
	}
	return r.Profile + " ← " + strings.Join(parts, ",")
}

type compiledRule struct {
	Rule
	selector labels.Selector // nil when Selector is empty
	origin   string
}

func (c compiledRule) matches(name string, nodeLabels map[string]string) bool {
	if c.NodeName != "" {
		if ok, _ := path.Match(c.NodeName, name); !ok {
			return false
		}
	}
	for k, pattern := range c.Labels {
		v, ok := nodeLabels[k]
		if !ok {
			return false
		}
		if m, _ := path.Match(pattern, v); !m {
			return false
		}
	}
	if c.selector != nil && !c.selector.Matches(labels.Set(nodeLabels)) {
		return false
	}
	return true
}

// RuleSet is an ordered list of rules from one origin (the receiver config, a
// catalog file, the built-in catalog), named for diagnostics.
type RuleSet struct {
	Origin string
	Rules  []Rule
}

// Matcher applies the annotation override, the rules in order, and the
// fallback. It is immutable and safe for concurrent use.
type Matcher struct {
	rules    []compiledRule
	fallback string
	exists   func(profile string) bool
}

// Result says which profile a node gets and why.
type Result struct {
	Profile string
	// Method is one of semconv.AttrHardwareMatch* (annotation, rule, fallback).
	Method string
	// Rule describes the matching rule (Method rule) and where it came from.
	Rule string
	// InvalidAnnotation holds the annotation's value when it named an unknown
	// profile and was ignored; empty otherwise.
	InvalidAnnotation string
}

// New compiles rule sets, in order of precedence, into a Matcher. exists
// reports whether a profile name is known; rules naming unknown profiles and
// an unknown fallback are errors that name the rule and the fix.
func New(sets []RuleSet, fallback string, exists func(string) bool) (*Matcher, error) {
	m := &Matcher{fallback: fallback, exists: exists}
	var errs []error
	for _, set := range sets {
		for i, r := range set.Rules {
			where := fmt.Sprintf("%s: rules[%d]", set.Origin, i)
			if err := r.Validate(); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", where, err))
				continue
			}
			if !exists(r.Profile) {
				errs = append(errs, fmt.Errorf("%s: profile %q is not in the catalog (define it in a catalog file, or fix the name)", where, r.Profile))
				continue
			}
			c := compiledRule{Rule: r, origin: where}
			if r.Selector != "" {
				c.selector, _ = labels.Parse(r.Selector) // validated above
			}
			m.rules = append(m.rules, c)
		}
	}
	if fallback == "" {
		errs = append(errs, errors.New("fallback_profile is required (e.g. generic-rack-server)"))
	} else if !exists(fallback) {
		errs = append(errs, fmt.Errorf("fallback_profile %q is not in the catalog (e.g. use generic-rack-server from the built-in catalog)", fallback))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return m, nil
}

// Match returns the profile for a node given its name, labels and annotations.
func (m *Matcher) Match(name string, nodeLabels, annotations map[string]string) Result {
	var invalid string
	if p := strings.TrimSpace(annotations[ProfileAnnotation]); p != "" {
		if m.exists(p) {
			return Result{Profile: p, Method: semconv.AttrHardwareMatchAnnotation, Rule: ProfileAnnotation}
		}
		invalid = p
	}
	for _, r := range m.rules {
		if r.matches(name, nodeLabels) {
			return Result{Profile: r.Profile, Method: semconv.AttrHardwareMatchRule, Rule: r.origin + " (" + r.String() + ")", InvalidAnnotation: invalid}
		}
	}
	return Result{Profile: m.fallback, Method: semconv.AttrHardwareMatchFallback, InvalidAnnotation: invalid}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
