package k8snodeannotationexporter

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// benchNodes is a large cluster: the exporter's README sizes writes for
// 5,000 nodes.
const benchNodes = 5000

// clusterSignals is one sci evaluation's node output for the whole cluster.
func clusterSignals(ts time.Time) pmetric.Metrics {
	md := pmetric.NewMetrics()
	for i := range benchNodes {
		nodeSignals(fmt.Sprintf("node-%04d", i), "DE-LU", 2+float64(i%20), 10, 300, ts).ResourceMetrics().MoveAndAppendTo(md.ResourceMetrics())
	}
	return md
}

// BenchmarkConsume: recording one evaluation's output (the pipeline's cost;
// writes happen later, on the exporter's own goroutine).
func BenchmarkConsume(b *testing.B) {
	a, _, now := newTestAnnotator(b)
	md := clusterSignals(*now)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		require.NoError(b, a.consume(ctx, md))
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchNodes), "ns/node")
}

// BenchmarkFlushNothingDue: the once-a-second check of every node when no
// value changed enough and no refresh is due (the steady state between
// grid intervals).
func BenchmarkFlushNothingDue(b *testing.B) {
	a, _, now := newTestAnnotator(b)
	ctx := context.Background()
	require.NoError(b, a.consume(ctx, clusterSignals(*now)))
	// As if every node had just been written with these values.
	a.mu.Lock()
	for _, st := range a.nodes {
		ann, lab := a.render(st.latest)
		st.written, st.writtenAt, st.attemptedAt = merge(ann, lab), *now, *now
	}
	a.mu.Unlock()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		a.flush(ctx)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchNodes), "ns/node")
}
