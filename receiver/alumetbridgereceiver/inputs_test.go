package alumetbridgereceiver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// alumetOTLPRequest builds a request as Alumet's opentelemetry output
// (v0.9.5) sends it: one resource service.name=alumet-otlp-grpc, scope
// alumet, one Gauge per metric name with string attributes and "empty" for
// empty values.
func alumetOTLPRequest(tsSecs int64) pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", "alumet-otlp-grpc")
	sm := rm.ScopeMetrics().AppendEmpty()
	sm.Scope().SetName("alumet")
	sm.Scope().SetVersion("0.1.0")
	sm.Scope().Attributes().PutStr("tool", "alumet")
	gauge := func(name, unit string, v float64, attrs map[string]string) {
		m := sm.Metrics().AppendEmpty()
		m.SetName(name)
		m.SetUnit(unit)
		dp := m.SetEmptyGauge().DataPoints().AppendEmpty()
		dp.SetTimestamp(pcommon.Timestamp(tsSecs * 1e9))
		dp.SetDoubleValue(v)
		for k, v := range attrs {
			dp.Attributes().PutStr(k, v)
		}
	}
	local := map[string]string{"resource_kind": "local_machine", "resource_id": "empty", "resource_consumer_kind": "local_machine", "resource_consumer_id": "empty"}
	with := func(extra map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range local {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	gauge("rapl_consumed_energy_alumet", "J", 3, with(map[string]string{"domain": "package_total"}))
	gauge("rapl_consumed_energy_alumet", "mJ", 500, with(map[string]string{"domain": "dram_total"}))
	gauge("attributed_energy_alumet", "J", 0.72, with(map[string]string{
		"resource_consumer_kind": "cgroup", "resource_consumer_id": testPodPath,
		"domain": "package_total", "kind": "total", "name": "web-7c5d", "namespace": "default", "node": "node-b", "uid": testPodUID,
	}))
	gauge("cpu_percent_alumet", "%", 12, with(map[string]string{"kind": "user"}))
	return md
}

func TestOTLPInput(t *testing.T) {
	r := startReceiver(t, func(c *Config) {
		c.OTLP.GetOrInsertDefault().NetAddr.Endpoint = "127.0.0.1:0"
		c.NodeName = "node-b"
	})
	conn, err := grpc.NewClient(r.otlp.ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := pmetricotlp.NewGRPCClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := int64(0); i < 3; i++ {
		resp, err := client.Export(ctx, pmetricotlp.NewExportRequestFromMetrics(alumetOTLPRequest(1000+i)))
		if err != nil {
			t.Fatalf("Export must never fail (Alumet stops its output on an error): %v", err)
		}
		// cpu_percent is not modelled: reported through partial success.
		if resp.PartialSuccess().RejectedDataPoints() != 1 {
			t.Fatalf("partial success %d", resp.PartialSuccess().RejectedDataPoints())
		}
	}
	waitFor(t, "OTLP energy", func() bool {
		l := r.latest(t)
		return l["hw.host.energy{node-b/|package_total+dram_total}"] == 3*3.5 &&
			near(l["eco.pod.energy{node-b/"+testPodUID+"/|pod}"], 3*0.72)
	})
}

func near(a, b float64) bool { d := a - b; return d < 1e-9 && d > -1e-9 }

// Alumet Prometheus exporter pages in the three name schemes it has used.
var promPages = map[string]string{
	"v0.8": `# HELP rapl_consumed_energy_J_alumet Energy consumed since the previous measurement.
# TYPE rapl_consumed_energy_J_alumet gauge
rapl_consumed_energy_J_alumet{domain="package_total",resource_consumer_id="",resource_consumer_kind="local_machine",resource_id="",resource_kind="local_machine"} %v
# HELP nvml_sm_utilization_alumet_% bad name from v0.9.1
# TYPE nvml_sm_utilization_alumet_% gauge
nvml_sm_utilization_alumet_%{resource_kind="gpu"} 3
# EOF
`,
	"v0.9.5": `# HELP rapl_consumed_energy_alumet Energy consumed since the previous measurement.
# TYPE rapl_consumed_energy_alumet gauge
rapl_consumed_energy_alumet{domain="package_total",resource_consumer_id="",resource_consumer_kind="local_machine",resource_id="",resource_kind="local_machine"} %v
# HELP kernel_context_switches_alumet_ Context switches.
# TYPE kernel_context_switches_alumet_ gauge
kernel_context_switches_alumet_{resource_consumer_id="",resource_consumer_kind="local_machine",resource_id="",resource_kind="local_machine"} 5
# EOF
`,
	"head": `# HELP rapl_consumed_energy_alumet_joules Energy consumed since the previous measurement.
# TYPE rapl_consumed_energy_alumet_joules gauge
# UNIT rapl_consumed_energy_alumet_joules joules
rapl_consumed_energy_alumet_joules{domain="package_total",resource_consumer_id="",resource_consumer_kind="local_machine",resource_id="",resource_kind="local_machine"} %v
# EOF
`,
}

// TestPrometheusScrape scrapes a stand-in for Alumet's exporter (a real HTTP
// server serving pages in each naming scheme Alumet has used). Repeated
// equal values are the same delta and are not integrated twice.
func TestPrometheusScrape(t *testing.T) {
	for scheme, page := range promPages {
		t.Run(scheme, func(t *testing.T) {
			values := []string{"2", "2", "3.5", "1"}
			var n atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				i := min(int(n.Add(1))-1, len(values)-1)
				w.Header().Set("Content-Type", "application/openmetrics-text; version=1.0.0; charset=utf-8")
				_, _ = w.Write([]byte(strings.ReplaceAll(page, "%v", values[i])))
			}))
			defer srv.Close()
			r := startReceiver(t, func(c *Config) {
				p := c.Prometheus.GetOrInsertDefault()
				p.CollectionInterval = 20 * time.Millisecond
				client := confighttp.NewDefaultClientConfig()
				client.Endpoint = srv.URL + "/metrics"
				p.Targets = []PrometheusTarget{{ClientConfig: client, NodeName: "node-p"}}
			})
			waitFor(t, "four scrapes", func() bool { return n.Load() >= 5 })
			waitFor(t, "2 + 3.5 + 1 J (the repeated 2 counted once)", func() bool {
				return r.latest(t)["hw.host.energy{node-p/|package_total}"] == 6.5
			})
		})
	}
}

