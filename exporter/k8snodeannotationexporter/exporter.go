package k8snodeannotationexporter

import (
	"context"
	"encoding/json"
	"math"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/ecotel/ecotel/exporter/k8snodeannotationexporter/internal/metadata"
	"github.com/ecotel/ecotel/internal/ratelog"
	"github.com/ecotel/ecotel/semconv"
)

// nodeValues are the latest values seen for one node.
type nodeValues struct {
	carbonPerVCPU    float64 // g per vCPU-hour
	zone             string
	intensityGPerKWh float64
	hasIntensity     bool
	sci              float64
	sciUnit          string
	hasSCI           bool
	updated          time.Time // timestamp of the ranking signal
}

type nodeState struct {
	latest      nodeValues
	hasCarbon   bool
	written     map[string]string // keys (annotations and the label) last written
	writtenAt   time.Time
	attemptedAt time.Time
	// rendered caches what latest renders to and whether that differs
	// significantly from written; it is recomputed after a new value or a
	// write, not on every flush tick (which visits every node each second).
	rendered *renderedValues
}

type renderedValues struct {
	annotations, labels, all map[string]string
	changed                  bool
}

type nodeAnnotator struct {
	cfg    *Config
	logger *zap.Logger
	tb     *metadata.TelemetryBuilder
	client kubernetes.Interface
	now    func() time.Time

	mu    sync.Mutex
	nodes map[string]*nodeState

	cancel context.CancelFunc
	done   chan struct{}
	warn   *ratelog.Logger // failure warnings: one a minute per kind
}

func newNodeAnnotator(cfg *Config, set exporter.Settings) (*nodeAnnotator, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	return &nodeAnnotator{cfg: cfg, logger: set.Logger, tb: tb, now: time.Now, nodes: map[string]*nodeState{},
		warn: ratelog.New(set.Logger, time.Minute)}, nil
}

func (a *nodeAnnotator) restConfig() (*rest.Config, error) {
	rc, err := a.cfg.APIConfig.RESTConfig("otelcol-eco/k8s_node_annotation")
	if err != nil {
		return nil, err
	}
	rc.QPS, rc.Burst = a.cfg.QPS, a.cfg.Burst
	return rc, nil
}

func (a *nodeAnnotator) start(_ context.Context, _ component.Host) error {
	if a.client == nil {
		rc, err := a.restConfig()
		if err != nil {
			return err
		}
		if a.client, err = kubernetes.NewForConfig(rc); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	a.cancel, a.done = cancel, make(chan struct{})
	go a.run(ctx)
	return nil
}

func (a *nodeAnnotator) shutdown(context.Context) error {
	if a.cancel != nil {
		a.cancel()
		<-a.done
	}
	a.tb.Shutdown()
	return nil
}

// consume records the latest ranking signal, zone intensity and node SCI of
// every node in md; writing happens on the exporter's own schedule.
func (a *nodeAnnotator) consume(_ context.Context, md pmetric.Metrics) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	rms := md.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		res := rms.At(i).Resource().Attributes()
		sms := rms.At(i).ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			ms := sms.At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				a.record(ms.At(k), res)
			}
		}
	}
	return nil
}

func (a *nodeAnnotator) record(m pmetric.Metric, res pcommon.Map) {
	switch m.Name() {
	case semconv.MetricNodeCarbonPerVCPU, semconv.MetricSCIScore, semconv.MetricSCICarbonIntensity:
	default:
		return
	}
	if m.Type() != pmetric.MetricTypeGauge {
		return
	}
	dps := m.Gauge().DataPoints()
	for i := 0; i < dps.Len(); i++ {
		dp := dps.At(i)
		if dp.Flags().NoRecordedValue() {
			// A staleness marker (the sci processor ends a series whose
			// attributes changed): no value, and its 0 must not be written.
			continue
		}
		attrs := dp.Attributes()
		node := lookup(attrs, res, semconv.AttrK8sNodeName)
		v := value(dp)
		if node == "" || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			continue
		}
		if m.Name() != semconv.MetricNodeCarbonPerVCPU && lookup(attrs, res, semconv.AttrSCIScope) != semconv.AttrSCIScopeNode {
			continue
		}
		st := a.nodes[node]
		if st == nil {
			st = &nodeState{}
			a.nodes[node] = st
		}
		st.rendered = nil
		switch m.Name() {
		case semconv.MetricNodeCarbonPerVCPU:
			ts := dp.Timestamp().AsTime()
			if st.hasCarbon && ts.Before(st.latest.updated) {
				continue // late datapoint: keep the newer value
			}
			st.latest.carbonPerVCPU, st.latest.updated, st.hasCarbon = v, ts, true
			st.latest.zone = lookup(attrs, res, semconv.AttrGridZoneCode)
		case semconv.MetricSCIScore:
			st.latest.sci, st.latest.hasSCI = v, true
			st.latest.sciUnit = lookup(attrs, res, semconv.AttrSCIFunctionalUnit)
		case semconv.MetricSCICarbonIntensity:
			st.latest.intensityGPerKWh, st.latest.hasIntensity = v, true
		}
	}
}

func lookup(attrs, res pcommon.Map, key string) string {
	if v, ok := attrs.Get(key); ok {
		return v.AsString()
	}
	if v, ok := res.Get(key); ok {
		return v.AsString()
	}
	return ""
}

func value(dp pmetric.NumberDataPoint) float64 {
	if dp.ValueType() == pmetric.NumberDataPointValueTypeInt {
		return float64(dp.IntValue())
	}
	return dp.DoubleValue()
}

