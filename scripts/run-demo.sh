#!/usr/bin/env bash
# `make run`: starts otelcol-eco on the offline demo configuration, and
# alumet-sim playing the Alumet agents of the demo cluster against its relay
# server, and says where to look. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=_build/otelcol-eco
sim=bin/alumet-sim
config=distribution/config/demo.yaml
prom=${ECOTEL_PROMETHEUS_ENDPOINT:-127.0.0.1:8889}
health=${ECOTEL_HEALTH_ENDPOINT:-127.0.0.1:13133}
relay=${ECOTEL_RELAY_ENDPOINT:-127.0.0.1:50051}
cat <<MSG

ecotel demo — otelcol-eco on $config (offline)

  eco status page        http://${ECOTEL_STATUS_ENDPOINT:-127.0.0.1:8890}/
  Prometheus endpoint    http://$prom/metrics
  health check           http://$health/
  collector telemetry    http://127.0.0.1:${ECOTEL_TELEMETRY_PORT:-8888}/metrics
  OTLP in (gRPC / HTTP)  ${ECOTEL_OTLP_GRPC_ENDPOINT:-127.0.0.1:4317} / ${ECOTEL_OTLP_HTTP_ENDPOINT:-127.0.0.1:4318}
  Alumet relay server    $relay  (alumet-sim plays distribution/demo/cluster.yaml's agents)

  Metric names and labels: docs/semantic-conventions.md
  Try: curl -s http://$prom/metrics | grep -E '^(eco_|hw_)'
  Stop with Ctrl-C.

MSG
pids=()
stop() {
  trap - INT TERM EXIT
  # alumet-sim first: it logs the energy it sent when it stops.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; wait "${pids[i]}" 2>/dev/null || true; done
}
trap stop INT TERM EXIT
"$bin" --config "$config" &
pids+=($!)
# alumet-sim retries until the relay server listens, as Alumet's client does.
ECOTEL_RELAY_ENDPOINT=$relay "$sim" -inventory distribution/demo/cluster.yaml -interval 1s -containers &
pids+=($!)
wait -n "${pids[@]}" || true
