package matching

import (
	"strings"
	"testing"

	"github.com/ecotel/ecotel/semconv"
)

var known = map[string]bool{"aws-m5": true, "gcp-n2": true, "rack": true, "gpu-box": true, "fallback": true, "special": true}

func exists(p string) bool { return known[p] }

func newMatcher(t *testing.T, sets ...RuleSet) *Matcher {
	t.Helper()
	m, err := New(sets, "fallback", exists)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMatchOrder(t *testing.T) {
	config := RuleSet{Origin: "config", Rules: []Rule{
		{Profile: "gpu-box", Selector: "accelerator in (nvidia-a100,nvidia-h100)"},
		{Profile: "special", NodeName: "paris-m5-9"},
	}}
	catalog := RuleSet{Origin: "catalog", Rules: []Rule{
		{Profile: "aws-m5", Labels: map[string]string{"node.kubernetes.io/instance-type": "m5.*"}},
		{Profile: "gcp-n2", Labels: map[string]string{"node.kubernetes.io/instance-type": "n2-standard-*", "topology.kubernetes.io/region": "europe-*"}},
		{Profile: "rack", NodeName: "*-rack-*"},
	}}
	m := newMatcher(t, config, catalog)
	cases := []struct {
		name        string
		node        string
		labels      map[string]string
		annotations map[string]string
		profile     string
		method      string
		rule        string
		invalid     string
	}{
		{name: "label glob", node: "paris-m5-1", labels: map[string]string{"node.kubernetes.io/instance-type": "m5.2xlarge"},
			profile: "aws-m5", method: semconv.AttrHardwareMatchRule, rule: "catalog: rules[0]"},
		{name: "glob does not match other family", node: "x", labels: map[string]string{"node.kubernetes.io/instance-type": "m5d.large"},
			profile: "fallback", method: semconv.AttrHardwareMatchFallback},
		{name: "all label criteria must hold", node: "x", labels: map[string]string{"node.kubernetes.io/instance-type": "n2-standard-8", "topology.kubernetes.io/region": "us-east4"},
			profile: "fallback", method: semconv.AttrHardwareMatchFallback},
		{name: "two label criteria", node: "x", labels: map[string]string{"node.kubernetes.io/instance-type": "n2-standard-8", "topology.kubernetes.io/region": "europe-west3"},
			profile: "gcp-n2", method: semconv.AttrHardwareMatchRule, rule: "catalog: rules[1]"},
		{name: "name glob", node: "malmo-rack-1", profile: "rack", method: semconv.AttrHardwareMatchRule, rule: "catalog: rules[2]"},
		{name: "config rule before catalog rule", node: "paris-m5-9", labels: map[string]string{"node.kubernetes.io/instance-type": "m5.large"},
			profile: "special", method: semconv.AttrHardwareMatchRule, rule: "config: rules[1]"},
		{name: "set-based selector", node: "g1", labels: map[string]string{"accelerator": "nvidia-h100"},
			profile: "gpu-box", method: semconv.AttrHardwareMatchRule, rule: "config: rules[0]"},
		{name: "annotation beats every rule", node: "malmo-rack-1", annotations: map[string]string{ProfileAnnotation: "gpu-box"},
			profile: "gpu-box", method: semconv.AttrHardwareMatchAnnotation, rule: ProfileAnnotation},
		{name: "annotation with spaces", node: "x", annotations: map[string]string{ProfileAnnotation: " special "},
			profile: "special", method: semconv.AttrHardwareMatchAnnotation},
		{name: "unknown annotation falls through to rules", node: "malmo-rack-1", annotations: map[string]string{ProfileAnnotation: "nope"},
			profile: "rack", method: semconv.AttrHardwareMatchRule, invalid: "nope"},
		{name: "unknown annotation falls through to fallback", node: "x", annotations: map[string]string{ProfileAnnotation: "nope"},
			profile: "fallback", method: semconv.AttrHardwareMatchFallback, invalid: "nope"},
		{name: "fallback", node: "laptop", profile: "fallback", method: semconv.AttrHardwareMatchFallback},
		{name: "label must exist for a * glob", node: "x", labels: map[string]string{}, profile: "fallback", method: semconv.AttrHardwareMatchFallback},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := m.Match(tc.node, tc.labels, tc.annotations)
			if r.Profile != tc.profile || r.Method != tc.method || r.InvalidAnnotation != tc.invalid {
				t.Errorf("got %+v, want profile %s method %s invalid %q", r, tc.profile, tc.method, tc.invalid)
			}
			if tc.rule != "" && !strings.Contains(r.Rule, tc.rule) {
				t.Errorf("rule %q does not name %q", r.Rule, tc.rule)
			}
		})
	}
}

func TestNewRejectsBadRules(t *testing.T) {
	cases := []struct {
		name     string
		rules    []Rule
		fallback string
		want     string
	}{
		{"unknown profile", []Rule{{Profile: "nope", NodeName: "x"}}, "fallback", `config: rules[0]: profile "nope" is not in the catalog`},
		{"no criteria", []Rule{{Profile: "rack"}}, "fallback", "config: rules[0]: set at least one of"},
		{"bad label glob", []Rule{{Profile: "rack", Labels: map[string]string{"k": "[a-"}}}, "fallback", "labels[k]"},
		{"bad selector", []Rule{{Profile: "rack", Selector: "!!"}}, "fallback", "selector:"},
		{"unknown fallback", nil, "nope", `fallback_profile "nope" is not in the catalog`},
		{"no fallback", nil, "", "fallback_profile is required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New([]RuleSet{{Origin: "config", Rules: tc.rules}}, tc.fallback, exists)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want error containing %q", err, tc.want)
			}
		})
	}
}

func TestRuleString(t *testing.T) {
	r := Rule{Profile: "p", NodeName: "n-*", Labels: map[string]string{"b": "2", "a": "1"}, Selector: "x=y"}
	if got, want := r.String(), "p ← node_name=n-*,a=1,b=2,selector=x=y"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
}