// Keys written on a Node, below the configured prefix.
const (
	keyCarbonPerVCPU = "carbon-per-vcpu"
	keyUpdated       = "carbon-updated"
	keyZone          = "grid-zone"
	keyIntensity     = "carbon-intensity"
	keySCI           = "sci"
	keySCIUnit       = "sci-functional-unit"
	keyClass         = "carbon-class" // a label, the rest are annotations
)

// render returns the annotations and the label a node should carry.
func (a *nodeAnnotator) render(v nodeValues) (annotations, labels map[string]string) {
	p := a.cfg.Prefix
	annotations = map[string]string{
		p + keyCarbonPerVCPU: formatNumber(v.carbonPerVCPU),
		p + keyUpdated:       v.updated.UTC().Format(time.RFC3339),
	}
	if v.zone != "" {
		annotations[p+keyZone] = v.zone
	}
	if v.hasIntensity {
		annotations[p+keyIntensity] = formatNumber(v.intensityGPerKWh)
	}
	if v.hasSCI {
		annotations[p+keySCI] = formatNumber(v.sci)
		annotations[p+keySCIUnit] = v.sciUnit
	}
	labels = map[string]string{}
	if cc := a.cfg.CarbonClass; cc.Enabled {
		class := "medium"
		switch {
		case v.carbonPerVCPU < cc.LowBelow:
			class = "low"
		case v.carbonPerVCPU >= cc.HighFrom:
			class = "high"
		}
		labels[p+keyClass] = class
	}
	return annotations, labels
}

func formatNumber(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

// significant reports whether want differs from have enough to be written:
// any new, removed or changed text, or a number moving by more than the
// change threshold. The timestamp alone is never significant.
func (a *nodeAnnotator) significant(have, want map[string]string) bool {
	if len(have) != len(want) {
		return true
	}
	for k, w := range want {
		h, ok := have[k]
		switch {
		case !ok:
			return true
		case k == a.cfg.Prefix+keyUpdated || h == w:
		default:
			hv, err1 := strconv.ParseFloat(h, 64)
			wv, err2 := strconv.ParseFloat(w, 64)
			if err1 != nil || err2 != nil {
				return true
			}
			if math.Abs(wv-hv) > a.cfg.ChangeThreshold*math.Max(math.Abs(hv), 1e-9) {
				return true
			}
		}
	}
	return false
}

func (a *nodeAnnotator) run(ctx context.Context) {
	defer close(a.done)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			a.flush(ctx)
		}
	}
}

type pendingPatch struct {
	node        string
	annotations map[string]string
	labels      map[string]string
	all         map[string]string
}

// flush writes every node whose values are due, one request at a time (the
// client's QPS limit paces them).
func (a *nodeAnnotator) flush(ctx context.Context) {
	now := a.now()
	var due []pendingPatch
	skipped := int64(0)
	a.mu.Lock()
	for node, st := range a.nodes {
		if !st.hasCarbon {
			continue
		}
		if st.rendered == nil {
			ann, lab := a.render(st.latest)
			all := merge(ann, lab)
			st.rendered = &renderedValues{annotations: ann, labels: lab, all: all, changed: a.significant(st.written, all)}
		}
		r := st.rendered
		refresh := r.all[a.cfg.Prefix+keyUpdated] != st.written[a.cfg.Prefix+keyUpdated] && now.Sub(st.writtenAt) >= a.cfg.RefreshInterval
		switch {
		case !r.changed && !refresh:
			continue
		case now.Sub(st.writtenAt) < a.cfg.MinInterval || now.Sub(st.attemptedAt) < a.cfg.MinInterval:
			skipped++
			continue
		}
		st.attemptedAt = now
		due = append(due, pendingPatch{node: node, annotations: r.annotations, labels: r.labels, all: r.all})
	}
	a.mu.Unlock()
	a.tb.ExporterK8sNodeAnnotationPending.Record(ctx, int64(len(due)))
	if skipped > 0 {
		a.tb.ExporterK8sNodeAnnotationSkipped.Add(ctx, skipped)
	}
	for _, p := range due {
		if ctx.Err() != nil {
			return
		}
		outcome := a.patch(ctx, p)
		a.tb.ExporterK8sNodeAnnotationPatches.Add(ctx, 1, metric.WithAttributes(attribute.String("outcome", outcome)))
	}
}

func (a *nodeAnnotator) patch(ctx context.Context, p pendingPatch) string {
	body, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": p.annotations, "labels": p.labels}})
	if err != nil {
		return "error"
	}
	_, err = a.client.CoreV1().Nodes().Patch(ctx, p.node, types.MergePatchType, body, metav1.PatchOptions{FieldManager: "otelcol-eco"})
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case err == nil:
		if st := a.nodes[p.node]; st != nil {
			st.written, st.writtenAt, st.rendered = p.all, a.now(), nil
		}
		return "ok"
	case apierrors.IsNotFound(err):
		// The node is gone (or not in this cluster): forget it until it
		// reports again.
		delete(a.nodes, p.node)
		a.logger.Debug("node not found; dropped its values", zap.String("node", p.node))
		return "not_found"
	default:
		kind, msg := "patch", "patching node annotations failed; will retry after min_interval"
		if apierrors.IsForbidden(err) {
			kind, msg = "forbidden", "patching node annotations is forbidden: grant the collector's service account `patch` on `nodes` (see the exporter README)"
		}
		a.warn.Warn(kind, msg, zap.String("node", p.node), zap.Error(err))
		return "error"
	}
}

func merge(a, b map[string]string) map[string]string {
	out := make(map[string]string, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}
