package sciprocessor

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/ecotel/ecotel/processor/sciprocessor/internal/metadata"
	"github.com/ecotel/ecotel/processor/sciprocessor/internal/synthetic"
)

// benchCluster is a 100-node, 3,000-pod cluster: one energy batch holds
// 100 node counters and, per pod, a pod-level and a container-level energy
// counter and a CPU-time counter (9,100 datapoints).
func benchCluster() *synthetic.Cluster {
	demo := synthetic.Demo(t0.Add(-time.Hour))
	c := &synthetic.Cluster{Start: demo.Start, Zones: demo.Zones}
	for i := range 100 {
		n := demo.Nodes[i%len(demo.Nodes)]
		n.Name = fmt.Sprintf("node-%03d", i)
		c.Nodes = append(c.Nodes, n)
		for j := range 30 {
			c.Pods = append(c.Pods, synthetic.Pod{
				UID: fmt.Sprintf("%08d-0000-4000-8000-%012d", i, j), Name: fmt.Sprintf("pod-%d-%d", i, j),
				Namespace: "ns", Node: n.Name, Deployment: fmt.Sprintf("d%d", j%10), RequestCPU: 0.25, PowerW: 2,
			})
		}
	}
	return c
}

// setTimestamps moves every datapoint of an energy batch to t.
func setTimestamps(md pmetric.Metrics, t time.Time) {
	ts := pcommon.NewTimestampFromTime(t)
	rms := md.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		ms := rms.At(i).ScopeMetrics().At(0).Metrics()
		for k := 0; k < ms.Len(); k++ {
			dps := ms.At(k).Sum().DataPoints()
			for l := 0; l < dps.Len(); l++ {
				dps.At(l).SetTimestamp(ts)
			}
		}
	}
}

// BenchmarkIngest measures the per-batch path on steady-state series: one
// op consumes one 9,100-datapoint energy batch; ns/datapoint and
// allocs/op (per batch, so per datapoint it is allocs/op ÷ 9,100) are the
// figures the processor is held to.
func BenchmarkIngest(b *testing.B) {
	c := benchCluster()
	h := newHarness(b, nil)
	h.feed(c, 0, 60*time.Second, 5*time.Second, 600)
	md := c.Energy(h.now)
	dps := md.DataPointCount()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		h.now = h.now.Add(5 * time.Second)
		setTimestamps(md, h.now)
		b.StartTimer()
		if _, err := h.p.processMetrics(ctx, md); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*dps), "ns/datapoint")
}

// BenchmarkEvaluate measures one evaluation of the 100-node, 3,000-pod
// cluster (all windows, roll-ups, signals and the output batch); it runs
// once per interval, not per batch.
func BenchmarkEvaluate(b *testing.B) {
	c := benchCluster()
	h := newHarness(b, nil)
	h.feed(c, 0, 80*time.Second, 5*time.Second, 600)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		md := h.p.evaluate(ctx, h.now)
		if md.DataPointCount() == 0 {
			b.Fatal("nothing evaluated")
		}
	}
}

// BenchmarkPipelineCPU runs the same load through two pipelines side by
// side in one process — OTLP decode → (pass-through | sci) → OTLP encode,
// the receive and export work of a gateway — and reports each one's
// ns per batch and their ratio. The load is the 3,000-pod cluster's energy
// batch every 5 s (9,100 series) with grid and hardware data once per
// minute; the sci pipeline also pays for one evaluation and the encoding
// of its output per 60 s window (every 12th batch). "alumet_defaults"
// carries 5 samples per series per batch, as Alumet's RAPL source polls
// every 1 s and flushes every 5 s; "one_sample" carries one, where the
// evaluation's fixed cost per window weighs most. The pods_score and
// pods_none variants bound the per-pod output (output.pods).
func BenchmarkPipelineCPU(b *testing.B) {
	b.Run("alumet_defaults", func(b *testing.B) { benchmarkPipeline(b, 5, PodOutputFull) })
	b.Run("one_sample", func(b *testing.B) { benchmarkPipeline(b, 1, PodOutputFull) })
	b.Run("one_sample_pods_score", func(b *testing.B) { benchmarkPipeline(b, 1, PodOutputScore) })
	b.Run("one_sample_pods_none", func(b *testing.B) { benchmarkPipeline(b, 1, PodOutputNone) })
}

