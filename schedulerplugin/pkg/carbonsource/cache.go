package carbonsource

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/klog/v2"

	"github.com/ecotel/ecotel/schedulerplugin/pkg/pluginmetrics"
	"github.com/ecotel/ecotel/schedulerplugin/pkg/signal"
)

// NodeLister lists nodes from an informer cache (no API call).
type NodeLister func() ([]*corev1.Node, error)

// AcquirePluginCache is AcquireCache for a plugin of a scheduler whose
// informers are informerFactory: nodes are listed from its Node informer,
// and the plugins' metrics are registered.
func AcquirePluginCache(informerFactory informers.SharedInformerFactory, a *Args, logger klog.Logger) (*signal.Cache, func(), error) {
	pluginmetrics.Register()
	nodeLister := informerFactory.Core().V1().Nodes().Lister()
	return AcquireCache(informerFactory, a, func() ([]*corev1.Node, error) {
		return nodeLister.List(labels.Everything())
	}, logger)
}

// AcquireCache returns the running cache for defaulted, validated args,
// shared with every other holder of equal args and the same scope (the
// scheduler's informer factory: caches of different factories list
// different nodes). listNodes is used by the annotation source. Call
// release when the plugin stops.
func AcquireCache(scope any, a *Args, listNodes NodeLister, logger klog.Logger) (*signal.Cache, func(), error) {
	key := fmt.Sprintf("%p|%#v", scope, *a)
	cache, release, err := signal.Acquire(key, func() (*signal.Cache, error) {
		src, err := newSource(a, listNodes)
		if err != nil {
			return nil, err
		}
		return signal.NewCache(src, a.RefreshInterval.Duration, pluginmetrics.Observer(), logger), nil
	})
	if err != nil {
		return nil, nil, err
	}
	untrack := pluginmetrics.TrackCacheAge(cache)
	return cache, func() { untrack(); release() }, nil
}

func newSource(a *Args, listNodes NodeLister) (signal.Source, error) {
	switch a.Source {
	case SourceAnnotation:
		return signal.NewAnnotationSource(a.AnnotationPrefix, listNodes), nil
	case SourcePrometheus:
		p := a.Prometheus
		cfg := signal.PrometheusConfig{
			Address:            p.Address,
			NodeQuery:          p.NodeQuery,
			NodeLabel:          p.NodeLabel,
			ZoneLabel:          p.ZoneLabel,
			ZoneIntensityQuery: optionalQuery(p.ZoneIntensityQuery),
			DataAgeQuery:       optionalQuery(p.DataAgeQuery),
			Timeout:            p.Timeout.Duration,
			BearerTokenFile:    p.BearerTokenFile,
			CAFile:             p.TLS.CAFile,
			ServerName:         p.TLS.ServerName,
			InsecureSkipVerify: p.TLS.InsecureSkipVerify,
		}
		return signal.NewPrometheusSource(cfg)
	default:
		return nil, fmt.Errorf("unknown carbon signal source %q", a.Source)
	}
}

func optionalQuery(q string) string {
	if q == disabledQuery {
		return ""
	}
	return q
}