func TestCSVImport(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alumet-output.csv")
	csv := "metric;timestamp;value;resource_kind;resource_id;consumer_kind;consumer_id;domain;__late_attributes\n" +
		"rapl_consumed_energy_J;2025-12-16T15:15:33.140998524Z;1.5;cpu_package;0;local_machine;;package;\n" +
		"rapl_consumed_energy_J;2025-12-16T15:15:33.140998524Z;3.5;local_machine;;local_machine;;package_total;\n" +
		"rapl_consumed_energy_mJ;2025-12-16T15:15:33.140998524Z;250;local_machine;;local_machine;;dram_total;\n" +
		"broken line\n" +
		"attributed_energy_J;2025-12-16T15:15:34Z;0.5;local_machine;;cgroup;" + testPodPath + ";package_total;uid=" + testPodUID + ",name=web,namespace=shop\n" +
		"rapl_consumed_energy_J;2025-12-16T15:15:34.1Z;3.5;local_machine;;local_machine;;package_total;\n"
	if err := os.WriteFile(path, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	r := startReceiver(t, func(c *Config) {
		c.CSV.GetOrInsertDefault().Files = []CSVFile{{Path: path, NodeName: "node-c"}}
	})
	waitFor(t, "CSV imported", func() bool {
		l := r.latest(t)
		return l["hw.host.energy{node-c/|package_total+dram_total}"] == 7.25 && l["eco.pod.energy{node-c/"+testPodUID+"/|pod}"] == 0.5
	})
	if got := r.counter(t, "receiver_alumetbridge_decode_errors", inputIs("csv")); got != 1 {
		t.Fatalf("decode errors %d", got)
	}
}
