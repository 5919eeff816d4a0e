package promadapter

import (
	"errors"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
)

// queryTemplateArgs are what a metricsQuery template sees, under the names
// prometheus-adapter gives them.
type queryTemplateArgs struct {
	Series            string
	LabelMatchers     string
	LabelValuesByName map[string]string
	GroupBy           string
	GroupBySlice      []string
}

var (
	errLabelNotSpecified   = errors.New("label not specified")
	errUnsupportedOperator = errors.New("operator not supported")
	errMalformedQuery      = errors.New("malformed query")
	errUnsupportedValues   = errors.New("operator does not support values")
)

// ExternalQuery expands the rule's metricsQuery for an external-metrics
// request exactly as prometheus-adapter's metricsQuery.BuildExternal does:
//
//   - <<.Series>> is the discovered series name;
//   - <<.LabelMatchers>> joins with "," one matcher per requirement of the
//     HPA's metric selector, in the selector's (key-sorted) order, then —
//     unless the rule says `namespaced: false` — the HPA's namespace on the
//     label mapped to namespaces;
//   - <<.GroupBy>> is empty and <<.GroupBySlice>> is an empty slice: external
//     queries have no resource to group by, so rules write their own `by`.
//
// Values are quoted with Go's %q, as the adapter does.
func (c *compiledRule) ExternalQuery(series, namespace string, selector labels.Selector) (string, error) {
	type part struct {
		label    string
		values   []string
		operator selection.Operator
	}
	var parts []part
	if selector != nil {
		reqs, _ := selector.Requirements()
		for _, r := range reqs {
			parts = append(parts, part{r.Key(), r.Values().List(), r.Operator()})
		}
	}
	if c.namespaced && namespace != "" {
		if c.namespaceLabel == "" {
			return "", fmt.Errorf("unable to convert resource namespaces into label: no generic resource label form specified for this metric")
		}
		parts = append(parts, part{c.namespaceLabel, []string{namespace}, selection.Equals})
	}

	var exprs []string
	valuesByName := map[string]string{}
	for _, p := range parts {
		if p.label == "" {
			return "", errLabelNotSpecified
		}
		if p.operator == selection.GreaterThan || p.operator == selection.LessThan {
			return "", errUnsupportedOperator
		}
		match, err := matcherFor(p.operator, len(p.values))
		if err != nil {
			return "", err
		}
		target, err := targetValue(p.operator, p.values)
		if err != nil {
			return "", err
		}
		exprs = append(exprs, match(p.label, target))
		valuesByName[p.label] = strings.Join(p.values, "|")
	}

	var q strings.Builder
	if err := c.query.Execute(&q, queryTemplateArgs{
		Series:            series,
		LabelMatchers:     strings.Join(exprs, ","),
		LabelValuesByName: valuesByName,
		GroupBy:           "",
		GroupBySlice:      []string{},
	}); err != nil {
		return "", err
	}
	if q.Len() == 0 {
		return "", fmt.Errorf("empty query produced by metrics query template")
	}
	return q.String(), nil
}

func labelEq(l, v string) string         { return fmt.Sprintf("%s=%q", l, v) }
func labelNeq(l, v string) string        { return fmt.Sprintf("%s!=%q", l, v) }
func labelMatches(l, v string) string    { return fmt.Sprintf("%s=~%q", l, v) }
func labelNotMatches(l, v string) string { return fmt.Sprintf("%s!~%q", l, v) }

// matcherFor picks the PromQL matcher for a selector operator. Several
// values always become a regular expression (a label has one value).
func matcherFor(op selection.Operator, n int) (func(string, string) string, error) {
	switch {
	case n == 0:
		switch op {
		case selection.Exists:
			return labelNeq, nil
		case selection.DoesNotExist:
			return labelEq, nil
		case selection.Equals, selection.DoubleEquals, selection.NotEquals, selection.In, selection.NotIn:
			return nil, errMalformedQuery
		}
	case n == 1:
		switch op {
		case selection.Equals, selection.DoubleEquals:
			return labelEq, nil
		case selection.NotEquals:
			return labelNeq, nil
		case selection.In, selection.Exists:
			return labelMatches, nil
		case selection.DoesNotExist, selection.NotIn:
			return labelNotMatches, nil
		}
	default:
		switch op {
		case selection.Equals, selection.DoubleEquals, selection.In, selection.Exists:
			return labelMatches, nil
		case selection.NotEquals, selection.DoesNotExist, selection.NotIn:
			return labelNotMatches, nil
		}
	}
	return nil, errors.New("operator not supported by query builder")
}

// targetValue is the matcher's right-hand side: the value (passed through
// even to a regex matcher, as in the adapter) or the values joined by "|".
func targetValue(op selection.Operator, values []string) (string, error) {
	valued := op == selection.Equals || op == selection.DoubleEquals || op == selection.NotEquals ||
		op == selection.In || op == selection.NotIn
	existence := op == selection.Exists || op == selection.DoesNotExist
	switch {
	case len(values) == 0 && existence:
		return "", nil
	case len(values) == 0 && valued:
		return "", errMalformedQuery
	case len(values) > 0 && valued:
		return strings.Join(values, "|"), nil
	case len(values) > 0 && existence:
		return "", errUnsupportedValues
	}
	return "", errors.New("operator not supported by query builder")
}