func benchmarkPipeline(b *testing.B, samplesPerBatch int, podOutput string) {
	const every = 5 * time.Second
	perWindow := int(time.Minute / every)
	c := benchCluster()
	ctx := context.Background()
	var marshaler pmetric.ProtoMarshaler
	var unmarshaler pmetric.ProtoUnmarshaler
	exporter := consumertest.NewNop()
	encode := func(md pmetric.Metrics) {
		if _, err := marshaler.MarshalMetrics(md); err != nil {
			b.Fatal(err)
		}
	}

	// Evaluations are driven by the benchmark (once per window's worth of
	// batches), not by the timer, so the processor is used without Start.
	sink := &encodingSink{encode: encode}
	cfg := createDefaultConfig().(*Config)
	cfg.Output.Pods = podOutput
	inner, err := newSCIProcessor(processortest.NewNopSettings(metadata.Type), cfg, sink)
	if err != nil {
		b.Fatal(err)
	}

	now := t0
	inner.now = func() time.Time { return now }
	batch := func(i int) []byte {
		md := pmetric.NewMetrics()
		if i%perWindow == 0 {
			c.Grid(now, 600).ResourceMetrics().MoveAndAppendTo(md.ResourceMetrics())
			c.Hardware(now).ResourceMetrics().MoveAndAppendTo(md.ResourceMetrics())
		}
		for k := samplesPerBatch - 1; k >= 0; k-- {
			at := now.Add(-time.Duration(k) * every / time.Duration(samplesPerBatch))
			c.Energy(at).ResourceMetrics().MoveAndAppendTo(md.ResourceMetrics())
		}
		buf, err := marshaler.MarshalMetrics(md)
		if err != nil {
			b.Fatal(err)
		}
		return buf
	}
	// Warm up one window so the sci pipeline is in steady state.
	for i := range perWindow + 2 {
		now = now.Add(every)
		md, _ := unmarshaler.UnmarshalMetrics(batch(i))
		_, _ = inner.processMetrics(ctx, md)
	}

	var passNs, sciNs time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		now = now.Add(every)
		buf := batch(i)
		b.StartTimer()

		passThrough := func() {
			start := time.Now()
			md, err := unmarshaler.UnmarshalMetrics(buf)
			if err != nil {
				b.Fatal(err)
			}
			_ = exporter.ConsumeMetrics(ctx, md)
			encode(md)
			passNs += time.Since(start)
		}
		withSCI := func() {
			start := time.Now()
			md, err := unmarshaler.UnmarshalMetrics(buf)
			if err != nil {
				b.Fatal(err)
			}
			out, err := inner.processMetrics(ctx, md)
			if err != nil {
				b.Fatal(err)
			}
			encode(out)
			if i%perWindow == perWindow-1 {
				encode(inner.evaluate(ctx, now))
			}
			sciNs += time.Since(start)
		}
		// Alternate the order so that neither pays for the other's garbage.
		if i%2 == 0 {
			passThrough()
			withSCI()
		} else {
			withSCI()
			passThrough()
		}
	}
	b.ReportMetric(float64(passNs.Nanoseconds())/float64(b.N), "passthrough-ns/batch")
	b.ReportMetric(float64(sciNs.Nanoseconds())/float64(b.N), "sci-ns/batch")
	b.ReportMetric(float64(sciNs)/float64(passNs), "sci/passthrough")
}

type encodingSink struct {
	consumertest.MetricsSink
	encode func(pmetric.Metrics)
}

func (s *encodingSink) ConsumeMetrics(_ context.Context, md pmetric.Metrics) error {
	s.encode(md)
	return nil
}
