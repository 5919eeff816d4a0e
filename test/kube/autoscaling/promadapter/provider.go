package promadapter

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	apierr "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/klog/v2"
	"k8s.io/metrics/pkg/apis/external_metrics"
	"sigs.k8s.io/custom-metrics-apiserver/pkg/provider"

	"github.com/ecotel/ecotel/internal/promapi"
)

// externalProvider serves external metrics from Prometheus as
// prometheus-adapter's externalPrometheusProvider does: a periodic relist
// discovers which series every rule's seriesQuery finds and names them; a
// request expands the named metric's rule and runs it as an instant query.
type externalProvider struct {
	prom     *promapi.Client
	rules    []*compiledRule
	maxAge   time.Duration
	queryLog func(metric, namespace, query string)

	mu      sync.RWMutex
	metrics map[string]discovered // by API metric name
}

type discovered struct {
	series string
	rule   *compiledRule
}

// relist queries /api/v1/series for every distinct seriesQuery over the last
// maxAge and rebuilds the metric registry; on a failed query the previous
// registry stays, as in the adapter.
func (p *externalProvider) relist(ctx context.Context) error {
	bySelector := map[string][]string{} // seriesQuery → series names
	for _, r := range p.rules {
		if _, done := bySelector[r.SeriesQuery]; done {
			continue
		}
		names, err := p.seriesNames(ctx, r.SeriesQuery)
		if err != nil {
			return err
		}
		bySelector[r.SeriesQuery] = names
	}
	metrics := map[string]discovered{}
	for _, r := range p.rules { // a later rule wins a name, as in the adapter
		for _, s := range bySelector[r.SeriesQuery] {
			if !r.keeps(s) {
				continue
			}
			name, err := r.metricName(s)
			if err != nil {
				klog.Errorf("unable to name series %q, skipping: %v", s, err)
				continue
			}
			metrics[name] = discovered{series: s, rule: r}
		}
	}
	p.mu.Lock()
	p.metrics = metrics
	p.mu.Unlock()
	return nil
}

var seriesHTTP = &http.Client{Timeout: 10 * time.Second}

// seriesNames returns the distinct __name__ of the series matching selector.
func (p *externalProvider) seriesNames(ctx context.Context, selector string) ([]string, error) {
	q := url.Values{}
	q.Set("match[]", selector)
	q.Set("start", strconv.FormatInt(time.Now().Add(-p.maxAge).Unix(), 10))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(p.prom.URL, "/")+"/api/v1/series?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := seriesHTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("prometheus series %s: %w", selector, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, err
	}
	var r struct {
		Status string              `json:"status"`
		Error  string              `json:"error"`
		Data   []map[string]string `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("prometheus series %s: %s: %w", selector, resp.Status, err)
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("prometheus series %s: %s", selector, r.Error)
	}
	seen := map[string]bool{}
	var names []string
	for _, s := range r.Data {
		if n := s["__name__"]; n != "" && !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	return names, nil
}

func (p *externalProvider) run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := p.relist(ctx); err != nil && ctx.Err() == nil {
			klog.Errorf("unable to update list of all metrics: %v", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// GetExternalMetric implements provider.ExternalMetricsProvider.
func (p *externalProvider) GetExternalMetric(ctx context.Context, namespace string, selector labels.Selector, info provider.ExternalMetricInfo) (*external_metrics.ExternalMetricValueList, error) {
	p.mu.RLock()
	d, found := p.metrics[info.Metric]
	p.mu.RUnlock()
	if !found {
		gr := schema.GroupResource{}
		if namespace == "default" {
			gr = namespacesResource
		}
		return nil, provider.NewMetricNotFoundError(gr, info.Metric)
	}
	query, err := d.rule.ExternalQuery(d.series, namespace, selector)
	if err != nil {
		klog.Errorf("unable to generate a query for the metric: %v", err)
		return nil, apierr.NewInternalError(fmt.Errorf("unable to fetch metrics"))
	}
	if p.queryLog != nil {
		p.queryLog(info.Metric, namespace, query)
	}
	samples, err := p.prom.Query(ctx, query)
	if err != nil {
		klog.Errorf("unable to fetch metrics from prometheus: %v", err)
		return nil, apierr.NewInternalError(fmt.Errorf("unable to fetch metrics"))
	}
	// Values are truncated to milli-units, as the adapter's metricConverter
	// does (NaN included: the rules must not produce it).
	list := &external_metrics.ExternalMetricValueList{Items: []external_metrics.ExternalMetricValue{}}
	for _, s := range samples {
		list.Items = append(list.Items, external_metrics.ExternalMetricValue{
			MetricName:   info.Metric,
			MetricLabels: s.Labels,
			Timestamp:    metav1.NewTime(s.Time),
			Value:        *resource.NewMilliQuantity(int64(s.Value*1000.0), resource.DecimalSI),
		})
	}
	return list, nil
}

// ListAllExternalMetrics implements provider.ExternalMetricsProvider.
func (p *externalProvider) ListAllExternalMetrics() []provider.ExternalMetricInfo {
	p.mu.RLock()
	defer p.mu.RUnlock()
	out := make([]provider.ExternalMetricInfo, 0, len(p.metrics))
	for name := range p.metrics {
		out = append(out, provider.ExternalMetricInfo{Metric: name})
	}
	return out
}
