package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"text/template"
)

// collectorTemplate is the gateway both pipelines run: the receivers of
// distribution/config/demo.yaml (alumetbridge relay server instead of the
// agents' OTLP, entsoe replay, hardwarecatalog on a static inventory),
// memory_limiter and batch as in gateway.yaml, the Prometheus exporter with
// timestamps (for freshness). The pass-through pipeline is the same minus
// the sci processor.
var collectorTemplate = template.Must(template.New("config").Parse(`
extensions:
  health_check: {endpoint: "{{.Health}}"}
  pprof: {endpoint: "{{.Pprof}}"}
receivers:
  alumetbridge:
    relay: {endpoint: "{{.Relay}}"}
    flush_interval: {{.Flush}}
  entsoe:
    collection_interval: 60s
    zones: [FR, DE-LU, SE-3, SE-4]
    replay: {directory: "{{.Repo}}/distribution/demo/entsoe"}
  hardwarecatalog:
    inventory: {source: static, path: "{{.Inventory}}"}
    catalog: {builtin: true, files: ["{{.Repo}}/distribution/demo/catalog.yaml"]}
processors:
  memory_limiter: {check_interval: 1s, limit_percentage: 80, spike_limit_percentage: 20}
  batch: {timeout: 1s, send_batch_size: 8192}
{{- if .SCI}}
  sci:
    window: {{.Window}}
    interval: {{.Interval}}
    delay: {{.Delay}}
    grid_max_age: 24h
    limits: {max_nodes: {{.MaxNodes}}, max_pods: {{.MaxPods}}}
    output: {pods: {{.PodsInOutput}}}
    drop_inputs: {{.DropInputs}}
{{- end}}
exporters:
  prometheus:
    endpoint: "{{.Prometheus}}"
    # Large expositions take longer than the default to write; the time a
    # scrape takes is measured (Prometheus' own scrape_timeout is 10s).
    write_timeout: 2m
    translation_strategy: UnderscoreEscapingWithSuffixes
    resource_constant_labels:
      included: ["k8s.*", "eco.*", "container.id", "cloud.*", "host.type"]
    metric_expiration: 5m
    send_timestamps: true
    # otel_scope_* labels would add ~100 bytes to every line.
    without_scope_info: true
service:
  extensions: [health_check, pprof]
  telemetry:
    logs: {level: warn}
    metrics:
      level: normal
      readers:
        - pull: {exporter: {prometheus: {host: "{{.TelemetryHost}}", port: {{.TelemetryPort}}}}}
  pipelines:
    metrics:
      receivers: [alumetbridge, entsoe, hardwarecatalog]
      processors: [memory_limiter, batch{{if .SCI}}, sci{{end}}]
      exporters: [prometheus]
`))

// variant is one pipeline to measure, parsed from its name: "passthrough",
// or "sci" with optional suffixes "-pods-full|score|none" (output.pods,
// default -sci-pods) and "-drop" (drop_inputs, default -sci-drop-inputs).
type variant struct {
	sci        bool
	pods       string
	dropInputs bool
}

func parseVariant(cfg *config, name string) (variant, error) {
	if name == "passthrough" {
		return variant{}, nil
	}
	rest, ok := strings.CutPrefix(name, "sci")
	if !ok {
		return variant{}, fmt.Errorf("unknown pipeline %q (passthrough, or sci with -pods-full|-pods-score|-pods-none and -drop suffixes)", name)
	}
	v := variant{sci: true, pods: cfg.podsInOutput, dropInputs: cfg.dropInputs}
	if r, ok := strings.CutSuffix(rest, "-drop"); ok {
		v.dropInputs, rest = true, r
	}
	if r, ok := strings.CutPrefix(rest, "-pods-"); ok {
		v.pods, rest = r, ""
	}
	if rest != "" || (v.pods != "full" && v.pods != "score" && v.pods != "none") {
		return variant{}, fmt.Errorf("unknown pipeline %q (passthrough, or sci with -pods-full|-pods-score|-pods-none and -drop suffixes)", name)
	}
	return v, nil
}

func collectorConfig(cfg *config, v variant, inventory string, ep endpoints) (string, error) {
	host, port, err := splitHostPort(ep.telemetry)
	if err != nil {
		return "", err
	}
	inv, err := filepath.Abs(inventory)
	if err != nil {
		return "", err
	}
	pods := cfg.nodes * cfg.podsPerNode
	var b bytes.Buffer
	err = collectorTemplate.Execute(&b, map[string]any{
		"Health": ep.health, "Pprof": ep.pprof, "Relay": ep.relay, "Prometheus": ep.prometheus,
		"TelemetryHost": host, "TelemetryPort": port,
		"Flush": cfg.flush, "Repo": cfg.repo, "Inventory": inv,
		"Window": cfg.window, "Interval": cfg.interval, "Delay": cfg.delay,
		"MaxNodes": max(cfg.nodes*11/10, 10), "MaxPods": max(pods*11/10, 10),
		"PodsInOutput": v.pods, "DropInputs": v.dropInputs, "SCI": v.sci,
	})
	return b.String(), err
}
