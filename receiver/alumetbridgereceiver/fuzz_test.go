package alumetbridgereceiver

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/collector/config/confighttp"
)

// FuzzPrometheusPage feeds arbitrary exposition pages to the scraper's
// parser and integrator: never panic, never accept a non-finite delta.
func FuzzPrometheusPage(f *testing.F) {
	for _, p := range promPages {
		f.Add(p)
	}
	f.Add("# TYPE x gauge\nx{resource_kind=\"local_machine\"} NaN\n")
	r := startReceiver(f, func(c *Config) {
		p := c.Prometheus.GetOrInsertDefault()
		p.CollectionInterval = time.Hour
		client := confighttp.NewDefaultClientConfig()
		client.Endpoint = "http://127.0.0.1:1/metrics"
		p.Targets = []PrometheusTarget{{ClientConfig: client, NodeName: "node-f"}}
	})
	s := r.scrapers[0]
	f.Fuzz(func(t *testing.T, page string) {
		var c pointCounts
		s.ingest(context.Background(), []byte(page), time.Unix(1000, 0), &c)
	})
}
